// AVERAGE_POOL_2D and MAX_POOL_2D (NHWC), float32, int8 and int16. Quantized
// pooling keeps the input's scale and zero point (checked, as TFLite does). The
// fast kernel set runs fast/pooling.h (bit-exact with the reference).
#include "nn/kernels/fast/pooling.h"
#include "nn/kernels/ref/pooling.h"
#include "nn/ops/op.h"
#include "nn/ops/quant_util.h"

namespace edge {
namespace nn {
namespace {

class PoolOp : public OpKernel {
 public:
  explicit PoolOp(Op op) : average_(op == Op::kAveragePool2D) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(1, 1, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& out = ctx.output(0);
    const auto* o = ctx.op().options_as<Pool2DOptions>();
    if (!o) ctx.fail("missing Pool2DOptions");
    ctx.require_rank(in, "input", 4);
    if (o->stride_h <= 0 || o->stride_w <= 0 || o->filter_h <= 0 || o->filter_w <= 0) {
      ctx.fail("filter ", o->filter_h, "x", o->filter_w, " and stride ", o->stride_h, "x",
               o->stride_w, " must be positive");
    }
    in_shape_ = Dims4{in.shape[0], in.shape[1], in.shape[2], in.shape[3]};
    const int32_t out_h = compute_output_size(o->padding, in_shape_.h, o->filter_h, o->stride_h);
    const int32_t out_w = compute_output_size(o->padding, in_shape_.w, o->filter_w, o->stride_w);
    if (out_h <= 0 || out_w <= 0) {
      ctx.fail("the ", o->filter_h, "x", o->filter_w, " window does not fit the ", in_shape_.h, "x",
               in_shape_.w, " input with ", padding_name(o->padding), " padding");
    }
    ctx.require_shape(out, "output", Shape{in_shape_.n, out_h, out_w, in_shape_.c});
    out_shape_ = Dims4{in_shape_.n, out_h, out_w, in_shape_.c};
    ctx.require_type(out, "output", in.type);
    params_.stride_h = o->stride_h;
    params_.stride_w = o->stride_w;
    params_.filter_h = o->filter_h;
    params_.filter_w = o->filter_w;
    params_.pad_top = compute_padding(o->stride_h, 1, in_shape_.h, o->filter_h, out_h);
    params_.pad_left = compute_padding(o->stride_w, 1, in_shape_.w, o->filter_w, out_w);
    type_ = in.type;
    if (type_ == DType::kFloat32) {
      activation_range_float(ctx, o->activation, &params_.float_act_min, &params_.float_act_max);
    } else if (type_ == DType::kInt8 || type_ == DType::kInt16) {
      const float in_scale = ctx.require_per_tensor_quant(in, "input");
      const float out_scale = ctx.require_per_tensor_quant(out, "output");
      if (in_scale != out_scale || ctx.zero_point(in) != ctx.zero_point(out)) {
        ctx.fail("input and output quantization must be equal, found scale ", in_scale, " zp ",
                 ctx.zero_point(in), " and scale ", out_scale, " zp ", ctx.zero_point(out));
      }
      if (int64_t{o->filter_h} * o->filter_w >= 65536) {
        ctx.fail("window ", o->filter_h, "x", o->filter_w, " is too large for int32 sums");
      }
      activation_range(ctx, o->activation, out, &params_.act_min, &params_.act_max);
    } else {
      ctx.fail("unsupported type ", dtype_name(type_));
    }
    in_index_ = ctx.input_index(0);
    out_index_ = ctx.output_index(0);
    fast_ = ctx.kernels() == KernelSet::kFast;
  }

  void eval(const EvalContext& ctx) override {
    switch (type_) {
      case DType::kFloat32:
        pick(ref::average_pool_f32, ref::max_pool_f32, fast::average_pool_f32, fast::max_pool_f32)(
            params_, in_shape_, ctx.data<const float>(in_index_), out_shape_,
            ctx.data<float>(out_index_));
        break;
      case DType::kInt8:
        pick(ref::average_pool_s8, ref::max_pool_s8, fast::average_pool_s8, fast::max_pool_s8)(
            params_, in_shape_, ctx.data<const int8_t>(in_index_), out_shape_,
            ctx.data<int8_t>(out_index_));
        break;
      default:
        pick(ref::average_pool_s16, ref::max_pool_s16, fast::average_pool_s16, fast::max_pool_s16)(
            params_, in_shape_, ctx.data<const int16_t>(in_index_), out_shape_,
            ctx.data<int16_t>(out_index_));
        break;
    }
  }

 private:
  // The kernel of this op's kind from this op's kernel set.
  template <typename Fn>
  Fn pick(Fn ref_average, Fn ref_max, Fn fast_average, Fn fast_max) const {
    if (fast_) return average_ ? fast_average : fast_max;
    return average_ ? ref_average : ref_max;
  }

  bool average_;
  bool fast_ = false;
  DType type_ = DType::kFloat32;
  int32_t in_index_ = -1, out_index_ = -1;
  Dims4 in_shape_, out_shape_;
  ref::PoolParams params_;
};

}  // namespace

std::unique_ptr<OpKernel> make_pool_op(Op op) { return std::make_unique<PoolOp>(op); }

}  // namespace nn
}  // namespace edge
