#include "nn/tflite_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "common/error.h"
#include "nn/schema/tflite_schema_generated.h"

namespace edge::nn {

namespace {

constexpr const char* kIdentifier = "TFL3";
constexpr uint32_t kSchemaVersion = 3;
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;
constexpr size_t kBufferAlignment = 16;
constexpr size_t kMinRuntimeVersionBytes = 16;

tflite::TensorType tflite_type(DType type) {
  switch (type) {
    case DType::kFloat32:
      return tflite::TensorType_FLOAT32;
    case DType::kFloat16:
      return tflite::TensorType_FLOAT16;
    case DType::kInt8:
      return tflite::TensorType_INT8;
    case DType::kUInt8:
      return tflite::TensorType_UINT8;
    case DType::kInt16:
      return tflite::TensorType_INT16;
    case DType::kInt32:
      return tflite::TensorType_INT32;
    case DType::kInt64:
      return tflite::TensorType_INT64;
    case DType::kBool:
      return tflite::TensorType_BOOL;
    case DType::kUInt32:
      return tflite::TensorType_UINT32;
    case DType::kUInt64:
      return tflite::TensorType_UINT64;
  }
  throw Error(msg("tensor type code ", static_cast<int>(type), " has no TFLite type"));
}

tflite::Padding tflite_padding(Padding padding) {
  return padding == Padding::kValid ? tflite::Padding_VALID : tflite::Padding_SAME;
}

tflite::ActivationFunctionType tflite_activation(Activation activation) {
  return static_cast<tflite::ActivationFunctionType>(static_cast<int8_t>(activation));
}

// Type of operand k of op (input list), kFloat32 when absent.
DType operand_type(const Model& model, const std::vector<int32_t>& list, size_t k) {
  if (k >= list.size() || list[k] < 0) return DType::kFloat32;
  return model.tensor(list[k]).type;
}

bool per_channel(const Model& model, const std::vector<int32_t>& list, size_t k) {
  if (k >= list.size() || list[k] < 0) return false;
  return model.tensor(list[k]).quant.per_channel();
}

// "1.14.0" -> {1, 14, 0} for comparisons.
std::vector<int> parse_version(const std::string& text) {
  std::vector<int> parts;
  int value = 0;
  for (char c : text) {
    if (c == '.') {
      parts.push_back(value);
      value = 0;
    } else {
      value = value * 10 + (c - '0');
    }
  }
  parts.push_back(value);
  return parts;
}

// TensorFlow's runtime_version.cc: the first release whose runtime has each
// (op, version). Only the ops edgestream writes; docs/export.md has the table.
const char* runtime_version_of(Op op, int32_t version) {
  struct Row {
    Op op;
    int32_t version;
    const char* runtime;
  };
  static const Row kTable[] = {
      {Op::kAveragePool2D, 1, "1.5.0"},
      {Op::kAveragePool2D, 2, "1.14.0"},
      {Op::kAveragePool2D, 3, "2.3.0"},
      {Op::kConv2D, 1, "1.5.0"},
      {Op::kConv2D, 2, "1.14.0"},
      {Op::kConv2D, 3, "1.14.0"},
      {Op::kConv2D, 4, "2.3.0"},
      {Op::kConv2D, 5, "2.4.0"},
      {Op::kDepthwiseConv2D, 1, "1.5.0"},
      {Op::kDepthwiseConv2D, 2, "1.12.0"},
      {Op::kDepthwiseConv2D, 3, "1.14.0"},
      {Op::kDepthwiseConv2D, 4, "2.2.0"},
      {Op::kDepthwiseConv2D, 5, "2.3.0"},
      {Op::kDepthwiseConv2D, 6, "2.3.0"},
      {Op::kAdd, 1, "1.5.0"},
      {Op::kAdd, 2, "1.14.0"},
      {Op::kAdd, 3, "2.4.0"},
      {Op::kConcatenation, 1, "1.5.0"},
      {Op::kConcatenation, 2, "1.14.0"},
      {Op::kConcatenation, 3, "2.3.0"},
      {Op::kFullyConnected, 1, "1.5.0"},
      {Op::kFullyConnected, 2, "1.10.0"},
      {Op::kFullyConnected, 3, "1.14.0"},
      {Op::kFullyConnected, 4, "1.14.0"},
      {Op::kFullyConnected, 5, "2.0.0"},
      {Op::kFullyConnected, 6, "2.1.0"},
      {Op::kFullyConnected, 7, "2.3.0"},
      {Op::kFullyConnected, 8, "2.3.0"},
      {Op::kFullyConnected, 9, "2.3.0"},
      {Op::kMaxPool2D, 1, "1.5.0"},
      {Op::kMaxPool2D, 2, "1.14.0"},
      {Op::kMaxPool2D, 3, "2.3.0"},
      {Op::kMean, 1, "1.6.0"},
      {Op::kMean, 2, "1.14.0"},
      {Op::kMul, 1, "1.5.0"},
      {Op::kMul, 2, "1.14.0"},
      {Op::kPad, 1, "1.5.0"},
      {Op::kPad, 2, "1.14.0"},
      {Op::kPad, 3, "2.4.0"},
      {Op::kPad, 4, "2.6.0"},
      {Op::kReshape, 1, "1.5.0"},
      {Op::kSqueeze, 1, "1.6.0"},
      {Op::kSoftmax, 1, "1.5.0"},
      {Op::kSoftmax, 2, "1.14.0"},
      {Op::kSoftmax, 3, "2.3.0"},
      {Op::kLogistic, 1, "1.5.0"},
      {Op::kLogistic, 2, "1.14.0"},
      {Op::kLogistic, 3, "2.3.0"},
      {Op::kTanh, 1, "1.14.0"},
      {Op::kTanh, 2, "1.14.0"},
      {Op::kTanh, 3, "2.3.0"},
      {Op::kRelu, 1, "1.5.0"},
      {Op::kRelu, 2, "2.1.0"},
      {Op::kRelu, 3, "2.5.0"},
      {Op::kRelu6, 1, "1.5.0"},
      {Op::kRelu6, 2, "1.14.0"},
      {Op::kRelu6, 3, "2.5.0"},
      {Op::kQuantize, 1, "1.14.0"},
      {Op::kQuantize, 2, "1.15.0"},
      {Op::kDequantize, 1, "1.13.1"},
      {Op::kDequantize, 2, "1.14.0"},
      {Op::kDequantize, 3, "1.15.0"},
      {Op::kDequantize, 4, "2.2.0"},
      {Op::kDequantize, 5, "2.7.0"},
  };
  for (const Row& row : kTable) {
    if (row.op == op && row.version == version) return row.runtime;
  }
  return "1.5.0";
}

class Writer {
 public:
  Writer(const Model& model, const WriteOptions& options) : model_(model), options_(options) {}

  std::vector<uint8_t> run() {
    model_.validate();
    // Buffer 0: the empty buffer every non-constant tensor refers to.
    buffers_.push_back(tflite::CreateBuffer(fbb_));
    auto tensors = write_tensors();
    auto operators = write_operators();
    auto subgraph =
        tflite::CreateSubGraph(fbb_, fbb_.CreateVector(tensors), fbb_.CreateVector(model_.inputs()),
                               fbb_.CreateVector(model_.outputs()), fbb_.CreateVector(operators),
                               options_.strip_strings ? 0 : fbb_.CreateString("main"));
    auto metadata = write_metadata();
    std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs{subgraph};
    auto root = tflite::CreateModel(
        fbb_, kSchemaVersion, fbb_.CreateVector(opcodes_), fbb_.CreateVector(subgraphs),
        options_.strip_strings ? 0 : fbb_.CreateString(options_.description),
        fbb_.CreateVector(buffers_), 0, metadata.empty() ? 0 : fbb_.CreateVector(metadata));
    fbb_.Finish(root, kIdentifier);
    if (fbb_.GetSize() > static_cast<size_t>(FLATBUFFERS_MAX_BUFFER_SIZE)) {
      throw Error(msg(model_.source(), ": the written model would be ", fbb_.GetSize(),
                      " bytes, above FlatBuffers' 2 GB limit"));
    }
    const uint8_t* data = fbb_.GetBufferPointer();
    return std::vector<uint8_t>(data, data + fbb_.GetSize());
  }

 private:
  // A buffer; tensor data starts on a 16-byte boundary of the finished file
  // (metadata text needs no alignment and is not padded).
  uint32_t add_buffer(const uint8_t* data, size_t size, bool aligned = true) {
    if (aligned) fbb_.ForceVectorAlignment(size, sizeof(uint8_t), kBufferAlignment);
    auto vector = fbb_.CreateVector(data, size);
    buffers_.push_back(tflite::CreateBuffer(fbb_, vector));
    return static_cast<uint32_t>(buffers_.size() - 1);
  }

  // Equal small vectors (shapes, scales, zero points) are written once and
  // referred to from every table that holds them: FlatBuffers allows shared
  // offsets, and it keeps quantized files small.
  template <typename T>
  using VectorCache = std::map<std::vector<T>, flatbuffers::Offset<flatbuffers::Vector<T>>>;
  template <typename T>
  flatbuffers::Offset<flatbuffers::Vector<T>> shared(VectorCache<T>& cache,
                                                     const std::vector<T>& values) {
    auto found = cache.find(values);
    if (found != cache.end()) return found->second;
    const auto offset = fbb_.CreateVector(values);
    cache.emplace(values, offset);
    return offset;
  }

  bool is_graph_io(int32_t index) const {
    const auto& in = model_.inputs();
    const auto& out = model_.outputs();
    return std::find(in.begin(), in.end(), index) != in.end() ||
           std::find(out.begin(), out.end(), index) != out.end();
  }

  std::vector<flatbuffers::Offset<tflite::Tensor>> write_tensors() {
    std::vector<flatbuffers::Offset<tflite::Tensor>> out;
    out.reserve(model_.tensors().size());
    for (size_t i = 0; i < model_.tensors().size(); ++i) {
      const Tensor& t = model_.tensors()[i];
      tflite::TensorType type;
      try {
        type = tflite_type(t.type);
      } catch (const Error& e) {
        throw Error(msg(model_.source(), ": tensor ", i, " \"", t.name, "\": ", e.what()));
      }
      uint32_t buffer = 0;
      if (t.is_constant) buffer = add_buffer(t.data, t.data_bytes);
      flatbuffers::Offset<tflite::QuantizationParameters> quant = 0;
      if (!t.quant.empty()) {
        quant = tflite::CreateQuantizationParameters(
            fbb_, 0, 0, shared(scales_, t.quant.scale), shared(zero_points_, t.quant.zero_point),
            tflite::QuantizationDetails_NONE, 0,
            t.quant.per_channel() ? t.quant.quantized_dimension : 0);
      }
      auto shape = shared(shapes_, t.shape);
      const bool keep_name = !options_.strip_strings || is_graph_io(static_cast<int32_t>(i));
      auto name = keep_name ? fbb_.CreateString(t.name) : 0;
      auto signature = t.shape_signature.empty() ? 0 : fbb_.CreateVector(t.shape_signature);
      out.push_back(tflite::CreateTensor(fbb_, shape, type, buffer, name, quant, t.is_variable, 0,
                                         signature));
    }
    return out;
  }

  uint32_t opcode_index(const Operator& op, int32_t version) {
    const auto key = std::make_tuple(static_cast<int32_t>(op.op), version, op.custom_code);
    auto found = opcode_map_.find(key);
    if (found != opcode_map_.end()) return found->second;
    const int32_t code = static_cast<int32_t>(op.op);
    auto custom_code = op.op == Op::kCustom ? fbb_.CreateString(op.custom_code) : 0;
    opcodes_.push_back(tflite::CreateOperatorCode(
        fbb_, static_cast<int8_t>(std::min(code, kPlaceholderForGreaterOpCodes)), custom_code,
        version, static_cast<tflite::BuiltinOperator>(code)));
    const auto index = static_cast<uint32_t>(opcodes_.size() - 1);
    opcode_map_.emplace(key, index);
    return index;
  }

  std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> write_options(const Operator& op) {
    using BO = tflite::BuiltinOptions;
    if (const auto* o = op.options_as<Conv2DOptions>()) {
      return {BO::BuiltinOptions_Conv2DOptions,
              tflite::CreateConv2DOptions(fbb_, tflite_padding(o->padding), o->stride_w,
                                          o->stride_h, tflite_activation(o->activation),
                                          o->dilation_w, o->dilation_h)
                  .Union()};
    }
    if (const auto* o = op.options_as<DepthwiseConv2DOptions>()) {
      return {BO::BuiltinOptions_DepthwiseConv2DOptions,
              tflite::CreateDepthwiseConv2DOptions(
                  fbb_, tflite_padding(o->padding), o->stride_w, o->stride_h, o->depth_multiplier,
                  tflite_activation(o->activation), o->dilation_w, o->dilation_h)
                  .Union()};
    }
    if (const auto* o = op.options_as<FullyConnectedOptions>()) {
      return {BO::BuiltinOptions_FullyConnectedOptions,
              tflite::CreateFullyConnectedOptions(
                  fbb_, tflite_activation(o->activation),
                  static_cast<tflite::FullyConnectedOptionsWeightsFormat>(o->weights_format),
                  o->keep_num_dims, o->asymmetric_quantize_inputs)
                  .Union()};
    }
    if (const auto* o = op.options_as<Pool2DOptions>()) {
      return {
          BO::BuiltinOptions_Pool2DOptions,
          tflite::CreatePool2DOptions(fbb_, tflite_padding(o->padding), o->stride_w, o->stride_h,
                                      o->filter_w, o->filter_h, tflite_activation(o->activation))
              .Union()};
    }
    if (const auto* o = op.options_as<SoftmaxOptions>()) {
      return {BO::BuiltinOptions_SoftmaxOptions,
              tflite::CreateSoftmaxOptions(fbb_, o->beta).Union()};
    }
    if (const auto* o = op.options_as<ConcatenationOptions>()) {
      return {BO::BuiltinOptions_ConcatenationOptions,
              tflite::CreateConcatenationOptions(fbb_, o->axis, tflite_activation(o->activation))
                  .Union()};
    }
    if (const auto* o = op.options_as<ReshapeOptions>()) {
      auto shape = o->has_new_shape ? fbb_.CreateVector(o->new_shape) : 0;
      return {BO::BuiltinOptions_ReshapeOptions, tflite::CreateReshapeOptions(fbb_, shape).Union()};
    }
    if (const auto* o = op.options_as<SqueezeOptions>()) {
      auto dims = o->squeeze_dims.empty() ? 0 : fbb_.CreateVector(o->squeeze_dims);
      return {BO::BuiltinOptions_SqueezeOptions, tflite::CreateSqueezeOptions(fbb_, dims).Union()};
    }
    if (const auto* o = op.options_as<AddOptions>()) {
      return {BO::BuiltinOptions_AddOptions,
              tflite::CreateAddOptions(fbb_, tflite_activation(o->activation), o->pot_scale_int16)
                  .Union()};
    }
    if (const auto* o = op.options_as<SubOptions>()) {
      return {BO::BuiltinOptions_SubOptions,
              tflite::CreateSubOptions(fbb_, tflite_activation(o->activation), o->pot_scale_int16)
                  .Union()};
    }
    if (const auto* o = op.options_as<MulOptions>()) {
      return {BO::BuiltinOptions_MulOptions,
              tflite::CreateMulOptions(fbb_, tflite_activation(o->activation)).Union()};
    }
    if (const auto* o = op.options_as<ReducerOptions>()) {
      return {BO::BuiltinOptions_ReducerOptions,
              tflite::CreateReducerOptions(fbb_, o->keep_dims).Union()};
    }
    if (const auto* o = op.options_as<DivOptions>()) {
      return {BO::BuiltinOptions_DivOptions,
              tflite::CreateDivOptions(fbb_, tflite_activation(o->activation)).Union()};
    }
    if (const auto* o = op.options_as<StridedSliceOptions>()) {
      return {BO::BuiltinOptions_StridedSliceOptions,
              tflite::CreateStridedSliceOptions(fbb_, o->begin_mask, o->end_mask, o->ellipsis_mask,
                                                o->new_axis_mask, o->shrink_axis_mask, o->offset)
                  .Union()};
    }
    if (const auto* o = op.options_as<SvdfOptions>()) {
      return {BO::BuiltinOptions_SVDFOptions,
              tflite::CreateSVDFOptions(fbb_, o->rank, tflite_activation(o->activation),
                                        o->asymmetric_quantize_inputs)
                  .Union()};
    }
    return {BO::BuiltinOptions_NONE, 0};
  }

  std::vector<flatbuffers::Offset<tflite::Operator>> write_operators() {
    std::vector<flatbuffers::Offset<tflite::Operator>> out;
    out.reserve(model_.operators().size());
    for (const Operator& op : model_.operators()) {
      const int32_t version =
          options_.keep_versions ? op.version : converter_op_version(model_, op);
      const uint32_t index = opcode_index(op, version);
      auto inputs = fbb_.CreateVector(op.inputs);
      auto outputs = fbb_.CreateVector(op.outputs);
      auto intermediates = op.intermediates.empty() ? 0 : fbb_.CreateVector(op.intermediates);
      const auto options = write_options(op);
      // A custom operator's options are written back as read (FlexBuffers bytes).
      auto custom = op.custom_options_size > 0
                        ? fbb_.CreateVector(op.custom_options, op.custom_options_size)
                        : 0;
      out.push_back(tflite::CreateOperator(
          fbb_, index, inputs, outputs, options.first, options.second, custom,
          tflite::CustomOptionsFormat_FLEXBUFFERS, 0, intermediates));
    }
    return out;
  }

  std::vector<flatbuffers::Offset<tflite::Metadata>> write_metadata() {
    std::vector<flatbuffers::Offset<tflite::Metadata>> out;
    if (options_.min_runtime_version) {
      std::string padded = min_runtime_version(model_, options_.keep_versions);
      padded.resize(std::max(kMinRuntimeVersionBytes, padded.size() + 1), '\0');
      const uint32_t buffer =
          add_buffer(reinterpret_cast<const uint8_t*>(padded.data()), padded.size(), false);
      out.push_back(
          tflite::CreateMetadata(fbb_, fbb_.CreateString(kMinRuntimeVersionName), buffer));
    }
    for (const MetadataEntry& entry : model_.metadata()) {
      if (options_.min_runtime_version && entry.name == kMinRuntimeVersionName) continue;
      const uint32_t buffer = add_buffer(entry.data, entry.size, false);
      out.push_back(tflite::CreateMetadata(fbb_, fbb_.CreateString(entry.name), buffer));
    }
    return out;
  }

  const Model& model_;
  const WriteOptions& options_;
  flatbuffers::FlatBufferBuilder fbb_{4096};
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> opcodes_;
  std::map<std::tuple<int32_t, int32_t, std::string>, uint32_t> opcode_map_;
  VectorCache<int32_t> shapes_;
  VectorCache<float> scales_;
  VectorCache<int64_t> zero_points_;
};

}  // namespace

int32_t converter_op_version(const Model& model, const Operator& op) {
  const DType in = operand_type(model, op.inputs, 0);
  const DType weights = operand_type(model, op.inputs, 1);
  const DType out = operand_type(model, op.outputs, 0);
  const bool s8 = in == DType::kInt8 && out == DType::kInt8;
  const bool s16 = in == DType::kInt16 && out == DType::kInt16;
  switch (op.op) {
    case Op::kConv2D:
      if (s16 && weights == DType::kInt8) return 4;
      if (s8 && weights == DType::kInt8) return 3;
      if (in == DType::kFloat32 && weights == DType::kInt8 && out == DType::kFloat32)
        return per_channel(model, op.inputs, 1) ? 5 : 2;
      return 1;
    case Op::kDepthwiseConv2D: {
      if (s16 && weights == DType::kInt8) return 5;
      if (in == DType::kFloat32 && weights == DType::kInt8 && out == DType::kFloat32)
        return per_channel(model, op.inputs, 1) ? 6 : 4;
      if (s8 && weights == DType::kInt8) return 3;
      const auto* o = op.options_as<DepthwiseConv2DOptions>();
      if (o && (o->dilation_w != 1 || o->dilation_h != 1)) return 2;
      return 1;
    }
    case Op::kFullyConnected: {
      const auto* o = op.options_as<FullyConnectedOptions>();
      if (s16 && weights == DType::kInt8) return 7;
      if (op.inputs.size() == 2 || (op.inputs.size() > 2 && op.inputs[2] < 0)) return 6;
      if (o && o->keep_num_dims) return 5;
      if (s8 && weights == DType::kInt8) return 4;
      if (in == DType::kFloat32 && weights == DType::kInt8 && out == DType::kFloat32)
        return o && o->asymmetric_quantize_inputs ? 9 : 3;
      if (o && o->weights_format == FullyConnectedWeightsFormat::kShuffled4x16Int8) return 2;
      return 1;
    }
    case Op::kAveragePool2D:
    case Op::kMaxPool2D:
    case Op::kSoftmax:
    case Op::kLogistic:
    case Op::kTanh:
    case Op::kConcatenation:
    case Op::kMean:
      if (in == DType::kInt16) return 3;
      if (in == DType::kInt8 || in == DType::kUInt8) return 2;
      return 1;
    case Op::kAdd:
    case Op::kMul:
      if (in == DType::kInt16) return 3;
      if (in == DType::kInt8) return 2;
      return 1;
    case Op::kRelu:
      if (in == DType::kInt16) return 3;
      if (in == DType::kInt8) return 2;
      return 1;
    case Op::kRelu6:
      if (in == DType::kInt16) return 3;
      if (in == DType::kInt8) return 2;
      return 1;
    case Op::kPad:
      if (in == DType::kInt16) return 4;
      if (model.tensor(op.inputs[0]).shape.size() > 4) return 3;
      if (in == DType::kInt8) return 2;
      return 1;
    case Op::kQuantize:
      if (out == DType::kInt16) return 2;
      return 1;
    case Op::kDequantize:
      if (in == DType::kInt16 || in == DType::kFloat16) return 3;
      if (in == DType::kInt8) return per_channel(model, op.inputs, 0) ? 5 : 2;
      return 1;
    case Op::kReshape:
    case Op::kSqueeze:
      return 1;
    default:
      return op.version;
  }
}

std::string min_runtime_version(const Model& model, bool keep_versions) {
  std::string best = "1.5.0";
  std::vector<int> best_parts = parse_version(best);
  for (const Operator& op : model.operators()) {
    const int32_t version = keep_versions ? op.version : converter_op_version(model, op);
    const std::string runtime = runtime_version_of(op.op, version);
    const std::vector<int> parts = parse_version(runtime);
    if (parts > best_parts) {
      best = runtime;
      best_parts = parts;
    }
  }
  return best;
}

std::vector<uint8_t> write_tflite(const Model& model, const WriteOptions& options) {
  return Writer(model, options).run();
}

void write_tflite_file(const Model& model, const std::string& path, const WriteOptions& options) {
  const std::vector<uint8_t> bytes = write_tflite(model, options);
  const std::string temp = path + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(temp.c_str(), "wb"), &std::fclose);
  if (!file) throw Error(msg(temp, ": cannot create the model file: ", std::strerror(errno)));
  // fsync before the rename: after a power loss the name holds the old model or the new one,
  // never an empty file.
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size() ||
      std::fflush(file.get()) != 0 || ::fsync(fileno(file.get())) != 0) {
    const std::string why = std::strerror(errno);
    file.reset();
    std::remove(temp.c_str());
    throw Error(msg(temp, ": cannot write ", bytes.size(), " bytes: ", why));
  }
  if (std::fclose(file.release()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    throw Error(msg(temp, ": cannot close the model file: ", why));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    throw Error(msg(path, ": cannot replace the model file: ", why));
  }
}

}  // namespace edge::nn
