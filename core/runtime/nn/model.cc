#include "nn/model.h"

#include <cstring>
#include <sstream>

#include "common/error.h"

namespace edge::nn {

namespace {

// TFLite BuiltinOperator names by code (schema.fbs, schema version 3).
constexpr const char* kOpNames[] = {
    "ADD",
    "AVERAGE_POOL_2D",
    "CONCATENATION",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "DEPTH_TO_SPACE",
    "DEQUANTIZE",
    "EMBEDDING_LOOKUP",
    "FLOOR",
    "FULLY_CONNECTED",
    "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION",
    "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION",
    "LOGISTIC",
    "LSH_PROJECTION",
    "LSTM",
    "MAX_POOL_2D",
    "MUL",
    "RELU",
    "RELU_N1_TO_1",
    "RELU6",
    "RESHAPE",
    "RESIZE_BILINEAR",
    "RNN",
    "SOFTMAX",
    "SPACE_TO_DEPTH",
    "SVDF",
    "TANH",
    "CONCAT_EMBEDDINGS",
    "SKIP_GRAM",
    "CALL",
    "CUSTOM",
    "EMBEDDING_LOOKUP_SPARSE",
    "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN",
    "GATHER",
    "BATCH_TO_SPACE_ND",
    "SPACE_TO_BATCH_ND",
    "TRANSPOSE",
    "MEAN",
    "SUB",
    "DIV",
    "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN",
    "EXP",
    "TOPK_V2",
    "SPLIT",
    "LOG_SOFTMAX",
    "DELEGATE",
    "BIDIRECTIONAL_SEQUENCE_LSTM",
    "CAST",
    "PRELU",
    "MAXIMUM",
    "ARG_MAX",
    "MINIMUM",
    "LESS",
    "NEG",
    "PADV2",
    "GREATER",
    "GREATER_EQUAL",
    "LESS_EQUAL",
    "SELECT",
    "SLICE",
    "SIN",
    "TRANSPOSE_CONV",
    "SPARSE_TO_DENSE",
    "TILE",
    "EXPAND_DIMS",
    "EQUAL",
    "NOT_EQUAL",
    "LOG",
    "SUM",
    "SQRT",
    "RSQRT",
    "SHAPE",
    "POW",
    "ARG_MIN",
    "FAKE_QUANT",
    "REDUCE_PROD",
    "REDUCE_MAX",
    "PACK",
    "LOGICAL_OR",
    "ONE_HOT",
    "LOGICAL_AND",
    "LOGICAL_NOT",
    "UNPACK",
    "REDUCE_MIN",
    "FLOOR_DIV",
    "REDUCE_ANY",
    "SQUARE",
    "ZEROS_LIKE",
    "FILL",
    "FLOOR_MOD",
    "RANGE",
    "RESIZE_NEAREST_NEIGHBOR",
    "LEAKY_RELU",
    "SQUARED_DIFFERENCE",
    "MIRROR_PAD",
    "ABS",
    "SPLIT_V",
    "UNIQUE",
    "CEIL",
    "REVERSE_V2",
    "ADD_N",
    "GATHER_ND",
    "COS",
    "WHERE",
    "RANK",
    "ELU",
    "REVERSE_SEQUENCE",
    "MATRIX_DIAG",
    "QUANTIZE",
    "MATRIX_SET_DIAG",
    "ROUND",
    "HARD_SWISH",
    "IF",
    "WHILE",
    "NON_MAX_SUPPRESSION_V4",
    "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND",
    "SELECT_V2",
    "DENSIFY",
    "SEGMENT_SUM",
    "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES",
    "CUMSUM",
    "CALL_ONCE",
    "BROADCAST_TO",
    "RFFT2D",
    "CONV_3D",
    "IMAG",
    "REAL",
    "COMPLEX_ABS",
    "HASHTABLE",
    "HASHTABLE_FIND",
    "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE",
    "REDUCE_ALL",
    "CONV_3D_TRANSPOSE",
    "VAR_HANDLE",
    "READ_VARIABLE",
    "ASSIGN_VARIABLE",
    "BROADCAST_ARGS",
    "RANDOM_STANDARD_NORMAL",
    "BUCKETIZE",
    "RANDOM_UNIFORM",
    "MULTINOMIAL",
    "GELU",
    "DYNAMIC_UPDATE_SLICE",
    "RELU_0_TO_1",
    "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX",
    "UNSORTED_SEGMENT_SUM",
    "ATAN2",
    "UNSORTED_SEGMENT_MIN",
    "SIGN",
};
constexpr int32_t kOpNameCount = static_cast<int32_t>(sizeof(kOpNames) / sizeof(kOpNames[0]));

}  // namespace

const char* op_name(Op op) {
  const auto code = static_cast<int32_t>(op);
  if (code >= 0 && code < kOpNameCount) return kOpNames[code];
  return "UNKNOWN";
}

std::string op_name_or_code(int32_t code) {
  if (code >= 0 && code < kOpNameCount) return kOpNames[code];
  return msg("BUILTIN_", code);
}

namespace {
struct CustomOpCode {
  CustomOp op;
  const char* code;
};
constexpr CustomOpCode kCustomOpCodes[] = {
    {CustomOp::kSignalWindow, "SignalWindow"},
    {CustomOp::kSignalFftAutoScale, "SignalFftAutoScale"},
    {CustomOp::kSignalRfft, "SignalRfft"},
    {CustomOp::kSignalEnergy, "SignalEnergy"},
    {CustomOp::kSignalFilterBank, "SignalFilterBank"},
    {CustomOp::kSignalFilterBankSquareRoot, "SignalFilterBankSquareRoot"},
    {CustomOp::kSignalFilterBankSpectralSubtraction, "SignalFilterBankSpectralSubtraction"},
    {CustomOp::kSignalPcan, "SignalPCAN"},
    {CustomOp::kSignalFilterBankLog, "SignalFilterBankLog"},
};
}  // namespace

const char* custom_op_code(CustomOp op) {
  for (const auto& c : kCustomOpCodes)
    if (c.op == op) return c.code;
  return "";
}

CustomOp custom_op_from_code(const std::string& code) {
  for (const auto& c : kCustomOpCodes)
    if (code == c.code) return c.op;
  return CustomOp::kUnknown;
}

std::string Operator::name() const {
  if (op == Op::kCustom && !custom_code.empty()) return custom_code;
  return op_name(op);
}

const char* padding_name(Padding padding) {
  switch (padding) {
    case Padding::kSame:
      return "SAME";
    case Padding::kValid:
      return "VALID";
  }
  return "UNKNOWN";
}

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::kNone:
      return "NONE";
    case Activation::kRelu:
      return "RELU";
    case Activation::kReluN1To1:
      return "RELU_N1_TO_1";
    case Activation::kRelu6:
      return "RELU6";
    case Activation::kTanh:
      return "TANH";
    case Activation::kSignBit:
      return "SIGN_BIT";
  }
  return "UNKNOWN";
}

std::string Tensor::describe() const {
  std::ostringstream out;
  out << '"' << name << "\" " << dtype_name(type) << ' ' << shape_to_string(shape);
  if (!quant.empty()) {
    if (quant.per_channel()) {
      out << " per-channel(" << quant.scale.size() << " scales, dim " << quant.quantized_dimension
          << ')';
    } else {
      out << " scale=" << quant.scale[0]
          << " zp=" << (quant.zero_point.empty() ? 0 : quant.zero_point[0]);
    }
  }
  if (is_constant) out << " const";
  return out.str();
}

// Blocks of 16-byte aligned bytes. A block never moves once allocated, so
// pointers into it survive moves of the Model and growth of the list.
struct Model::Storage {
  struct alignas(16) Chunk {
    uint8_t bytes[16];
  };
  std::vector<std::unique_ptr<Chunk[]>> blocks;
};

Model::Model() : storage_(std::make_unique<Storage>()) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

const Tensor& Model::tensor(int32_t index) const {
  if (index < 0 || static_cast<size_t>(index) >= tensors_.size()) {
    throw Error(msg(source_, ": tensor index ", index, " out of range (model has ", tensors_.size(),
                    " tensors)"));
  }
  return tensors_[static_cast<size_t>(index)];
}

const MetadataEntry* Model::find_metadata(const std::string& name) const {
  for (const auto& entry : metadata_)
    if (entry.name == name) return &entry;
  return nullptr;
}

std::vector<std::string> Model::labels() const {
  std::vector<std::string> labels;
  const MetadataEntry* entry = find_metadata(kLabelsMetadataName);
  if (!entry) return labels;
  std::string text = entry->as_string();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
    start = end + 1;
  }
  return labels;
}

size_t Model::parameter_bytes() const {
  size_t total = 0;
  for (const auto& t : tensors_)
    if (t.is_constant) total += t.data_bytes;
  return total;
}

uint8_t* Model::allocate_bytes(size_t size) {
  if (!storage_) storage_ = std::make_unique<Storage>();
  const size_t chunks = (size + sizeof(Storage::Chunk) - 1) / sizeof(Storage::Chunk);
  // At least one chunk, so an empty block still has a distinct, valid address.
  std::unique_ptr<Storage::Chunk[]> block(new Storage::Chunk[chunks > 0 ? chunks : 1]());
  auto* bytes = reinterpret_cast<uint8_t*>(block.get());
  storage_->blocks.push_back(std::move(block));
  return bytes;
}

const uint8_t* Model::adopt_bytes(const void* bytes, size_t size) {
  uint8_t* dest = allocate_bytes(size);
  if (size > 0) std::memcpy(dest, bytes, size);
  return dest;
}

int32_t Model::add_tensor(Tensor tensor) {
  tensors_.push_back(std::move(tensor));
  return static_cast<int32_t>(tensors_.size() - 1);
}

int32_t Model::add_constant(Tensor tensor, const void* data, size_t size) {
  if (size != tensor.byte_size()) {
    throw Error(msg(source_, ": constant tensor \"", tensor.name, "\" ", dtype_name(tensor.type),
                    ' ', shape_to_string(tensor.shape), " needs ", tensor.byte_size(),
                    " bytes, got ", size));
  }
  tensor.is_constant = true;
  tensor.data = adopt_bytes(data, size);
  tensor.data_bytes = size;
  return add_tensor(std::move(tensor));
}

void Model::validate() const {
  const auto count = static_cast<int32_t>(tensors_.size());
  for (int32_t i = 0; i < count; ++i) {
    const Tensor& t = tensors_[static_cast<size_t>(i)];
    for (int32_t d : t.shape) {
      if (d < 0) {
        throw Error(msg(source_, ": tensor ", i, ' ', t.describe(), " has a negative dimension"));
      }
    }
    if (t.is_constant && (t.data_bytes != t.byte_size() || (t.data_bytes > 0 && !t.data))) {
      throw Error(msg(source_, ": constant tensor ", i, ' ', t.describe(), " needs ", t.byte_size(),
                      " bytes of data, has ", t.data_bytes));
    }
  }
  std::vector<bool> available(static_cast<size_t>(count), false);
  for (int32_t i = 0; i < count; ++i) {
    const Tensor& t = tensors_[static_cast<size_t>(i)];
    available[static_cast<size_t>(i)] = t.is_constant || t.is_variable;
  }
  auto check_index = [&](int32_t index, const std::string& where) {
    if (index < 0 || index >= count) {
      throw Error(msg(source_, ": ", where, " refers to tensor ", index, ", out of range (", count,
                      " tensors)"));
    }
  };
  for (size_t i = 0; i < inputs_.size(); ++i) {
    check_index(inputs_[i], msg("graph input ", i));
    available[static_cast<size_t>(inputs_[i])] = true;
  }
  for (size_t i = 0; i < outputs_.size(); ++i) check_index(outputs_[i], msg("graph output ", i));
  for (size_t o = 0; o < operators_.size(); ++o) {
    const Operator& op = operators_[o];
    const std::string where = msg("operator ", o, " (", op.name(), ")");
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int32_t index = op.inputs[k];
      if (index == -1) continue;  // absent optional input
      check_index(index, msg(where, " input ", k));
      if (!available[static_cast<size_t>(index)]) {
        throw Error(msg(source_, ": ", where, " input ", k, " reads tensor ", index, ' ',
                        tensors_[static_cast<size_t>(index)].describe(),
                        " before any operator produces it (operators out of order, or a "
                        "tensor that is neither constant nor a graph input)"));
      }
    }
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      check_index(op.outputs[k], msg(where, " output ", k));
      available[static_cast<size_t>(op.outputs[k])] = true;
    }
    for (size_t k = 0; k < op.intermediates.size(); ++k)
      check_index(op.intermediates[k], msg(where, " intermediate ", k));
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (!available[static_cast<size_t>(outputs_[i])]) {
      throw Error(msg(source_, ": graph output ", i, " (tensor ", outputs_[i],
                      ") is never produced by any operator"));
    }
  }
}

}  // namespace edge::nn
