// FULLY_CONNECTED: input [..., depth] seen as [batches, depth], weights [units, depth],
// optional bias [units]; output [batches, units] (or the input's leading dims with
// keep_num_dims). Variants: float32 (weights may come from a DEQUANTIZE, the float16
// mode), int8, 16x8 (int64 or int32 bias), hybrid (float activations, int8 weights).
#include "nn/kernels/ref/fully_connected.h"

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/ops/op.h"
#include "nn/ops/quant_util.h"

namespace edge {
namespace nn {
namespace {

enum class Variant { kF32, kS8, kS16x8, kS16x8Bias32, kHybrid };

class FullyConnectedOp : public OpKernel {
 public:
  void prepare(const OpContext& ctx) override {
    ctx.require_counts(2, 3, 1);
    const Tensor& in = ctx.input(0);
    const Tensor& weights = ctx.input(1);
    const Tensor* bias = ctx.optional_input(2);
    const Tensor& out = ctx.output(0);
    const auto* options = ctx.op().options_as<FullyConnectedOptions>();
    if (!options) ctx.fail("missing FullyConnectedOptions");
    if (options->weights_format != FullyConnectedWeightsFormat::kDefault) {
      ctx.fail("shuffled weights format is not supported");
    }
    ctx.require_rank(weights, "weights", 2);
    units_ = weights.shape[0];
    depth_ = weights.shape[1];
    if (in.shape.empty() || depth_ <= 0 || in.elements() % depth_ != 0) {
      ctx.fail("input shape ", shape_to_string(in.shape),
               " is not a multiple of the weights' depth ", depth_);
    }
    batches_ = static_cast<int>(in.elements() / depth_);
    Shape expected{batches_, units_};
    if (options->keep_num_dims) {
      expected = in.shape;
      expected.back() = units_;
      if (in.shape.back() != depth_) {
        ctx.fail("keep_num_dims needs the input's last dimension ", in.shape.back(),
                 " to equal the weights' depth ", depth_);
      }
    }
    ctx.require_shape(out, "output", expected);
    if (bias) ctx.require_shape(*bias, "bias", Shape{units_});
    macs_ = int64_t{batches_} * units_ * depth_;
    in_index_ = ctx.input_index(0);
    weights_index_ = ctx.input_index(1);
    bias_index_ = ctx.input_index(2);
    out_index_ = ctx.output_index(0);
    kernels_ = ctx.kernels();
    threads_ = ctx.threads();
    const Activation activation = options->activation;

    if (in.type == DType::kFloat32 && weights.type == DType::kFloat32) {
      variant_ = Variant::kF32;
      ctx.require_type(out, "output", DType::kFloat32);
      if (bias) ctx.require_type(*bias, "bias", DType::kFloat32);
      activation_range_float(ctx, activation, &params_.float_out.act_min,
                             &params_.float_out.act_max);
      if (kernels_ == KernelSet::kFast) {
        scratch_bytes_ =
            fast::fully_connected_f32_scratch_bytes(batches_, depth_, units_, threads_);
      }
      return;
    }
    ctx.require_constant(weights, "weights");
    if (bias) ctx.require_constant(*bias, "bias");
    weights_data_ = reinterpret_cast<const int8_t*>(weights.data);
    bias_data_ = bias ? bias->data : nullptr;
    if (weights.type != DType::kInt8) {
      ctx.fail("unsupported type combination: input ", dtype_name(in.type), ", weights ",
               dtype_name(weights.type));
    }
    const std::vector<float> scales = check_weight_quant(ctx, weights, 0, units_);

    if (in.type == DType::kFloat32) {
      variant_ = Variant::kHybrid;
      ctx.require_type(out, "output", DType::kFloat32);
      if (bias) ctx.require_type(*bias, "bias", DType::kFloat32);
      weight_scales_.assign(static_cast<size_t>(units_), scales[0]);
      if (scales.size() > 1) weight_scales_ = scales;
      params_.hybrid.weight_scale = weight_scales_.data();
      params_.hybrid.asymmetric_inputs = options->asymmetric_quantize_inputs;
      activation_range_float(ctx, activation, &params_.float_out.act_min,
                             &params_.float_out.act_max);
      if (kernels_ == KernelSet::kFast) {
        packed_ = fast::pack_fully_connected_hybrid(params_, depth_, units_, weights_data_);
        scratch_bytes_ = fast::fully_connected_hybrid_scratch_bytes(packed_, batches_, threads_);
      }
      return;
    }
    if (in.type != DType::kInt8 && in.type != DType::kInt16) {
      ctx.fail("unsupported input type ", dtype_name(in.type), " with int8 weights");
    }
    ctx.require_type(out, "output", in.type);
    const float in_scale = ctx.require_per_tensor_quant(in, "input");
    const float out_scale = ctx.require_per_tensor_quant(out, "output");
    output_multipliers(ctx, in_scale, scales, out_scale, units_, true, &multipliers_, &shifts_);
    params_.quant.input_offset = -ctx.zero_point(in);
    params_.quant.output_offset = ctx.zero_point(out);
    params_.quant.multiplier = multipliers_.data();
    params_.quant.shift = shifts_.data();
    activation_range(ctx, activation, out, &params_.quant.act_min, &params_.quant.act_max);
    if (in.type == DType::kInt8) {
      variant_ = Variant::kS8;
      if (bias) ctx.require_type(*bias, "bias", DType::kInt32);
      if (kernels_ == KernelSet::kFast) {
        packed_ = fast::pack_fully_connected_s8(params_, depth_, units_, weights_data_,
                                                reinterpret_cast<const int32_t*>(bias_data_));
        scratch_bytes_ = fast::fully_connected_s8_scratch_bytes(packed_, batches_, threads_);
      }
    } else {
      if (ctx.zero_point(in) != 0 || ctx.zero_point(out) != 0) {
        ctx.fail("16x8 mode needs int16 input and output zero points 0, found ", ctx.zero_point(in),
                 " and ", ctx.zero_point(out));
      }
      variant_ = Variant::kS16x8;
      if (bias && bias->type == DType::kInt32) {
        variant_ = Variant::kS16x8Bias32;
      } else if (bias) {
        ctx.require_type(*bias, "bias", DType::kInt64);
      }
      if (kernels_ == KernelSet::kFast && variant_ == Variant::kS16x8) {
        scratch_bytes_ =
            fast::fully_connected_s16x8_scratch_bytes(batches_, depth_, units_, threads_);
      }
    }
  }

  void eval(const EvalContext& ctx) override {
    const bool fast = kernels_ == KernelSet::kFast;
    switch (variant_) {
      case Variant::kF32: {
        const float* in = ctx.data<const float>(in_index_);
        const float* w = ctx.data<const float>(weights_index_);
        const float* bias = bias_index_ >= 0 ? ctx.data<const float>(bias_index_) : nullptr;
        float* out = ctx.data<float>(out_index_);
        if (fast) {
          fast::fully_connected_f32(params_, batches_, depth_, units_, in, w, bias, out,
                                    ctx.scratch, threads_);
        } else {
          ref::fully_connected_f32(params_, batches_, depth_, units_, in, w, bias, out);
        }
        break;
      }
      case Variant::kS8:
        if (fast) {
          fast::fully_connected_s8(params_, packed_, batches_, ctx.data<const int8_t>(in_index_),
                                   ctx.data<int8_t>(out_index_), ctx.scratch, threads_);
        } else {
          ref::fully_connected_s8(
              params_, batches_, depth_, units_, ctx.data<const int8_t>(in_index_), weights_data_,
              reinterpret_cast<const int32_t*>(bias_data_), ctx.data<int8_t>(out_index_));
        }
        break;
      case Variant::kS16x8:
        if (fast) {
          fast::fully_connected_s16x8(params_, batches_, depth_, units_,
                                      ctx.data<const int16_t>(in_index_), weights_data_,
                                      reinterpret_cast<const int64_t*>(bias_data_),
                                      ctx.data<int16_t>(out_index_), ctx.scratch, threads_);
        } else {
          ref::fully_connected_s16x8(
              params_, batches_, depth_, units_, ctx.data<const int16_t>(in_index_), weights_data_,
              reinterpret_cast<const int64_t*>(bias_data_), ctx.data<int16_t>(out_index_));
        }
        break;
      case Variant::kS16x8Bias32:
        ref::fully_connected_s16x8_bias32(
            params_, batches_, depth_, units_, ctx.data<const int16_t>(in_index_), weights_data_,
            reinterpret_cast<const int32_t*>(bias_data_), ctx.data<int16_t>(out_index_));
        break;
      case Variant::kHybrid: {
        const float* in = ctx.data<const float>(in_index_);
        const float* bias = reinterpret_cast<const float*>(bias_data_);
        float* out = ctx.data<float>(out_index_);
        if (fast) {
          fast::fully_connected_hybrid(params_, packed_, batches_, in, bias, out, ctx.scratch,
                                       threads_);
        } else {
          ref::fully_connected_hybrid(params_, batches_, depth_, units_, in, weights_data_, bias,
                                      out);
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
  Variant variant_ = Variant::kF32;
  KernelSet kernels_ = KernelSet::kReference;
  int threads_ = 1;
  int batches_ = 0, depth_ = 0, units_ = 0;
  int32_t in_index_ = -1, weights_index_ = -1, bias_index_ = -1, out_index_ = -1;
  const int8_t* weights_data_ = nullptr;
  const uint8_t* bias_data_ = nullptr;
  FullyConnectedParams params_;
  std::vector<int32_t> multipliers_, shifts_;
  std::vector<float> weight_scales_;
  fast::PackedWeights packed_;
  size_t scratch_bytes_ = 0;
  int64_t macs_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> make_fully_connected_op() { return std::make_unique<FullyConnectedOp>(); }

}  // namespace nn
}  // namespace edge
