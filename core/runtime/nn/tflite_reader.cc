#include "nn/tflite_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/custom_options.h"
#include "nn/schema/tflite_schema_generated.h"

namespace edge::nn {

namespace {

constexpr const char* kIdentifier = "TFL3";
constexpr uint32_t kSchemaVersion = 3;
// Verifier bounds: real models nest about 6 deep; the table count bounds the
// verifier's work on a hostile file far below the 2 GB size limit.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 1u << 22;
// Largest stride, dilation or filter size accepted: far above any real model,
// small enough that shape arithmetic in int32 cannot overflow.
constexpr int32_t kMaxWindowParam = 1 << 16;
// Names from the file are shown in messages clipped to this many characters.
constexpr size_t kMaxShownName = 80;

// A name from the file, safe to print: clipped, control bytes replaced.
std::string shown(const flatbuffers::String* name) {
  if (!name) return "";
  std::string out;
  const size_t n = name->size() < kMaxShownName ? name->size() : kMaxShownName;
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(name->c_str()[i]);
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  if (name->size() > n) out += "...";
  return out;
}

bool dtype_from_tflite(tflite::TensorType type, DType* out) {
  switch (type) {
    case tflite::TensorType_FLOAT32:
      *out = DType::kFloat32;
      return true;
    case tflite::TensorType_FLOAT16:
      *out = DType::kFloat16;
      return true;
    case tflite::TensorType_INT32:
      *out = DType::kInt32;
      return true;
    case tflite::TensorType_UINT8:
      *out = DType::kUInt8;
      return true;
    case tflite::TensorType_INT64:
      *out = DType::kInt64;
      return true;
    case tflite::TensorType_BOOL:
      *out = DType::kBool;
      return true;
    case tflite::TensorType_INT16:
      *out = DType::kInt16;
      return true;
    case tflite::TensorType_INT8:
      *out = DType::kInt8;
      return true;
    case tflite::TensorType_UINT32:
      *out = DType::kUInt32;
      return true;
    case tflite::TensorType_UINT64:
      *out = DType::kUInt64;
      return true;
    default:
      return false;
  }
}

std::string tflite_type_name(int type) {
  const char* name = "";
  if (type >= tflite::TensorType_MIN && type <= tflite::TensorType_MAX)
    name = tflite::EnumNameTensorType(static_cast<tflite::TensorType>(type));
  if (name[0] == '\0') return msg("unknown type code ", type);
  return name;
}

std::string options_type_name(tflite::BuiltinOptions type) {
  const char* name = "";
  if (type >= tflite::BuiltinOptions_MIN && type <= tflite::BuiltinOptions_MAX)
    name = tflite::EnumNameBuiltinOptions(type);
  if (name[0] == '\0') return msg("options type ", static_cast<int>(type));
  return name;
}

// Range of quantized values of a type, for zero point checks.
bool quantized_range(DType type, int64_t* lo, int64_t* hi) {
  switch (type) {
    case DType::kInt8:
      *lo = -128;
      *hi = 127;
      return true;
    case DType::kUInt8:
      *lo = 0;
      *hi = 255;
      return true;
    case DType::kInt16:
      *lo = -32768;
      *hi = 32767;
      return true;
    default:
      return false;
  }
}

template <typename T>
std::vector<T> to_vector(const flatbuffers::Vector<T>* v) {
  if (!v) return {};
  return std::vector<T>(v->begin(), v->end());
}

// The first bytes of a file: what can be refused before the whole file is read (a 2 GB file of
// zeros costs 8 bytes, not 2 GB). `head` holds min(size, 8) bytes of a `size`-byte file.
void check_head(const uint8_t* head, size_t head_size, uint64_t size, const std::string& source) {
  const auto fail = [&](const std::string& what) { throw Error(msg(source, ": ", what)); };
  if (size == 0) fail("the file is empty");
  if (size > kMaxModelBytes) {
    fail(msg("the file is ", size, " bytes; models larger than ", kMaxModelBytes,
             " bytes (2 GB) are not supported"));
  }
  // Root offset (4 bytes) then the identifier (4 bytes).
  if (size < 8 || head_size < 8)
    fail(msg("the file is only ", size, " bytes: too short to be a TFLite model"));
  if (!flatbuffers::BufferHasIdentifier(head, kIdentifier)) {
    std::string found;
    for (int i = 4; i < 8; ++i) {
      const unsigned char c = head[i];
      if (c >= 0x20 && c < 0x7f) {
        found.push_back(static_cast<char>(c));
      } else {
        found += msg("\\x", "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]);
      }
    }
    fail(msg("not a TFLite model: file identifier is \"", found, "\", expected \"", kIdentifier,
             "\""));
  }
  const uint32_t root = flatbuffers::ReadScalar<uint32_t>(head);
  if (root < 8 || uint64_t(root) + 4 > size) {
    fail(msg("corrupt or truncated TFLite file: the root table offset ", root, " lies outside the ",
             size, "-byte file"));
  }
}

class Reader {
 public:
  Reader(Model& model, const uint8_t* bytes, size_t size, const ReadOptions& options)
      : model_(model), bytes_(bytes), size_(size), options_(options) {}

  void run() {
    check_envelope();
    root_ = tflite::GetModel(bytes_);
    if (root_->version() != kSchemaVersion) {
      fail(msg("schema version ", root_->version(), " is not supported (expected ", kSchemaVersion,
               ")"));
    }
    model_.set_version(root_->version());
    if (root_->description()) model_.set_description(root_->description()->str());
    if (!root_->subgraphs() || root_->subgraphs()->size() == 0) fail("the model has no subgraph");
    subgraph_ = root_->subgraphs()->Get(0);
    buffer_count_ = root_->buffers() ? root_->buffers()->size() : 0;

    read_tensors();
    read_graph_io();
    read_operators();
    read_metadata();
    model_.validate();  // executable order and the structural rules, with the same messages
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(msg(model_.source(), ": ", what));
  }

  std::string tensor_where(size_t index) const {
    const auto* tensors = subgraph_->tensors();
    const flatbuffers::String* name =
        tensors && index < tensors->size()
            ? tensors->Get(static_cast<flatbuffers::uoffset_t>(index))->name()
            : nullptr;
    return msg("tensor ", index, " \"", shown(name), "\"");
  }

  void check_envelope() {
    check_head(bytes_, size_, size_, model_.source());
    flatbuffers::Verifier verifier(bytes_, size_, kMaxDepth, kMaxTables);
    if (!tflite::VerifyModelBuffer(verifier)) {
      fail(
          "corrupt or truncated TFLite file: the FlatBuffers verifier rejected it (an offset, "
          "length or table points outside the file or is misaligned)");
    }
  }

  // Data of buffer index (inline, or external at offset/size within the file).
  // Returns false when the buffer holds no data.
  bool buffer_data(uint32_t index, const std::string& who, const uint8_t** data,
                   size_t* size) const {
    if (index >= buffer_count_) {
      fail(msg(who, " refers to buffer ", index, ", out of range (the model has ", buffer_count_,
               " buffers)"));
    }
    const tflite::Buffer* buffer = root_->buffers()->Get(index);
    *data = nullptr;
    *size = 0;
    if (buffer->data() && buffer->data()->size() > 0) {
      *data = buffer->data()->data();
      *size = buffer->data()->size();
      return true;
    }
    if (buffer->offset() > 1) {
      const uint64_t offset = buffer->offset();
      const uint64_t length = buffer->size();
      if (offset > size_ || length > size_ - offset) {
        fail(msg(who, ": buffer ", index, " places ", length, " bytes at file offset ", offset,
                 ", beyond the end of the file (", size_, " bytes)"));
      }
      if (length == 0) return false;
      *data = bytes_ + offset;
      *size = static_cast<size_t>(length);
      return true;
    }
    return false;
  }

  void read_tensors() {
    const auto* tensors = subgraph_->tensors();
    const size_t count = tensors ? tensors->size() : 0;
    if (count > static_cast<size_t>(std::numeric_limits<int32_t>::max())) fail("too many tensors");
    model_.mutable_tensors().reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const tflite::Tensor* src = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
      model_.add_tensor(read_tensor(i, src));
    }
  }

  Tensor read_tensor(size_t index, const tflite::Tensor* src) {
    const std::string where = tensor_where(index);
    Tensor t;
    t.name = src->name() ? src->name()->str() : std::string();
    if (!dtype_from_tflite(src->type(), &t.type)) {
      fail(msg(where, ": element type ", tflite_type_name(src->type()),
               " is not supported (supported: FLOAT32, FLOAT16, INT8, UINT8, INT16, INT32, UINT32, "
               "INT64, UINT64, BOOL)"));
    }
    t.shape = to_vector(src->shape());
    if (t.shape.size() > kMaxRank) {
      fail(msg(where, ": rank ", t.shape.size(), " is above the supported maximum ", kMaxRank));
    }
    t.shape_signature = to_vector(src->shape_signature());
    if (!t.shape_signature.empty() && t.shape_signature.size() != t.shape.size()) {
      fail(msg(where, ": shape_signature ", shape_to_string(t.shape_signature), " has rank ",
               t.shape_signature.size(), " but the shape ", shape_to_string(t.shape), " has rank ",
               t.shape.size()));
    }
    for (size_t d = 0; d < t.shape_signature.size(); ++d) {
      if (t.shape_signature[d] < -1) {
        fail(msg(where, ": shape_signature dimension ", d, " is ", t.shape_signature[d],
                 " (expected -1 for dynamic, or a size >= 0)"));
      }
    }
    uint64_t elements = 1;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      const int32_t dim = t.shape[d];
      if (dim < 0) {
        fail(msg(where, ": dimension ", d, " of shape ", shape_to_string(t.shape), " is negative"));
      }
      elements *= static_cast<uint64_t>(dim);
      if (elements > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        fail(msg(where, ": shape ", shape_to_string(t.shape), " has more than ",
                 std::numeric_limits<int32_t>::max(), " elements"));
      }
    }
    const size_t byte_size = static_cast<size_t>(elements) * dtype_size(t.type);
    t.is_variable = src->is_variable();
    if (src->sparsity()) fail(msg(where, ": sparse tensors are not supported"));

    const uint8_t* data = nullptr;
    size_t data_size = 0;
    if (buffer_data(src->buffer(), where, &data, &data_size)) {
      if (data_size != byte_size) {
        fail(msg(where, ": ", dtype_name(t.type), ' ', shape_to_string(t.shape), " needs ",
                 byte_size, " bytes of constant data, its buffer ", src->buffer(), " holds ",
                 data_size));
      }
      // The converter aligns buffers to 16 bytes; a file that does not gets its
      // data copied so kernels can read it as typed elements.
      const size_t align = dtype_size(t.type);
      if (reinterpret_cast<uintptr_t>(data) % align != 0)
        data = model_.adopt_bytes(data, data_size);
      if (t.is_variable) {
        fail(msg(where, ": a variable tensor with an initial value in buffer ", src->buffer(),
                 " is not supported (state starts at zero)"));
      }
      t.is_constant = true;
      t.data = data;
      t.data_bytes = data_size;
    } else {
      for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.shape[d] != 0) continue;
        if (!t.shape_signature.empty() && t.shape_signature[d] == -1) {
          fail(msg(where, ": dimension ", d, " is dynamic (shape_signature ",
                   shape_to_string(t.shape_signature),
                   "); the engine needs static shapes: convert the model with a fixed shape"));
        }
        fail(msg(where, ": dimension ", d, " of shape ", shape_to_string(t.shape),
                 " is 0 (empty tensors are not supported)"));
      }
    }
    read_quantization(where, src->quantization(), &t);
    return t;
  }

  void read_quantization(const std::string& where, const tflite::QuantizationParameters* q,
                         Tensor* t) const {
    if (!q) return;
    if (q->details_type() != tflite::QuantizationDetails_NONE) {
      fail(msg(where, ": custom quantization is not supported"));
    }
    const auto* scale = q->scale();
    const auto* zero_point = q->zero_point();
    const size_t n = scale ? scale->size() : 0;
    const size_t nz = zero_point ? zero_point->size() : 0;
    if (n == 0 && nz == 0) return;  // min/max only, or empty: not quantized
    if (n != nz) {
      fail(msg(where, ": quantization has ", n, " scales but ", nz,
               " zero points (expected the same number)"));
    }
    int32_t dim = q->quantized_dimension();
    const auto rank = static_cast<int32_t>(t->shape.size());
    // The converter copies the filter's quantized_dimension onto per-channel
    // biases (person_detect: dimension 3 on a rank-1 bias); a rank-1 tensor
    // can only be quantized along its one dimension.
    if (n > 1 && rank == 1 && dim > 0 && static_cast<size_t>(t->shape[0]) == n) dim = 0;
    if (n > 1 && (dim < 0 || dim >= rank)) {
      fail(msg(where, ": quantized_dimension ", dim, " is out of range for shape ",
               shape_to_string(t->shape)));
    }
    if (n > 1 && static_cast<size_t>(t->shape[static_cast<size_t>(dim)]) != n) {
      fail(msg(where, ": ", n, " per-channel scales, but dimension ", dim, " of shape ",
               shape_to_string(t->shape), " has size ", t->shape[static_cast<size_t>(dim)]));
    }
    int64_t lo = 0;
    int64_t hi = 0;
    const bool check_zp = quantized_range(t->type, &lo, &hi);
    t->quant.scale.reserve(n);
    t->quant.zero_point.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const auto k = static_cast<flatbuffers::uoffset_t>(i);
      const float s = scale->Get(k);
      if (!std::isfinite(s) || !(s > 0.0f)) {
        fail(msg(where, ": quantization scale ", i, " is ", s, " (expected finite and > 0)"));
      }
      const int64_t zp = zero_point->Get(k);
      if (check_zp && (zp < lo || zp > hi)) {
        fail(msg(where, ": zero point ", i, " is ", zp, ", outside the ", dtype_name(t->type),
                 " range [", lo, ", ", hi, "]"));
      }
      t->quant.scale.push_back(s);
      t->quant.zero_point.push_back(zp);
    }
    // Per-tensor parameters apply everywhere: the converter sometimes leaves a
    // stale dimension there (person_detect's biases say 3 on rank 1).
    t->quant.quantized_dimension = n > 1 ? dim : 0;
  }

  void read_index_list(const flatbuffers::Vector<int32_t>* list, const std::string& what,
                       std::vector<int32_t>* out) const {
    const auto count = static_cast<int32_t>(model_.tensors().size());
    *out = to_vector(list);
    for (size_t i = 0; i < out->size(); ++i) {
      const int32_t index = (*out)[i];
      if (index < 0 || index >= count) {
        fail(msg(what, " ", i, " refers to tensor ", index, ", out of range (subgraph 0 has ",
                 count, " tensors)"));
      }
    }
  }

  void read_graph_io() {
    std::vector<int32_t> inputs;
    std::vector<int32_t> outputs;
    read_index_list(subgraph_->inputs(), "graph input", &inputs);
    read_index_list(subgraph_->outputs(), "graph output", &outputs);
    if (outputs.empty()) fail("subgraph 0 has no outputs");
    is_graph_input_.assign(model_.tensors().size(), false);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto index = static_cast<size_t>(inputs[i]);
      if (model_.tensors()[index].is_constant) {
        fail(msg("graph input ", i, " is ", tensor_where(index), ", a constant tensor"));
      }
      if (is_graph_input_[index]) {
        fail(msg("graph input ", i, " repeats ", tensor_where(index)));
      }
      is_graph_input_[index] = true;
    }
    model_.set_inputs(std::move(inputs));
    model_.set_outputs(std::move(outputs));
  }

  void read_operators() {
    const auto* codes = root_->operator_codes();
    const size_t code_count = codes ? codes->size() : 0;
    const auto* operators = subgraph_->operators();
    const size_t count = operators ? operators->size() : 0;
    const auto tensor_count = static_cast<int32_t>(model_.tensors().size());
    std::vector<bool> produced(model_.tensors().size(), false);
    for (size_t o = 0; o < count; ++o) {
      const tflite::Operator* src = operators->Get(static_cast<flatbuffers::uoffset_t>(o));
      const uint32_t code_index = src->opcode_index();
      if (code_index >= code_count) {
        fail(msg("operator ", o, ": opcode_index ", code_index, " is out of range (the model has ",
                 code_count, " operator codes)"));
      }
      const tflite::OperatorCode* code = codes->Get(code_index);
      // Files from before the code outgrew a byte only set the deprecated
      // field; newer files set both (the old one saturated at 127).
      const int32_t builtin = std::max(static_cast<int32_t>(code->deprecated_builtin_code()),
                                       static_cast<int32_t>(code->builtin_code()));
      if (builtin < 0) fail(msg("operator ", o, ": invalid operator code ", builtin));
      std::string where = msg("operator ", o, " (", op_name_or_code(builtin), ")");
      Operator op;
      op.op = static_cast<Op>(builtin);
      if (op.op == Op::kCustom) {
        read_custom(o, code, src, &where, &op);
      } else if (!options_.allow_unsupported && !op_supported(op.op)) {
        fail(msg(where, ": operator ", op_name_or_code(builtin),
                 " is not supported by edgestream's engine (see docs/inference.md for the list)"));
      }
      op.version = code->version();
      if (op.version < 1) fail(msg(where, ": operator version ", op.version, " (expected >= 1)"));

      op.inputs = to_vector(src->inputs());
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const int32_t index = op.inputs[k];
        if (index < -1 || index >= tensor_count) {
          fail(msg(where, ": input ", k, " refers to tensor ", index, ", out of range (-1 or 0..",
                   tensor_count - 1, ")"));
        }
      }
      read_index_list(src->outputs(), where + ": output", &op.outputs);
      read_index_list(src->intermediates(), where + ": intermediate", &op.intermediates);
      for (size_t k = 0; k < op.outputs.size(); ++k) {
        const auto index = static_cast<size_t>(op.outputs[k]);
        if (model_.tensors()[index].is_constant) {
          fail(msg(where, ": output ", k, " is ", tensor_where(index),
                   ", a constant tensor (operators may not write constants)"));
        }
        if (is_graph_input_[index]) {
          fail(msg(where, ": output ", k, " is ", tensor_where(index), ", a graph input"));
        }
        if (produced[index]) {
          fail(msg(where, ": output ", k, " is ", tensor_where(index),
                   ", which an earlier operator (or this one) already produces"));
        }
        produced[index] = true;
      }
      if (op.op != Op::kCustom) op.options = read_options(src, op, where);
      model_.add_operator(std::move(op));
    }
  }

  // A custom operator: its code, its raw options (inline, or after the FlatBuffer at
  // large_custom_options_offset/size) and, for the ones the engine runs, their parsed values.
  void read_custom(size_t o, const tflite::OperatorCode* code, const tflite::Operator* src,
                   std::string* where, Operator* op) const {
    const std::string name = code->custom_code() ? code->custom_code()->str() : std::string();
    *where = msg("operator ", o, " (CUSTOM \"", shown(code->custom_code()), "\")");
    op->custom = custom_op_from_code(name);
    op->custom_code = name;
    if (op->custom == CustomOp::kUnknown && !options_.allow_unsupported) {
      fail(msg(*where, ": custom operator \"", shown(code->custom_code()),
               "\" is not supported (the engine runs the builtin operators and TFLM's signal "
               "operators; see docs/inference.md)"));
    }
    if (src->builtin_options_type() != tflite::BuiltinOptions_NONE) {
      fail(msg(*where, ": has ", options_type_name(src->builtin_options_type()),
               ", expected no builtin options on a custom operator"));
    }
    if (src->custom_options_format() != tflite::CustomOptionsFormat_FLEXBUFFERS) {
      fail(msg(*where, ": custom_options_format ", static_cast<int>(src->custom_options_format()),
               " (only FLEXBUFFERS is defined)"));
    }
    const uint8_t* data = nullptr;
    size_t size = 0;
    if (src->custom_options() && src->custom_options()->size() > 0) {
      data = src->custom_options()->data();
      size = src->custom_options()->size();
    } else if (src->large_custom_options_offset() > 1) {
      const uint64_t offset = src->large_custom_options_offset();
      const uint64_t length = src->large_custom_options_size();
      if (offset > size_ || length > size_ - offset) {
        fail(msg(*where, ": places ", length, " bytes of custom options at file offset ", offset,
                 ", beyond the end of the file (", size_, " bytes)"));
      }
      data = bytes_ + offset;
      size = static_cast<size_t>(length);
    }
    op->custom_options = data;
    op->custom_options_size = size;
    if (op->custom == CustomOp::kUnknown) return;
    try {
      op->options = parse_custom_options(op->custom, data, size);
    } catch (const Error& e) {
      fail(msg(*where, ": ", e.what()));
    }
  }

  // The options table of type T, or nullptr when the operator has none. Any
  // other options type is refused.
  template <typename T>
  const T* options_table(const tflite::Operator* src, tflite::BuiltinOptions expected,
                         const std::string& where) const {
    const tflite::BuiltinOptions type = src->builtin_options_type();
    if (type == tflite::BuiltinOptions_NONE) return nullptr;
    if (type != expected) {
      fail(msg(where, ": has ", options_type_name(type), ", expected ",
               options_type_name(expected)));
    }
    return static_cast<const T*>(src->builtin_options());
  }

  void expect_no_options(const tflite::Operator* src, const std::string& where,
                         tflite::BuiltinOptions allowed = tflite::BuiltinOptions_NONE) const {
    const tflite::BuiltinOptions type = src->builtin_options_type();
    if (type != tflite::BuiltinOptions_NONE && type != allowed) {
      fail(msg(where, ": has ", options_type_name(type), ", expected no options"));
    }
  }

  Padding padding(tflite::Padding value, const std::string& where) const {
    switch (value) {
      case tflite::Padding_SAME:
        return Padding::kSame;
      case tflite::Padding_VALID:
        return Padding::kValid;
    }
    fail(msg(where, ": unknown padding ", static_cast<int>(value), " (expected SAME or VALID)"));
  }

  Activation activation(tflite::ActivationFunctionType value, const std::string& where) const {
    switch (value) {
      case tflite::ActivationFunctionType_NONE:
        return Activation::kNone;
      case tflite::ActivationFunctionType_RELU:
        return Activation::kRelu;
      case tflite::ActivationFunctionType_RELU_N1_TO_1:
        return Activation::kReluN1To1;
      case tflite::ActivationFunctionType_RELU6:
        return Activation::kRelu6;
      case tflite::ActivationFunctionType_TANH:
      case tflite::ActivationFunctionType_SIGN_BIT:
        fail(msg(where, ": fused activation ", tflite::EnumNameActivationFunctionType(value),
                 " is not supported (NONE, RELU, RELU_N1_TO_1, RELU6)"));
    }
    fail(msg(where, ": unknown fused activation ", static_cast<int>(value)));
  }

  int32_t window_param(int32_t value, const char* name, const std::string& where) const {
    if (value < 1 || value > kMaxWindowParam) {
      fail(msg(where, ": ", name, " is ", value, " (expected 1..", kMaxWindowParam, ")"));
    }
    return value;
  }

  // Rank of the tensor at operand position k of list, or fails.
  int32_t operand_rank(const std::vector<int32_t>& list, size_t k, const char* what,
                       const std::string& where) const {
    if (k >= list.size() || list[k] < 0) fail(msg(where, ": missing ", what, " ", k));
    return static_cast<int32_t>(model_.tensors()[static_cast<size_t>(list[k])].shape.size());
  }

  OpOptions read_options(const tflite::Operator* src, const Operator& op,
                         const std::string& where) const {
    using BO = tflite::BuiltinOptions;
    switch (op.op) {
      case Op::kConv2D: {
        const auto* o =
            options_table<tflite::Conv2DOptions>(src, BO::BuiltinOptions_Conv2DOptions, where);
        if (!o) fail(msg(where, ": missing Conv2DOptions"));
        Conv2DOptions r;
        r.padding = padding(o->padding(), where);
        r.stride_w = window_param(o->stride_w(), "stride_w", where);
        r.stride_h = window_param(o->stride_h(), "stride_h", where);
        r.dilation_w = window_param(o->dilation_w_factor(), "dilation_w_factor", where);
        r.dilation_h = window_param(o->dilation_h_factor(), "dilation_h_factor", where);
        r.activation = activation(o->fused_activation_function(), where);
        return r;
      }
      case Op::kDepthwiseConv2D: {
        const auto* o = options_table<tflite::DepthwiseConv2DOptions>(
            src, BO::BuiltinOptions_DepthwiseConv2DOptions, where);
        if (!o) fail(msg(where, ": missing DepthwiseConv2DOptions"));
        DepthwiseConv2DOptions r;
        r.padding = padding(o->padding(), where);
        r.stride_w = window_param(o->stride_w(), "stride_w", where);
        r.stride_h = window_param(o->stride_h(), "stride_h", where);
        r.dilation_w = window_param(o->dilation_w_factor(), "dilation_w_factor", where);
        r.dilation_h = window_param(o->dilation_h_factor(), "dilation_h_factor", where);
        if (o->depth_multiplier() < 0 || o->depth_multiplier() > kMaxWindowParam) {
          fail(msg(where, ": depth_multiplier is ", o->depth_multiplier(), " (expected 0..",
                   kMaxWindowParam, ")"));
        }
        r.depth_multiplier = o->depth_multiplier();
        r.activation = activation(o->fused_activation_function(), where);
        return r;
      }
      case Op::kAveragePool2D:
      case Op::kMaxPool2D: {
        const auto* o =
            options_table<tflite::Pool2DOptions>(src, BO::BuiltinOptions_Pool2DOptions, where);
        if (!o) fail(msg(where, ": missing Pool2DOptions"));
        Pool2DOptions r;
        r.padding = padding(o->padding(), where);
        r.stride_w = window_param(o->stride_w(), "stride_w", where);
        r.stride_h = window_param(o->stride_h(), "stride_h", where);
        r.filter_w = window_param(o->filter_width(), "filter_width", where);
        r.filter_h = window_param(o->filter_height(), "filter_height", where);
        r.activation = activation(o->fused_activation_function(), where);
        return r;
      }
      case Op::kFullyConnected: {
        FullyConnectedOptions r;
        const auto* o = options_table<tflite::FullyConnectedOptions>(
            src, BO::BuiltinOptions_FullyConnectedOptions, where);
        if (!o) return r;
        r.activation = activation(o->fused_activation_function(), where);
        switch (o->weights_format()) {
          case tflite::FullyConnectedOptionsWeightsFormat_DEFAULT:
            r.weights_format = FullyConnectedWeightsFormat::kDefault;
            break;
          case tflite::FullyConnectedOptionsWeightsFormat_SHUFFLED4x16INT8:
            if (!options_.allow_unsupported)
              fail(msg(where, ": weights_format SHUFFLED4x16INT8 is not supported"));
            r.weights_format = FullyConnectedWeightsFormat::kShuffled4x16Int8;
            break;
          default:
            fail(msg(where, ": unknown weights_format ", static_cast<int>(o->weights_format())));
        }
        r.keep_num_dims = o->keep_num_dims();
        r.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs();
        return r;
      }
      case Op::kSoftmax: {
        const auto* o =
            options_table<tflite::SoftmaxOptions>(src, BO::BuiltinOptions_SoftmaxOptions, where);
        if (!o) fail(msg(where, ": missing SoftmaxOptions"));
        SoftmaxOptions r;
        r.beta = o->beta();
        if (!std::isfinite(r.beta) || !(r.beta > 0.0f))
          fail(msg(where, ": beta is ", r.beta, " (expected finite and > 0)"));
        return r;
      }
      case Op::kConcatenation: {
        ConcatenationOptions r;
        const auto* o = options_table<tflite::ConcatenationOptions>(
            src, BO::BuiltinOptions_ConcatenationOptions, where);
        if (o) {
          r.axis = o->axis();
          r.activation = activation(o->fused_activation_function(), where);
        }
        const int32_t rank = operand_rank(op.outputs, 0, "output", where);
        if (r.axis < -rank || r.axis >= rank) {
          fail(msg(where, ": axis ", r.axis, " is out of range for rank ", rank, " (expected ",
                   -rank, "..", rank - 1, ")"));
        }
        return r;
      }
      case Op::kAdd: {
        AddOptions r;
        const auto* o =
            options_table<tflite::AddOptions>(src, BO::BuiltinOptions_AddOptions, where);
        if (o) {
          r.activation = activation(o->fused_activation_function(), where);
          r.pot_scale_int16 = o->pot_scale_int16();
        }
        return r;
      }
      case Op::kSub: {
        SubOptions r;
        const auto* o =
            options_table<tflite::SubOptions>(src, BO::BuiltinOptions_SubOptions, where);
        if (o) {
          r.activation = activation(o->fused_activation_function(), where);
          r.pot_scale_int16 = o->pot_scale_int16();
        }
        return r;
      }
      case Op::kMul: {
        MulOptions r;
        const auto* o =
            options_table<tflite::MulOptions>(src, BO::BuiltinOptions_MulOptions, where);
        if (o) r.activation = activation(o->fused_activation_function(), where);
        return r;
      }
      case Op::kReshape: {
        ReshapeOptions r;
        const auto* o =
            options_table<tflite::ReshapeOptions>(src, BO::BuiltinOptions_ReshapeOptions, where);
        if (o && o->new_shape()) {
          r.has_new_shape = true;
          r.new_shape = to_vector(o->new_shape());
          if (r.new_shape.size() > kMaxRank)
            fail(msg(where, ": new_shape has rank ", r.new_shape.size(), " (at most ", kMaxRank,
                     ")"));
          int unknown = 0;
          for (int32_t d : r.new_shape) {
            if (d < -1)
              fail(msg(where, ": new_shape ", shape_to_string(r.new_shape),
                       " has a dimension below -1"));
            unknown += d == -1;
          }
          if (unknown > 1)
            fail(msg(where, ": new_shape ", shape_to_string(r.new_shape), " has more than one -1"));
        }
        return r;
      }
      case Op::kSqueeze: {
        SqueezeOptions r;
        const auto* o =
            options_table<tflite::SqueezeOptions>(src, BO::BuiltinOptions_SqueezeOptions, where);
        if (o) r.squeeze_dims = to_vector(o->squeeze_dims());
        const int32_t rank = operand_rank(op.inputs, 0, "input", where);
        for (int32_t d : r.squeeze_dims) {
          if (d < -rank || d >= rank)
            fail(msg(where, ": squeeze_dims entry ", d, " is out of range for rank ", rank));
        }
        return r;
      }
      case Op::kMean:
      case Op::kSum: {
        ReducerOptions r;
        const auto* o =
            options_table<tflite::ReducerOptions>(src, BO::BuiltinOptions_ReducerOptions, where);
        if (o) r.keep_dims = o->keep_dims();
        return r;
      }
      case Op::kSvdf: {
        const auto* o =
            options_table<tflite::SVDFOptions>(src, BO::BuiltinOptions_SVDFOptions, where);
        if (!o) fail(msg(where, ": missing SVDFOptions"));
        SvdfOptions r;
        r.rank = window_param(o->rank(), "rank", where);
        r.activation = activation(o->fused_activation_function(), where);
        r.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs();
        return r;
      }
      case Op::kDiv: {
        DivOptions r;
        const auto* o =
            options_table<tflite::DivOptions>(src, BO::BuiltinOptions_DivOptions, where);
        if (o) r.activation = activation(o->fused_activation_function(), where);
        return r;
      }
      case Op::kStridedSlice: {
        StridedSliceOptions r;
        const auto* o = options_table<tflite::StridedSliceOptions>(
            src, BO::BuiltinOptions_StridedSliceOptions, where);
        if (o) {
          r.begin_mask = o->begin_mask();
          r.end_mask = o->end_mask();
          r.ellipsis_mask = o->ellipsis_mask();
          r.new_axis_mask = o->new_axis_mask();
          r.shrink_axis_mask = o->shrink_axis_mask();
          r.offset = o->offset();
        }
        return r;
      }
      case Op::kCast:
        expect_no_options(src, where, BO::BuiltinOptions_CastOptions);
        return std::monostate{};
      case Op::kMaximum:
      case Op::kMinimum:
        expect_no_options(src, where, BO::BuiltinOptions_MaximumMinimumOptions);
        return std::monostate{};
      case Op::kPad:
        expect_no_options(src, where, BO::BuiltinOptions_PadOptions);
        return std::monostate{};
      case Op::kQuantize:
        expect_no_options(src, where, BO::BuiltinOptions_QuantizeOptions);
        return std::monostate{};
      case Op::kDequantize:
        expect_no_options(src, where, BO::BuiltinOptions_DequantizeOptions);
        return std::monostate{};
      case Op::kLogistic:
      case Op::kTanh:
      case Op::kRelu:
      case Op::kRelu6:
      case Op::kReluN1To1:
        expect_no_options(src, where);
        return std::monostate{};
      default:
        // An operator the engine does not run (only reached with
        // allow_unsupported): its options are never read.
        return std::monostate{};
    }
  }

  void read_metadata() {
    const auto* entries = root_->metadata();
    if (!entries) return;
    for (size_t i = 0; i < entries->size(); ++i) {
      const tflite::Metadata* src = entries->Get(static_cast<flatbuffers::uoffset_t>(i));
      MetadataEntry entry;
      entry.name = src->name() ? src->name()->str() : std::string();
      const std::string who = msg("metadata entry ", i, " \"", shown(src->name()), "\"");
      buffer_data(src->buffer(), who, &entry.data, &entry.size);
      model_.add_metadata(std::move(entry));
    }
  }

  Model& model_;
  const uint8_t* bytes_;
  size_t size_;
  ReadOptions options_;
  const tflite::Model* root_ = nullptr;
  const tflite::SubGraph* subgraph_ = nullptr;
  size_t buffer_count_ = 0;
  std::vector<bool> is_graph_input_;
};

}  // namespace

bool op_supported(Op op) {
  switch (op) {
    case Op::kFullyConnected:
    case Op::kConv2D:
    case Op::kDepthwiseConv2D:
    case Op::kMaxPool2D:
    case Op::kAveragePool2D:
    case Op::kMean:
    case Op::kReshape:
    case Op::kSqueeze:
    case Op::kSoftmax:
    case Op::kLogistic:
    case Op::kTanh:
    case Op::kRelu:
    case Op::kRelu6:
    case Op::kReluN1To1:
    case Op::kAdd:
    case Op::kMul:
    case Op::kConcatenation:
    case Op::kPad:
    case Op::kQuantize:
    case Op::kDequantize:
    case Op::kSvdf:  // keyword_scrambled
    case Op::kStridedSlice:
    case Op::kCast:
    case Op::kDiv:
    case Op::kMaximum:
    case Op::kMinimum:
      return true;
    default:
      return false;
  }
}

bool op_supported(const Operator& op) {
  if (op.op == Op::kCustom) return op.custom != CustomOp::kUnknown && op.custom != CustomOp::kNone;
  return op_supported(op.op);
}

Model read_tflite_buffer(const void* data, size_t size, const std::string& name,
                         const ReadOptions& options) {
  Model model;
  model.set_source(name);
  if (size > kMaxModelBytes) {
    throw Error(msg(name, ": the model is ", size, " bytes; models larger than ", kMaxModelBytes,
                    " bytes (2 GB) are not supported"));
  }
  const uint8_t* bytes = model.adopt_bytes(data, size);
  Reader(model, bytes, size, options).run();
  return model;
}

Model read_tflite_file(const std::string& path, const ReadOptions& options) {
  Model model;
  model.set_source(path);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(msg(path, ": cannot read the model: ", std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) throw Error(msg(path, ": is a directory, expected a .tflite file"));
  if (!S_ISREG(st.st_mode)) throw Error(msg(path, ": is not a regular file"));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > kMaxModelBytes) {
    throw Error(msg(path, ": the file is ", size, " bytes; models larger than ", kMaxModelBytes,
                    " bytes (2 GB) are not supported"));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw Error(msg(path, ": cannot open the model: ", std::strerror(errno)));
  // Size, identifier and root offset first: a large file that is no model is refused
  // without reading it.
  uint8_t head[8];
  const size_t head_got = std::fread(head, 1, std::min<uint64_t>(size, sizeof head), file.get());
  check_head(head, head_got, size, path);
  uint8_t* bytes = model.allocate_bytes(static_cast<size_t>(size));
  std::memcpy(bytes, head, head_got);
  const size_t got =
      head_got + std::fread(bytes + head_got, 1, static_cast<size_t>(size) - head_got, file.get());
  if (got != size) {
    throw Error(
        msg(path, ": read ", got, " of ", size, " bytes: ",
            std::ferror(file.get()) ? std::strerror(errno) : "the file shrank while reading"));
  }
  Reader(model, bytes, static_cast<size_t>(size), options).run();
  return model;
}

}  // namespace edge::nn
