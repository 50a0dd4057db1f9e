// CONV_2D and DEPTHWISE_CONV_2D: validation against the IR, TFLite's padding and
// requantization parameters, and dispatch to the reference or fast kernels.
// Variants: float32; int8 (per-tensor or per-channel weights, int32 bias); 16x8
// (int16 activations, int8 weights, int64 or int32 bias); CONV_2D hybrid (float
// activations, int8 weights, float bias).
#include "nn/kernels/ref/conv.h"

#include <cstring>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/ref/depthwise_conv.h"
#include "nn/ops/op.h"
#include "nn/ops/quant_util.h"

namespace edge {
namespace nn {
namespace {

enum class Variant { kF32, kS8, kS16x8, kS16x8Bias32, kHybrid };

Dims4 dims4(const Shape& s) { return Dims4{s[0], s[1], s[2], s[3]}; }

class ConvOp : public OpKernel {
 public:
  explicit ConvOp(Op op) : depthwise_(op == Op::kDepthwiseConv2D) {}

  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 3, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& filter = ctx.input(1);
    const Tensor* bias = ctx.optional_input(2);
    const Tensor& out = ctx.output(0);
    ctx.require_rank(in, "input", 4);
    ctx.require_rank(filter, "filter", 4);
    in_index_ = ctx.input_index(0);
    filter_index_ = ctx.input_index(1);
    bias_index_ = ctx.input_index(2);
    // float32 weights may come from a DEQUANTIZE (float16 models): read at eval.
    runtime_weights_ = !filter.is_constant || (bias && !bias->is_constant);
    out_index_ = ctx.output_index(0);
    filter_data_ = filter.data;
    bias_data_ = bias ? bias->data : nullptr;
    kernels_ = ctx.kernels();
    threads_ = ctx.threads();

    Padding padding;
    Activation activation;
    if (depthwise_) {
      const auto* o = ctx.op().options_as<DepthwiseConv2DOptions>();
      if (!o) ctx.fail("missing DepthwiseConv2DOptions");
      padding = o->padding;
      activation = o->activation;
      params_.stride_h = o->stride_h;
      params_.stride_w = o->stride_w;
      params_.dilation_h = o->dilation_h;
      params_.dilation_w = o->dilation_w;
    } else {
      const auto* o = ctx.op().options_as<Conv2DOptions>();
      if (!o) ctx.fail("missing Conv2DOptions");
      padding = o->padding;
      activation = o->activation;
      params_.stride_h = o->stride_h;
      params_.stride_w = o->stride_w;
      params_.dilation_h = o->dilation_h;
      params_.dilation_w = o->dilation_w;
    }
    if (params_.stride_h <= 0 || params_.stride_w <= 0 || params_.dilation_h <= 0 ||
        params_.dilation_w <= 0) {
      ctx.fail("strides and dilations must be positive, found stride ", params_.stride_h, "x",
               params_.stride_w, " dilation ", params_.dilation_h, "x", params_.dilation_w);
    }

    in_shape_ = dims4(in.shape);
    filter_shape_ = dims4(filter.shape);
    int32_t out_c;
    if (depthwise_) {
      if (filter_shape_.n != 1) {
        ctx.fail("depthwise filter '", filter.name, "' must have shape [1, h, w, channels], found ",
                 shape_to_string(filter.shape));
      }
      out_c = filter_shape_.c;
      if (in_shape_.c <= 0 || out_c % in_shape_.c != 0) {
        ctx.fail("depthwise filter channels ", out_c, " are not a multiple of the input channels ",
                 in_shape_.c);
      }
      params_.depth_multiplier = out_c / in_shape_.c;
    } else {
      if (filter_shape_.c != in_shape_.c) {
        ctx.fail("filter '", filter.name, "' has ", filter_shape_.c,
                 " input channels, the input has ", in_shape_.c);
      }
      out_c = filter_shape_.n;
    }
    const int32_t out_h = compute_output_size(padding, in_shape_.h, filter_shape_.h,
                                              params_.stride_h, params_.dilation_h);
    const int32_t out_w = compute_output_size(padding, in_shape_.w, filter_shape_.w,
                                              params_.stride_w, params_.dilation_w);
    if (out_h <= 0 || out_w <= 0) {
      ctx.fail("the ", filter_shape_.h, "x", filter_shape_.w, " filter does not fit the ",
               in_shape_.h, "x", in_shape_.w, " input with ", padding_name(padding), " padding");
    }
    ctx.require_shape(out, "output", Shape{in_shape_.n, out_h, out_w, out_c});
    out_shape_ = dims4(out.shape);
    params_.pad_top =
        compute_padding(params_.stride_h, params_.dilation_h, in_shape_.h, filter_shape_.h, out_h);
    params_.pad_left =
        compute_padding(params_.stride_w, params_.dilation_w, in_shape_.w, filter_shape_.w, out_w);
    if (bias) ctx.require_shape(*bias, "bias", Shape{out_c});
    if (filter.type != DType::kFloat32) {
      ctx.require_constant(filter, "filter");
      if (bias) ctx.require_constant(*bias, "bias");
    }
    macs_ =
        out_shape_.elements() * filter_shape_.h * filter_shape_.w * (depthwise_ ? 1 : in_shape_.c);

    const int32_t channel_dim = depthwise_ ? 3 : 0;
    if (in.type == DType::kFloat32 && filter.type == DType::kFloat32) {
      variant_ = Variant::kF32;
      ctx.require_type(out, "output", DType::kFloat32);
      if (bias) ctx.require_type(*bias, "bias", DType::kFloat32);
      activation_range_float(ctx, activation, &params_.float_out.act_min,
                             &params_.float_out.act_max);
    } else if (in.type == DType::kFloat32 && filter.type == DType::kInt8 && !depthwise_) {
      variant_ = Variant::kHybrid;
      ctx.require_type(out, "output", DType::kFloat32);
      if (bias) ctx.require_type(*bias, "bias", DType::kFloat32);
      const std::vector<float> scales = check_weight_quant(ctx, filter, channel_dim, out_c);
      weight_scales_.assign(static_cast<size_t>(out_c), scales[0]);
      if (scales.size() > 1) weight_scales_ = scales;
      params_.hybrid.weight_scale = weight_scales_.data();
      params_.hybrid.asymmetric_inputs = true;  // TFLite's hybrid CONV_2D always is
      activation_range_float(ctx, activation, &params_.float_out.act_min,
                             &params_.float_out.act_max);
    } else if ((in.type == DType::kInt8 || in.type == DType::kInt16) &&
               filter.type == DType::kInt8) {
      const bool s16 = in.type == DType::kInt16;
      ctx.require_type(out, "output", in.type);
      const float in_scale = ctx.require_per_tensor_quant(in, "input");
      const float out_scale = ctx.require_per_tensor_quant(out, "output");
      const std::vector<float> scales = check_weight_quant(ctx, filter, channel_dim, out_c);
      if (s16 && (ctx.zero_point(in) != 0 || ctx.zero_point(out) != 0)) {
        ctx.fail("16x8 mode needs int16 input and output zero points 0, found ", ctx.zero_point(in),
                 " and ", ctx.zero_point(out));
      }
      if (s16) {
        variant_ = Variant::kS16x8;
        if (bias && bias->type == DType::kInt32) {
          variant_ = Variant::kS16x8Bias32;
        } else if (bias) {
          ctx.require_type(*bias, "bias", DType::kInt64);
        }
        if (depthwise_ && variant_ == Variant::kS16x8Bias32) {
          ctx.fail("16x8 DEPTHWISE_CONV_2D with an int32 bias is not supported (int64 expected)");
        }
      } else {
        variant_ = Variant::kS8;
        if (bias) ctx.require_type(*bias, "bias", DType::kInt32);
      }
      output_multipliers(ctx, in_scale, scales, out_scale, out_c, false, &multipliers_, &shifts_);
      params_.quant.input_offset = -ctx.zero_point(in);
      params_.quant.output_offset = ctx.zero_point(out);
      params_.quant.multiplier = multipliers_.data();
      params_.quant.shift = shifts_.data();
      activation_range(ctx, activation, out, &params_.quant.act_min, &params_.quant.act_max);
    } else {
      ctx.fail("unsupported type combination: input ", dtype_name(in.type), ", filter ",
               dtype_name(filter.type), ", output ", dtype_name(out.type));
    }
    prepare_fast();
  }

  void eval(const EvalContext& ctx) override {
    const bool fast = kernels_ == KernelSet::kFast;
    switch (variant_) {
      case Variant::kF32: {
        const float* in = ctx.data<const float>(in_index_);
        const float* filter = runtime_weights_ ? ctx.data<const float>(filter_index_)
                                               : reinterpret_cast<const float*>(filter_data_);
        const float* bias = reinterpret_cast<const float*>(bias_data_);
        if (runtime_weights_ && bias_index_ >= 0) bias = ctx.data<const float>(bias_index_);
        float* out = ctx.data<float>(out_index_);
        if (depthwise_) {
          if (fast) {
            fast::depthwise_conv2d_f32(params_, in_shape_, in, filter_shape_, filter, bias,
                                       out_shape_, out, ctx.scratch, threads_);
          } else {
            ref::depthwise_conv2d_f32(params_, in_shape_, in, filter_shape_, filter, bias,
                                      out_shape_, out);
          }
        } else if (fast) {
          fast::conv2d_f32(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out,
                           ctx.scratch, threads_);
        } else {
          ref::conv2d_f32(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out);
        }
        break;
      }
      case Variant::kS8: {
        const int8_t* in = ctx.data<const int8_t>(in_index_);
        const int8_t* filter = reinterpret_cast<const int8_t*>(filter_data_);
        const int32_t* bias = reinterpret_cast<const int32_t*>(bias_data_);
        int8_t* out = ctx.data<int8_t>(out_index_);
        if (depthwise_) {
          if (fast) {
            fast::depthwise_conv2d_s8(params_, packed_, in_shape_, in, filter_shape_, out_shape_,
                                      out, ctx.scratch, threads_);
          } else {
            ref::depthwise_conv2d_s8(params_, in_shape_, in, filter_shape_, filter, bias,
                                     out_shape_, out);
          }
        } else if (fast) {
          fast::conv2d_s8(params_, packed_, in_shape_, in, filter_shape_, out_shape_, out,
                          ctx.scratch, threads_);
        } else {
          ref::conv2d_s8(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out);
        }
        break;
      }
      case Variant::kS16x8: {
        const int16_t* in = ctx.data<const int16_t>(in_index_);
        const int8_t* filter = reinterpret_cast<const int8_t*>(filter_data_);
        const int64_t* bias = reinterpret_cast<const int64_t*>(bias_data_);
        int16_t* out = ctx.data<int16_t>(out_index_);
        if (depthwise_) {
          if (fast) {
            fast::depthwise_conv2d_s16x8(params_, in_shape_, in, filter_shape_, filter, bias,
                                         out_shape_, out, ctx.scratch, threads_);
          } else {
            ref::depthwise_conv2d_s16x8(params_, in_shape_, in, filter_shape_, filter, bias,
                                        out_shape_, out);
          }
        } else if (fast) {
          fast::conv2d_s16x8(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out,
                             ctx.scratch, threads_);
        } else {
          ref::conv2d_s16x8(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out);
        }
        break;
      }
      case Variant::kS16x8Bias32:
        // No fast variant: TFLite's int32-bias 16x8 path is rare (older converters).
        ref::conv2d_s16x8_bias32(params_, in_shape_, ctx.data<const int16_t>(in_index_),
                                 filter_shape_, reinterpret_cast<const int8_t*>(filter_data_),
                                 reinterpret_cast<const int32_t*>(bias_data_), out_shape_,
                                 ctx.data<int16_t>(out_index_));
        break;
      case Variant::kHybrid: {
        const float* in = ctx.data<const float>(in_index_);
        const int8_t* filter = reinterpret_cast<const int8_t*>(filter_data_);
        const float* bias = reinterpret_cast<const float*>(bias_data_);
        float* out = ctx.data<float>(out_index_);
        if (fast) {
          fast::conv2d_hybrid(params_, packed_, in_shape_, in, filter_shape_, bias, out_shape_, out,
                              ctx.scratch, threads_);
        } else {
          ref::conv2d_hybrid(params_, in_shape_, in, filter_shape_, filter, bias, out_shape_, out);
        }
        break;
      }
    }
  }

  size_t scratch_bytes() const override { return scratch_bytes_; }
  int64_t macs() const override { return macs_; }
  size_t persistent_bytes() const override {
    return packed_.bytes() + (multipliers_.size() + shifts_.size()) * sizeof(int32_t) +
           weight_scales_.size() * sizeof(float);
  }

 private:
  void prepare_fast() {
    if (kernels_ != KernelSet::kFast) return;
    const int8_t* filter8 = reinterpret_cast<const int8_t*>(filter_data_);
    const int32_t* bias32 = reinterpret_cast<const int32_t*>(bias_data_);
    switch (variant_) {
      case Variant::kF32:
        scratch_bytes_ = depthwise_ ? fast::depthwise_conv2d_f32_scratch_bytes(
                                          params_, in_shape_, filter_shape_, out_shape_, threads_)
                                    : fast::conv2d_f32_scratch_bytes(
                                          params_, in_shape_, filter_shape_, out_shape_, threads_);
        break;
      case Variant::kS8:
        if (depthwise_) {
          packed_ = fast::pack_depthwise_conv2d_s8(params_, filter_shape_, filter8, bias32);
          scratch_bytes_ = fast::depthwise_conv2d_s8_scratch_bytes(
              params_, packed_, in_shape_, filter_shape_, out_shape_, threads_);
        } else {
          packed_ = fast::pack_conv2d_s8(params_, filter_shape_, filter8, bias32);
          scratch_bytes_ = fast::conv2d_s8_scratch_bytes(params_, packed_, in_shape_, filter_shape_,
                                                         out_shape_, threads_);
        }
        break;
      case Variant::kS16x8:
        scratch_bytes_ = depthwise_ ? fast::depthwise_conv2d_s16x8_scratch_bytes(
                                          params_, in_shape_, filter_shape_, out_shape_, threads_)
                                    : fast::conv2d_s16x8_scratch_bytes(
                                          params_, in_shape_, filter_shape_, out_shape_, threads_);
        break;
      case Variant::kS16x8Bias32:
        break;
      case Variant::kHybrid:
        packed_ = fast::pack_conv2d_hybrid(params_, filter_shape_, filter8);
        scratch_bytes_ = fast::conv2d_hybrid_scratch_bytes(params_, packed_, in_shape_,
                                                           filter_shape_, out_shape_, threads_);
        break;
    }
  }

  bool depthwise_;
  Variant variant_ = Variant::kF32;
  KernelSet kernels_ = KernelSet::kReference;
  int threads_ = 1;
  int32_t in_index_ = -1;
  int32_t out_index_ = -1;
  int32_t filter_index_ = -1;
  int32_t bias_index_ = -1;
  bool runtime_weights_ = false;
  const uint8_t* filter_data_ = nullptr;
  const uint8_t* bias_data_ = nullptr;
  Dims4 in_shape_, filter_shape_, out_shape_;
  ConvParams params_;
  std::vector<int32_t> multipliers_, shifts_;
  std::vector<float> weight_scales_;
  fast::PackedWeights packed_;
  size_t scratch_bytes_ = 0;
  int64_t macs_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> make_conv_op(Op op) { return std::make_unique<ConvOp>(op); }

}  // namespace nn
}  // namespace edge
