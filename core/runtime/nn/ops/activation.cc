// RELU, RELU6, RELU_N1_TO_1 (float32, int8, int16: requantized as TFLite's ReluX),
// LOGISTIC and TANH (float32, int8 with TFLite's fixed output quantization).
#include <cmath>
#include <limits>

#include "nn/kernels/ref/activations.h"
#include "nn/ops/op.h"

namespace edge {
namespace nn {
namespace {

class ActivationOp : public OpKernel {
 public:
  explicit ActivationOp(Op op) : op_(op) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    ctx.require_same_shape(in, "input", out, "output");
    ctx.require_type(out, "output", in.type);
    type_ = in.type;
    size_ = in.elements();
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
    const bool relu = op_ == Op::kRelu || op_ == Op::kRelu6 || op_ == Op::kReluN1To1;
    if (relu) {
      lo_ = op_ == Op::kReluN1To1 ? -1.f : 0.f;
      hi_ = op_ == Op::kRelu ? std::numeric_limits<float>::infinity()
                             : (op_ == Op::kRelu6 ? 6.f : 1.f);
      if (type_ == DType::kInt8 || type_ == DType::kInt16) {
        const float in_scale = ctx.require_per_tensor_quant(in, "input");
        const float out_scale = ctx.require_per_tensor_quant(out, "output");
        const bool s8 = type_ == DType::kInt8;
        relu_ =
            ref::relu_prepare_quantized(lo_, hi_, in_scale, ctx.zero_point(in), out_scale,
                                        ctx.zero_point(out), s8 ? -128 : -32768, s8 ? 127 : 32767);
      } else if (type_ != DType::kFloat32) {
        ctx.fail("unsupported type ", dtype_name(type_));
      }
      return;
    }
    if (type_ == DType::kFloat32) return;
    if (type_ != DType::kInt8) {
      ctx.fail("unsupported type ", dtype_name(type_), " (float32 and int8 are supported)");
    }
    const float in_scale = ctx.require_per_tensor_quant(in, "input");
    const float out_scale = ctx.require_per_tensor_quant(out, "output");
    const float want_scale = op_ == Op::kLogistic ? 1.f / 256 : 1.f / 128;
    const int32_t want_zp = op_ == Op::kLogistic ? -128 : 0;
    if (out_scale != want_scale || ctx.zero_point(out) != want_zp) {
      ctx.fail("int8 output must have scale ", want_scale, " and zero point ", want_zp, ", found ",
               out_scale, " and ", ctx.zero_point(out));
    }
    logistic_tanh_ = ref::logistic_tanh_prepare_s8(in_scale, ctx.zero_point(in));
  }

  void eval(const EvalContext& ctx) override {
    if (op_ == Op::kLogistic || op_ == Op::kTanh) {
      const bool logistic = op_ == Op::kLogistic;
      if (type_ == DType::kFloat32) {
        (logistic ? ref::logistic_f32 : ref::tanh_f32)(size_, ctx.data<const float>(in_index_),
                                                       ctx.data<float>(out_index_));
      } else {
        (logistic ? ref::logistic_s8 : ref::tanh_s8)(
            logistic_tanh_, size_, ctx.data<const int8_t>(in_index_), ctx.data<int8_t>(out_index_));
      }
      return;
    }
    switch (type_) {
      case DType::kFloat32:
        ref::clamp_f32(lo_, hi_, size_, ctx.data<const float>(in_index_),
                       ctx.data<float>(out_index_));
        break;
      case DType::kInt8:
        ref::relu_s8(relu_, size_, ctx.data<const int8_t>(in_index_), ctx.data<int8_t>(out_index_));
        break;
      default:
        ref::relu_s16(relu_, size_, ctx.data<const int16_t>(in_index_),
                      ctx.data<int16_t>(out_index_));
        break;
    }
  }

 private:
  Op op_;
  DType type_ = DType::kFloat32;
  int64_t size_ = 0;
  int32_t in_index_ = -1, out_index_ = -1;
  float lo_ = 0.f, hi_ = 0.f;
  ref::QuantizedReluParams relu_;
  ref::LogisticTanhS8Params logistic_tanh_;
};

}  // namespace

std::unique_ptr<OpKernel> make_activation_op(Op op) { return std::make_unique<ActivationOp>(op); }

}  // namespace nn
}  // namespace edge
