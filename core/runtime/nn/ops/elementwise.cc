// Binary elementwise ops with broadcasting: ADD and MUL (float32, int8, int32), DIV
// (float32, int32), MINIMUM and MAXIMUM (any numeric type, one quantization for all three
// tensors), fused activation where the op has one.
#include "nn/kernels/ref/elementwise.h"

#include <cstring>
#include <limits>

#include "nn/ops/op.h"
#include "nn/ops/quant_util.h"

namespace edge {
namespace nn {
namespace {

// TFLite's CalculateActivationRange for unquantized int32.
void activation_range_int32(const OpContext& ctx, Activation activation, int32_t* lo, int32_t* hi) {
  *lo = std::numeric_limits<int32_t>::min();
  *hi = std::numeric_limits<int32_t>::max();
  switch (activation) {
    case Activation::kNone:
      return;
    case Activation::kRelu:
      *lo = 0;
      return;
    case Activation::kRelu6:
      *lo = 0;
      *hi = 6;
      return;
    case Activation::kReluN1To1:
      *lo = -1;
      *hi = 1;
      return;
    case Activation::kTanh:
    case Activation::kSignBit:
      break;
  }
  ctx.fail("fused activation ", activation_name(activation), " is not supported");
}

class ElementwiseOp : public OpKernel {
 public:
  explicit ElementwiseOp(Op op) : op_(op) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 2, 1);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor& out = ctx.output(0);
    Activation activation = Activation::kNone;
    if (const auto* o = ctx.op().options_as<AddOptions>()) activation = o->activation;
    if (const auto* o = ctx.op().options_as<MulOptions>()) activation = o->activation;
    if (const auto* o = ctx.op().options_as<DivOptions>()) activation = o->activation;
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
    if (op_ == Op::kMinimum || op_ == Op::kMaximum) {
      prepare_min_max(ctx, a, b, out);
      return;
    }
    if (type_ == DType::kFloat32) {
      activation_range_float(ctx, activation, &act_min_, &act_max_);
    } else if (type_ == DType::kInt8 && op_ != Op::kDiv) {
      const float sa = ctx.require_per_tensor_quant(a, "input 0");
      const float sb = ctx.require_per_tensor_quant(b, "input 1");
      const float so = ctx.require_per_tensor_quant(out, "output");
      params_ = op_ == Op::kAdd ? ref::add_prepare_s8(sa, ctx.zero_point(a), sb, ctx.zero_point(b),
                                                      so, ctx.zero_point(out))
                                : ref::mul_prepare_s8(sa, ctx.zero_point(a), sb, ctx.zero_point(b),
                                                      so, ctx.zero_point(out));
      activation_range(ctx, activation, out, &params_.act_min, &params_.act_max);
    } else if (type_ == DType::kInt32) {
      for (const Tensor* t : {&a, &b, &out}) {
        if (!t->quant.empty()) {
          ctx.fail("int32 ", op_name(op_), " runs on plain integers; '", t->name, "' is quantized");
        }
      }
      activation_range_int32(ctx, activation, &int_min_, &int_max_);
      if (op_ == Op::kDiv && b.is_constant) {
        const auto* divisor = reinterpret_cast<const int32_t*>(b.data);
        for (int64_t i = 0; i < b.elements(); ++i)
          if (divisor[i] == 0) ctx.fail("divisor '", b.name, "' holds 0 at element ", i);
      }
    } else {
      ctx.fail("unsupported type ", dtype_name(type_), " (",
               op_ == Op::kDiv ? "float32 and int32" : "float32, int8 and int32",
               " are supported)");
    }
  }

  void eval(const EvalContext& ctx) override {
    if (op_ == Op::kMinimum || op_ == Op::kMaximum) {
      ref::min_max(shape_, op_ == Op::kMaximum, type_, ctx.data<const void>(a_index_),
                   ctx.data<const void>(b_index_), ctx.data<void>(out_index_));
    } else if (type_ == DType::kFloat32) {
      auto* kernel = op_ == Op::kAdd ? ref::add_f32 : op_ == Op::kMul ? ref::mul_f32 : ref::div_f32;
      kernel(shape_, act_min_, act_max_, ctx.data<const float>(a_index_),
             ctx.data<const float>(b_index_), ctx.data<float>(out_index_));
    } else if (type_ == DType::kInt32) {
      auto* kernel = op_ == Op::kAdd ? ref::add_i32 : op_ == Op::kMul ? ref::mul_i32 : ref::div_i32;
      kernel(shape_, int_min_, int_max_, ctx.data<const int32_t>(a_index_),
             ctx.data<const int32_t>(b_index_), ctx.data<int32_t>(out_index_));
    } else {
      (op_ == Op::kAdd ? ref::add_s8 : ref::mul_s8)(
          shape_, params_, ctx.data<const int8_t>(a_index_), ctx.data<const int8_t>(b_index_),
          ctx.data<int8_t>(out_index_));
    }
  }

 private:
  void prepare_min_max(const OpContext& ctx, const Tensor& a, const Tensor& b, const Tensor& out) {
    if (type_ == DType::kFloat16 || type_ == DType::kBool)
      ctx.fail("unsupported type ", dtype_name(type_));
    // Raw values compare like real ones only under one quantization.
    for (const Tensor* t : {&b, &out}) {
      if (t->quant.scale != a.quant.scale || t->quant.zero_point != a.quant.zero_point) {
        ctx.fail("'", t->name, "' is quantized differently from '", a.name,
                 "' (MINIMUM and MAXIMUM need one quantization)");
      }
    }
  }

  Op op_;
  DType type_ = DType::kFloat32;
  int32_t a_index_ = -1, b_index_ = -1, out_index_ = -1;
  ref::BroadcastShape shape_;
  float act_min_ = 0.f, act_max_ = 0.f;
  int32_t int_min_ = 0, int_max_ = 0;
  ref::ArithmeticS8Params params_;
};

}  // namespace

std::unique_ptr<OpKernel> make_elementwise_op(Op op) { return std::make_unique<ElementwiseOp>(op); }

}  // namespace nn
}  // namespace edge
