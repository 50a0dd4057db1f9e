#include "nn/ops/op.h"

#include <cmath>

namespace edge {
namespace nn {

int32_t OpContext::input_index(size_t k) const {
  return k < op().inputs.size() ? op().inputs[k] : -1;
}

int32_t OpContext::output_index(size_t k) const {
  return k < op().outputs.size() ? op().outputs[k] : -1;
}

const Tensor& OpContext::input(size_t k) const {
  const int32_t index = input_index(k);
  if (index < 0) fail("input ", k, " is required but absent");
  return model_.tensor(index);
}

const Tensor* OpContext::optional_input(size_t k) const {
  const int32_t index = input_index(k);
  return index < 0 ? nullptr : &model_.tensor(index);
}

const Tensor& OpContext::output(size_t k) const {
  const int32_t index = output_index(k);
  if (index < 0) fail("output ", k, " is missing");
  return model_.tensor(index);
}

void OpContext::require_counts(size_t min_inputs, size_t max_inputs, size_t outputs) const {
  if (num_inputs() < min_inputs || num_inputs() > max_inputs) {
    if (min_inputs == max_inputs) fail("expected ", min_inputs, " inputs, found ", num_inputs());
    fail("expected ", min_inputs, " to ", max_inputs, " inputs, found ", num_inputs());
  }
  if (num_outputs() != outputs) fail("expected ", outputs, " outputs, found ", num_outputs());
}

void OpContext::require_type(const Tensor& t, const char* role, DType type) const {
  if (t.type != type) {
    fail(role, " '", t.name, "' must be ", dtype_name(type), ", found ", dtype_name(t.type));
  }
}

void OpContext::require_same_shape(const Tensor& a, const char* role_a, const Tensor& b,
                                   const char* role_b) const {
  if (a.shape != b.shape) {
    fail(role_a, " shape ", shape_to_string(a.shape), " differs from ", role_b, " shape ",
         shape_to_string(b.shape));
  }
}

void OpContext::require_shape(const Tensor& t, const char* role, const Shape& expected) const {
  if (t.shape != expected) {
    fail(role, " '", t.name, "' has shape ", shape_to_string(t.shape), ", expected ",
         shape_to_string(expected));
  }
}

void OpContext::require_rank(const Tensor& t, const char* role, size_t rank) const {
  if (t.shape.size() != rank) {
    fail(role, " '", t.name, "' must have ", rank, " dimensions, found shape ",
         shape_to_string(t.shape));
  }
}

float OpContext::require_per_tensor_quant(const Tensor& t, const char* role) const {
  if (t.quant.scale.size() != 1 || t.quant.zero_point.size() != 1) {
    fail(role, " '", t.name, "' (", dtype_name(t.type),
         ") needs per-tensor quantization parameters, found ", t.quant.scale.size(), " scales");
  }
  const float scale = t.quant.scale[0];
  if (!(scale > 0.f) || !std::isfinite(scale)) {
    fail(role, " '", t.name, "' has an invalid scale ", scale);
  }
  return scale;
}

int32_t OpContext::zero_point(const Tensor& t) const {
  return t.quant.zero_point.empty() ? 0 : static_cast<int32_t>(t.quant.zero_point[0]);
}

void OpContext::require_constant(const Tensor& t, const char* role) const {
  if (!t.is_constant || t.data == nullptr) {
    fail(role, " '", t.name, "' must be a constant tensor");
  }
}

std::unique_ptr<OpKernel> create_op_kernel(const Operator& op) {
  if (op.op == Op::kCustom) return make_signal_op(op.custom);
  switch (op.op) {
    case Op::kConv2D:
    case Op::kDepthwiseConv2D:
      return make_conv_op(op.op);
    case Op::kFullyConnected:
      return make_fully_connected_op();
    case Op::kAveragePool2D:
    case Op::kMaxPool2D:
      return make_pool_op(op.op);
    case Op::kSoftmax:
      return make_softmax_op();
    case Op::kRelu:
    case Op::kRelu6:
    case Op::kReluN1To1:
    case Op::kLogistic:
    case Op::kTanh:
      return make_activation_op(op.op);
    case Op::kAdd:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMinimum:
    case Op::kMaximum:
      return make_elementwise_op(op.op);
    case Op::kReshape:
    case Op::kSqueeze:
      return make_shape_op(op.op);
    case Op::kConcatenation:
      return make_concatenation_op();
    case Op::kPad:
      return make_pad_op();
    case Op::kMean:
      return make_mean_op();
    case Op::kQuantize:
    case Op::kDequantize:
      return make_quantize_op(op.op);
    case Op::kCast:
      return make_cast_op();
    case Op::kStridedSlice:
      return make_strided_slice_op();
    default:
      break;
  }
  if (op.op == kOpSvdf) return make_svdf_op();
  return nullptr;
}

}  // namespace nn
}  // namespace edge
