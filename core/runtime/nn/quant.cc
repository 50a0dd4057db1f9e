#include "nn/quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace edge {
namespace nn {

const char* fused_activation_name(FusedActivation activation) {
  switch (activation) {
    case FusedActivation::kNone:
      return "NONE";
    case FusedActivation::kRelu:
      return "RELU";
    case FusedActivation::kReluN1To1:
      return "RELU_N1_TO_1";
    case FusedActivation::kRelu6:
      return "RELU6";
    case FusedActivation::kTanh:
      return "TANH";
    case FusedActivation::kSignBit:
      return "SIGN_BIT";
  }
  return "UNKNOWN";
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t ab = int64_t{a} * int64_t{b};
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division, not a shift: gemmlowp truncates toward zero here.
  const int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : high;
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

void quantize_multiplier(double real_multiplier, int32_t* quantized_multiplier, int* shift) {
  if (!std::isfinite(real_multiplier) || real_multiplier < 0.0) {
    throw Error(msg("quantization multiplier ", real_multiplier,
                    " is invalid: expected a finite value >= 0"));
  }
  if (real_multiplier == 0.0) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  int exponent = 0;
  const double mantissa = std::frexp(real_multiplier, &exponent);
  int64_t fixed =
      static_cast<int64_t>(std::round(mantissa * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {  // mantissa rounded up to 1.0
    fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {  // too small to represent: TFLite flushes to zero
    exponent = 0;
    fixed = 0;
  }
  if (exponent > 30) {
    throw Error(msg("quantization multiplier ", real_multiplier,
                    " is too large: expected < 2^30 (check the tensor scales)"));
  }
  *quantized_multiplier = static_cast<int32_t>(fixed);
  *shift = exponent;
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // TFLite computes x * (1 << left_shift) in int32; wrap the same way without UB.
  const int32_t shifted =
      static_cast<int32_t>(static_cast<uint32_t>(x) * (uint32_t{1} << left_shift));
  return rounding_divide_by_pot(
      saturating_rounding_doubling_high_mul(shifted, quantized_multiplier), right_shift);
}

int32_t multiply_by_quantized_multiplier(int64_t x, int32_t quantized_multiplier, int shift) {
  const int32_t reduced_multiplier =
      quantized_multiplier < 0x7FFF0000 ? ((quantized_multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t rounded = x * int64_t{reduced_multiplier} + (int64_t{1} << (total_shift - 1));
  return static_cast<int32_t>(rounded >> total_shift);
}

void calculate_activation_range_quantized(FusedActivation activation, float output_scale,
                                          int32_t output_zero_point, int32_t qmin, int32_t qmax,
                                          int32_t* act_min, int32_t* act_max) {
  if (!(output_scale > 0.0f) || !std::isfinite(output_scale)) {
    throw Error(msg("output scale ", output_scale, " is invalid: expected a finite value > 0"));
  }
  auto quantize = [&](float value) {
    return output_zero_point + static_cast<int32_t>(std::round(value / output_scale));
  };
  switch (activation) {
    case FusedActivation::kNone:
      *act_min = qmin;
      *act_max = qmax;
      return;
    case FusedActivation::kRelu:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = qmax;
      return;
    case FusedActivation::kRelu6:
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = std::min(qmax, quantize(6.0f));
      return;
    case FusedActivation::kReluN1To1:
      *act_min = std::max(qmin, quantize(-1.0f));
      *act_max = std::min(qmax, quantize(1.0f));
      return;
    default:
      break;
  }
  throw Error(msg("fused activation ", fused_activation_name(activation),
                  " is not supported: expected NONE, RELU, RELU_N1_TO_1 or RELU6"));
}

void calculate_activation_range_int8(FusedActivation activation, float output_scale,
                                     int32_t output_zero_point, int32_t* act_min,
                                     int32_t* act_max) {
  calculate_activation_range_quantized(activation, output_scale, output_zero_point, -128, 127,
                                       act_min, act_max);
}

void calculate_activation_range_int16(FusedActivation activation, float output_scale,
                                      int32_t output_zero_point, int32_t* act_min,
                                      int32_t* act_max) {
  calculate_activation_range_quantized(activation, output_scale, output_zero_point, -32768, 32767,
                                       act_min, act_max);
}

void calculate_activation_range_float(FusedActivation activation, float* act_min, float* act_max) {
  switch (activation) {
    case FusedActivation::kNone:
      *act_min = std::numeric_limits<float>::lowest();
      *act_max = std::numeric_limits<float>::max();
      return;
    case FusedActivation::kRelu:
      *act_min = 0.0f;
      *act_max = std::numeric_limits<float>::max();
      return;
    case FusedActivation::kRelu6:
      *act_min = 0.0f;
      *act_max = 6.0f;
      return;
    case FusedActivation::kReluN1To1:
      *act_min = -1.0f;
      *act_max = 1.0f;
      return;
    default:
      break;
  }
  throw Error(msg("fused activation ", fused_activation_name(activation),
                  " is not supported: expected NONE, RELU, RELU_N1_TO_1 or RELU6"));
}

void compute_output_multipliers(float input_scale, const float* weight_scales,
                                int weight_scale_count, float output_scale, int channels,
                                int32_t* multipliers, int32_t* shifts) {
  if (weight_scale_count != 1 && weight_scale_count != channels) {
    throw Error(msg("weight quantization has ", weight_scale_count,
                    " scales: expected 1 (per-tensor) or ", channels, " (per output channel)"));
  }
  auto check = [](const char* what, float scale) {
    if (!(scale > 0.0f) || !std::isfinite(scale)) {
      throw Error(msg(what, " scale ", scale, " is invalid: expected a finite value > 0"));
    }
  };
  check("input", input_scale);
  check("output", output_scale);
  for (int c = 0; c < channels; ++c) {
    const float weight_scale = weight_scales[weight_scale_count == 1 ? 0 : c];
    check("weight", weight_scale);
    const double effective = static_cast<double>(input_scale) * static_cast<double>(weight_scale) /
                             static_cast<double>(output_scale);
    int shift = 0;
    quantize_multiplier(effective, &multipliers[c], &shift);
    shifts[c] = shift;
  }
}

HybridRowQuant hybrid_row_params(const float* values, int64_t size, bool asymmetric) {
  HybridRowQuant row;
  row.qmin = asymmetric ? -128 : -127;
  if (size <= 0) return row;
  const auto minmax = std::minmax_element(values, values + size);
  if (!asymmetric) {
    const float range = std::max(std::abs(*minmax.first), std::abs(*minmax.second));
    if (range == 0.0f) return row;
    constexpr int32_t kScale = 127;
    row.scale = range / kScale;
    row.inverse = kScale / range;
    return row;
  }
  const double qmin = -128.0;
  const double qmax = 127.0;
  const double rmin = static_cast<double>(std::min(0.0f, *minmax.first));
  const double rmax = static_cast<double>(std::max(0.0f, *minmax.second));
  if (rmin == rmax) return row;
  const double real_scale = (rmax - rmin) / (qmax - qmin);
  const double zero_point_from_min = qmin - rmin / real_scale;
  const double zero_point_from_max = qmax - rmax / real_scale;
  const double zero_point_from_min_error = std::abs(qmin) + std::abs(rmin / real_scale);
  const double zero_point_from_max_error = std::abs(qmax) + std::abs(rmax / real_scale);
  const double zero_point = zero_point_from_min_error < zero_point_from_max_error
                                ? zero_point_from_min
                                : zero_point_from_max;
  if (zero_point <= qmin) {
    row.offset = -128;
  } else if (zero_point >= qmax) {
    row.offset = 127;
  } else {
    row.offset = static_cast<int32_t>(std::round(zero_point));
  }
  row.scale = static_cast<float>(real_scale);
  row.inverse = 1.0f / row.scale;
  return row;
}

int8_t hybrid_quantize(const HybridRowQuant& row, float value) {
  const float scaled = std::round(static_cast<float>(row.offset) + value * row.inverse);
  // Clamp in float before converting: NaN or huge values must not overflow the int
  // conversion (TFLite converts first; for finite in-range values the result is equal).
  if (!(scaled >= static_cast<float>(row.qmin))) return static_cast<int8_t>(row.qmin);
  if (scaled > 127.0f) return 127;
  return static_cast<int8_t>(static_cast<int32_t>(scaled));
}

void symmetric_quantize_floats(const float* values, int size, int8_t* quantized, float* scale) {
  const HybridRowQuant row = hybrid_row_params(values, size, false);
  for (int i = 0; i < size; ++i) quantized[i] = hybrid_quantize(row, values[i]);
  *scale = row.scale;
}

void asymmetric_quantize_floats(const float* values, int size, int8_t* quantized, float* scale,
                                int32_t* offset) {
  const HybridRowQuant row = hybrid_row_params(values, size, true);
  for (int i = 0; i < size; ++i) quantized[i] = hybrid_quantize(row, values[i]);
  *scale = row.scale;
  *offset = row.offset;
}

}  // namespace nn
}  // namespace edge
