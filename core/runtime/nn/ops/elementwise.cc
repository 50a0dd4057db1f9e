// ADD and MUL with broadcasting, float32 and int8, fused activation.
#include "nn/kernels/ref/elementwise.h"

#include "nn/ops/op.h"
#include "nn/ops/quant_util.h"

namespace edge {
namespace nn {
namespace {

class ElementwiseOp : public OpKernel {
 public:
  explicit ElementwiseOp(Op op) : add_(op == Op::kAdd) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor& out = ctx.output(0);
    Activation activation = Activation::kNone;
    if (add_) {
      if (const auto* o = ctx.op().options_as<AddOptions>()) activation = o->activation;
    } else if (const auto* o = ctx.op().options_as<MulOptions>()) {
      activation = o->activation;
    }
    if (a.type != b.type) {
      ctx.fail("inputs have different types ", dtype_name(a.type), " and ", dtype_name(b.type));
    }
    ctx.require_type(out, "output", a.type);
    Shape expected;
    try {
      expected = ref::broadcast_output_shape(a.shape, b.shape);
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
    ctx.require_shape(out, "output", expected);
    shape_ = ref::make_broadcast(a.shape, b.shape);
    type_ = a.type;
    a_index_ = ctx.input_index(0);
    b_index_ = ctx.input_index(1);
    out_index_ = ctx.output_index(0);
    if (type_ == DType::kFloat32) {
      activation_range_float(ctx, activation, &act_min_, &act_max_);
    } else if (type_ == DType::kInt8) {
      const float sa = ctx.require_per_tensor_quant(a, "input 0");
      const float sb = ctx.require_per_tensor_quant(b, "input 1");
      const float so = ctx.require_per_tensor_quant(out, "output");
      params_ = add_ ? ref::add_prepare_s8(sa, ctx.zero_point(a), sb, ctx.zero_point(b), so,
                                           ctx.zero_point(out))
                     : ref::mul_prepare_s8(sa, ctx.zero_point(a), sb, ctx.zero_point(b), so,
                                           ctx.zero_point(out));
      activation_range(ctx, activation, out, &params_.act_min, &params_.act_max);
    } else {
      ctx.fail("unsupported type ", dtype_name(type_), " (float32 and int8 are supported)");
    }
  }

  void eval(const EvalContext& ctx) override {
    if (type_ == DType::kFloat32) {
      (add_ ? ref::add_f32 : ref::mul_f32)(
          shape_, act_min_, act_max_, ctx.data<const float>(a_index_),
          ctx.data<const float>(b_index_), ctx.data<float>(out_index_));
    } else {
      (add_ ? ref::add_s8 : ref::mul_s8)(shape_, params_, ctx.data<const int8_t>(a_index_),
                                         ctx.data<const int8_t>(b_index_),
                                         ctx.data<int8_t>(out_index_));
    }
  }

 private:
  bool add_;
  DType type_ = DType::kFloat32;
  int32_t a_index_ = -1, b_index_ = -1, out_index_ = -1;
  ref::BroadcastShape shape_;
  float act_min_ = 0.f, act_max_ = 0.f;
  ref::ArithmeticS8Params params_;
};

}  // namespace

std::unique_ptr<OpKernel> make_elementwise_op(Op op) { return std::make_unique<ElementwiseOp>(op); }

}  // namespace nn
}  // namespace edge
