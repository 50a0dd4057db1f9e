// The in-memory model the inference engine runs: one graph (TFLite subgraph 0)
// of tensors and operators, in plain C++ with no FlatBuffers types, so the
// interpreter, the planner, the tools and a future writer do not depend on the
// generated schema code.
//
// Layout and units
//   Tensor shapes are outermost first (TFLite order, NHWC for images).
//   Quantization is affine, real = scale * (q - zero_point), per tensor or per
//   channel along QuantParams::quantized_dimension (see core/runtime/tensor/tensor.h).
//   Constant tensors point at their data inside storage owned by the Model
//   (16-byte aligned at the start of each block; the file bytes of a loaded
//   model are one such block). Data is little-endian, as TFLite stores it.
//   Operator input/output lists hold tensor indices; -1 marks an optional input
//   that is absent (e.g. FULLY_CONNECTED without bias).
//
// Ownership and thread safety
//   A Model is move-only. Tensor::data pointers and MetadataEntry::data stay
//   valid for the Model's lifetime, also across moves. A Model is immutable once
//   built (the reader builds it fully before returning it), so any number of
//   threads may read it and several interpreters may share one model.
//
// Validity
//   Models returned by the reader (core/runtime/nn/tflite_reader.h) are verified: every
//   index is in range, every constant's data length equals its byte size, every
//   option is valid for its op and the operators are in an executable order.
//   Code that builds a Model by hand (tests, converters) is responsible for the
//   same; Model::validate() checks the structural part and throws edge::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "tensor/tensor.h"

namespace edge::nn {

// TFLite BuiltinOperator codes (schema.fbs). Operators the engine runs, plus a
// few common ones so messages and tools can name them; any other code is still
// representable (static_cast<Op>(code)) and op_name() names it.
enum class Op : int32_t {
  kAdd = 0,
  kAveragePool2D = 1,
  kConcatenation = 2,
  kConv2D = 3,
  kDepthwiseConv2D = 4,
  kDequantize = 6,
  kFullyConnected = 9,
  kLogistic = 14,
  kLstm = 16,
  kMaxPool2D = 17,
  kMul = 18,
  kRelu = 19,
  kReluN1To1 = 20,
  kRelu6 = 21,
  kReshape = 22,
  kSoftmax = 25,
  kSvdf = 27,
  kTanh = 28,
  kCustom = 32,
  kPad = 34,
  kTranspose = 39,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kSqueeze = 43,
  kStridedSlice = 45,
  kCast = 53,
  kMaximum = 55,
  kMinimum = 57,
  kPadV2 = 60,
  kSlice = 65,
  kExpandDims = 70,
  kSum = 74,
  kQuantize = 114,
  kHardSwish = 117,
  kBatchMatMul = 126,
};

// "CONV_2D", as TFLite's EnumNameBuiltinOperator spells it; "BUILTIN_<code>"
// for a code this build does not know.
const char* op_name(Op op);
std::string op_name_or_code(int32_t code);

// Custom operators the engine knows (Op::kCustom with one of these custom codes): the
// signal library of TensorFlow Lite Micro (signal/micro/kernels), whose options are
// FlexBuffers maps. kNone marks a builtin operator; kUnknown a custom code the engine does
// not run (read only with ReadOptions::allow_unsupported).
enum class CustomOp : uint8_t {
  kNone,
  kUnknown,
  kSignalWindow,
  kSignalFftAutoScale,
  kSignalRfft,
  kSignalEnergy,
  kSignalFilterBank,
  kSignalFilterBankSquareRoot,
  kSignalFilterBankSpectralSubtraction,
  kSignalPcan,
  kSignalFilterBankLog,
};

// "SignalWindow", ... as the file spells the custom code; "" for kNone and kUnknown.
const char* custom_op_code(CustomOp op);
// kUnknown for a custom code the engine does not know.
CustomOp custom_op_from_code(const std::string& code);

// Options enums, values as in the TFLite schema.
enum class Padding : int8_t { kSame = 0, kValid = 1 };
enum class Activation : int8_t {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};
enum class FullyConnectedWeightsFormat : int8_t { kDefault = 0, kShuffled4x16Int8 = 1 };

const char* padding_name(Padding padding);           // "SAME", "VALID"
const char* activation_name(Activation activation);  // "NONE", "RELU", ...

// Parsed builtin options, one plain struct per option table. Defaults are the
// schema's defaults (what an absent table or field means).
struct Conv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t dilation_w = 1;
  int32_t dilation_h = 1;
  Activation activation = Activation::kNone;
};

struct DepthwiseConv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t depth_multiplier = 1;  // informative only: TFLite derives it from the shapes
  int32_t dilation_w = 1;
  int32_t dilation_h = 1;
  Activation activation = Activation::kNone;
};

struct FullyConnectedOptions {
  Activation activation = Activation::kNone;
  FullyConnectedWeightsFormat weights_format = FullyConnectedWeightsFormat::kDefault;
  bool keep_num_dims = false;
  // Hybrid (float input, int8 weights): quantize each input row asymmetrically
  // (with a zero point) instead of symmetrically.
  bool asymmetric_quantize_inputs = false;
};

struct Pool2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
  int32_t filter_w = 1;
  int32_t filter_h = 1;
  Activation activation = Activation::kNone;
};

struct SoftmaxOptions {
  float beta = 1.0f;
};

struct ConcatenationOptions {
  int32_t axis = 0;  // may be negative (counts from the end), as in the file
  Activation activation = Activation::kNone;
};

struct ReshapeOptions {
  // The target shape from the options table. When absent (has_new_shape false)
  // the shape comes from the second input tensor or from the output tensor.
  bool has_new_shape = false;
  std::vector<int32_t> new_shape;  // may hold one -1
};

struct SqueezeOptions {
  std::vector<int32_t> squeeze_dims;  // empty: squeeze every dimension of size 1
};

struct AddOptions {
  Activation activation = Activation::kNone;
  bool pot_scale_int16 = true;  // int16 ADD: power-of-two scales (the schema default)
};

struct SubOptions {
  Activation activation = Activation::kNone;
  bool pot_scale_int16 = true;
};

struct MulOptions {
  Activation activation = Activation::kNone;
};

struct ReducerOptions {  // MEAN, SUM, ...
  bool keep_dims = false;
};

// SVDF (keyword_scrambled): rank of the decomposition, fused activation,
// hybrid input quantization mode. Its state input is a variable tensor.
struct SvdfOptions {
  int32_t rank = 1;
  Activation activation = Activation::kNone;
  bool asymmetric_quantize_inputs = false;
};

struct DivOptions {
  Activation activation = Activation::kNone;
};

// STRIDED_SLICE: bit i of a mask applies to dimension i. begin/end/strides are inputs.
struct StridedSliceOptions {
  int32_t begin_mask = 0;
  int32_t end_mask = 0;
  int32_t ellipsis_mask = 0;
  int32_t new_axis_mask = 0;
  int32_t shrink_axis_mask = 0;
  bool offset = false;  // end is relative to begin
};

// Options of TFLM's signal-library operators (custom_options, FlexBuffers maps; the keys
// are the field names). SignalFftAutoScale and SignalFilterBankSquareRoot take none.
struct SignalWindowOptions {
  int32_t shift = 0;  // 0..31: output = (input * weight) >> shift, saturated to int16
};

struct SignalRfftOptions {
  int32_t fft_length = 0;      // even; half of it has only the factors 2, 3 and 5
  DType type = DType::kInt16;  // 'T': int16, int32 or float32
};

struct SignalEnergyOptions {
  int32_t start_index = 0;  // bins [start_index, end_index) of the spectrum
  int32_t end_index = 0;
};

struct SignalFilterBankOptions {
  int32_t num_channels = 0;
};

struct SignalSpectralSubtractionOptions {
  int32_t num_channels = 0;
  uint32_t smoothing = 0;  // scaled by 1 << spectral_subtraction_bits
  uint32_t one_minus_smoothing = 0;
  uint32_t alternate_smoothing = 0;  // odd channels
  uint32_t alternate_one_minus_smoothing = 0;
  uint32_t min_signal_remaining = 0;
  int32_t smoothing_bits = 0;             // 0..31
  int32_t spectral_subtraction_bits = 0;  // 0..63
  bool clamping = false;
};

struct SignalPcanOptions {
  int32_t snr_shift = 0;  // 0..63
};

struct SignalFilterBankLogOptions {
  int32_t input_correction_bits = 0;  // 0..31
  int32_t output_scale = 0;           // >= 0
};

// PAD, QUANTIZE, DEQUANTIZE, LOGISTIC, TANH, RELU, RELU6 and the like carry no
// options: std::monostate.
using OpOptions =
    std::variant<std::monostate, Conv2DOptions, DepthwiseConv2DOptions, FullyConnectedOptions,
                 Pool2DOptions, SoftmaxOptions, ConcatenationOptions, ReshapeOptions,
                 SqueezeOptions, AddOptions, SubOptions, MulOptions, ReducerOptions, SvdfOptions,
                 DivOptions, StridedSliceOptions, SignalWindowOptions, SignalRfftOptions,
                 SignalEnergyOptions, SignalFilterBankOptions, SignalSpectralSubtractionOptions,
                 SignalPcanOptions, SignalFilterBankLogOptions>;

struct Tensor {
  std::string name;
  DType type = DType::kFloat32;
  Shape shape;                    // outermost first; empty for a scalar
  Shape shape_signature;          // as in the file (-1 = dynamic dimension); empty when absent
  QuantParams quant;              // empty when the tensor is not quantized
  bool is_variable = false;       // state kept across invokes (not supported by the engine yet)
  bool is_constant = false;       // data is in the model (weights, biases, shape operands)
  const uint8_t* data = nullptr;  // constant data, exactly byte_size() bytes; null otherwise
  size_t data_bytes = 0;

  int64_t elements() const { return shape_elements(shape); }
  size_t byte_size() const { return static_cast<size_t>(elements()) * dtype_size(type); }
  // "name int8 [1, 96, 96, 1] scale=0.0078 zp=-128" for messages and tools.
  std::string describe() const;
};

struct Operator {
  Op op = Op::kAdd;
  int32_t version = 1;                 // the operator code's version, as the converter wrote it
  std::vector<int32_t> inputs;         // tensor indices, -1 for an absent optional input
  std::vector<int32_t> outputs;        // tensor indices
  std::vector<int32_t> intermediates;  // tensor indices (LSTM-style ops); usually empty
  OpOptions options;
  // Op::kCustom only: which custom operator, its code as in the file, and its raw
  // options (FlexBuffers bytes in model-owned storage; null when there are none).
  CustomOp custom = CustomOp::kNone;
  std::string custom_code;
  const uint8_t* custom_options = nullptr;
  size_t custom_options_size = 0;

  // "CONV_2D", or the custom code of a custom operator ("SignalRfft").
  std::string name() const;

  // Typed access: nullptr when the options are of another kind.
  template <typename T>
  const T* options_as() const {
    return std::get_if<T>(&options);
  }
};

// A named metadata entry of the model (TFLite Model.metadata): raw bytes of its
// buffer. edgestream writes labels as "edgestream.labels" (UTF-8, one label per
// line); TFLite writes e.g. "min_runtime_version" and "TFLITE_METADATA".
struct MetadataEntry {
  std::string name;
  const uint8_t* data = nullptr;
  size_t size = 0;

  std::string as_string() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

// Name of edgestream's labels metadata entry.
constexpr const char* kLabelsMetadataName = "edgestream.labels";

class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // --- reading ---
  // Where the model came from (file path, or a name like "<memory>"), for messages.
  const std::string& source() const { return source_; }
  uint32_t version() const { return version_; }  // TFLite schema version (3)
  const std::string& description() const { return description_; }

  const std::vector<Tensor>& tensors() const { return tensors_; }
  const Tensor& tensor(int32_t index) const;  // throws edge::Error when out of range
  const std::vector<Operator>& operators() const { return operators_; }
  const std::vector<int32_t>& inputs() const { return inputs_; }    // graph inputs
  const std::vector<int32_t>& outputs() const { return outputs_; }  // graph outputs
  const Tensor& input(size_t i) const { return tensor(inputs_.at(i)); }
  const Tensor& output(size_t i) const { return tensor(outputs_.at(i)); }

  const std::vector<MetadataEntry>& metadata() const { return metadata_; }
  // nullptr when there is no entry of that name.
  const MetadataEntry* find_metadata(const std::string& name) const;
  // Labels from the "edgestream.labels" entry (one per line, trailing CR and
  // empty last line dropped); empty when the model has none.
  std::vector<std::string> labels() const;

  // Bytes of constant tensor data (weights, biases, other constants).
  size_t parameter_bytes() const;

  // --- building (the reader, tests, converters) ---
  void set_source(std::string source) { source_ = std::move(source); }
  void set_version(uint32_t version) { version_ = version; }
  void set_description(std::string description) { description_ = std::move(description); }
  // Takes ownership of bytes (copied into 16-byte aligned storage owned by the
  // model) and returns where they now live; pointers into it stay valid for the
  // model's lifetime.
  const uint8_t* adopt_bytes(const void* bytes, size_t size);
  // Allocates size bytes of 16-byte aligned, zero-filled storage owned by the
  // model (the reader reads a file straight into it).
  uint8_t* allocate_bytes(size_t size);
  // Adds a tensor and returns its index. For a constant, use add_constant.
  int32_t add_tensor(Tensor tensor);
  // Adds a constant tensor whose data (exactly tensor.byte_size() bytes) is
  // copied into model-owned aligned storage.
  int32_t add_constant(Tensor tensor, const void* data, size_t size);
  void add_operator(Operator op) { operators_.push_back(std::move(op)); }
  void set_inputs(std::vector<int32_t> inputs) { inputs_ = std::move(inputs); }
  void set_outputs(std::vector<int32_t> outputs) { outputs_ = std::move(outputs); }
  // data must point into storage owned by the model (adopt_bytes) or be static.
  void add_metadata(MetadataEntry entry) { metadata_.push_back(std::move(entry)); }
  // Mutable access for the reader while it builds the model.
  std::vector<Tensor>& mutable_tensors() { return tensors_; }

  // Structural checks of a hand-built model: indices in range, constants sized
  // exactly, every non-constant operator input produced earlier or a graph
  // input. Throws edge::Error naming the source, operator and tensor.
  void validate() const;

 private:
  struct Storage;  // 16-byte aligned blocks owned by the model
  std::string source_ = "<memory>";
  uint32_t version_ = 3;
  std::string description_;
  std::vector<Tensor> tensors_;
  std::vector<Operator> operators_;
  std::vector<int32_t> inputs_;
  std::vector<int32_t> outputs_;
  std::vector<MetadataEntry> metadata_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace edge::nn
