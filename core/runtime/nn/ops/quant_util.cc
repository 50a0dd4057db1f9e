#include "nn/ops/quant_util.h"

#include <cmath>

namespace edge {
namespace nn {

std::vector<float> check_weight_quant(const OpContext& ctx, const Tensor& weights,
                                      int32_t channel_dim, int32_t channels) {
  const QuantParams& q = weights.quant;
  if (q.scale.empty()) {
    ctx.fail("weights '", weights.name, "' (", dtype_name(weights.type),
             ") have no quantization parameters");
  }
  if (q.scale.size() != 1 && q.scale.size() != static_cast<size_t>(channels)) {
    ctx.fail("weights '", weights.name, "' have ", q.scale.size(), " scales, expected 1 or ",
             channels, " (one per output channel)");
  }
  if (q.scale.size() > 1 && q.quantized_dimension != channel_dim) {
    ctx.fail("weights '", weights.name, "' are quantized along dimension ", q.quantized_dimension,
             ", expected ", channel_dim);
  }
  for (size_t i = 0; i < q.scale.size(); ++i) {
    if (!(q.scale[i] > 0.f) || !std::isfinite(q.scale[i])) {
      ctx.fail("weights '", weights.name, "' scale ", i, " is ", q.scale[i],
               ", expected positive and finite");
    }
  }
  for (size_t i = 0; i < q.zero_point.size(); ++i) {
    if (q.zero_point[i] != 0) {
      ctx.fail("weights '", weights.name, "' zero point ", i, " is ", q.zero_point[i],
               ", expected 0 (int8 weights are symmetric)");
    }
  }
  return q.scale;
}

void output_multipliers(const OpContext& ctx, float input_scale, const std::vector<float>& w_scales,
                        float output_scale, int32_t channels, bool per_tensor_float_product,
                        std::vector<int32_t>* multipliers, std::vector<int32_t>* shifts) {
  multipliers->assign(static_cast<size_t>(channels), 0);
  shifts->assign(static_cast<size_t>(channels), 0);
  if (w_scales.size() == 1 && per_tensor_float_product) {
    const double real =
        static_cast<double>(input_scale * w_scales[0]) / static_cast<double>(output_scale);
    int32_t m = 0;
    int shift = 0;
    quantize_multiplier(real, &m, &shift);
    multipliers->assign(static_cast<size_t>(channels), m);
    shifts->assign(static_cast<size_t>(channels), shift);
    return;
  }
  compute_output_multipliers(input_scale, w_scales.data(), static_cast<int>(w_scales.size()),
                             output_scale, channels, multipliers->data(), shifts->data());
  (void)ctx;
}

void activation_range(const OpContext& ctx, Activation activation, const Tensor& output,
                      int32_t* act_min, int32_t* act_max) {
  if (activation == Activation::kTanh || activation == Activation::kSignBit) {
    ctx.fail("fused activation ", activation_name(activation), " is not supported");
  }
  const float scale = ctx.require_per_tensor_quant(output, "output");
  const int32_t zp = ctx.zero_point(output);
  if (output.type == DType::kInt8) {
    calculate_activation_range_int8(to_fused(activation), scale, zp, act_min, act_max);
  } else {
    calculate_activation_range_int16(to_fused(activation), scale, zp, act_min, act_max);
  }
}

void activation_range_float(const OpContext& ctx, Activation activation, float* act_min,
                            float* act_max) {
  if (activation == Activation::kTanh || activation == Activation::kSignBit) {
    ctx.fail("fused activation ", activation_name(activation), " is not supported");
  }
  calculate_activation_range_float(to_fused(activation), act_min, act_max);
}

}  // namespace nn
}  // namespace edge
