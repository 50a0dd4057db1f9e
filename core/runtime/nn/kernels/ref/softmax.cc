#include "nn/kernels/ref/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "nn/kernels/ref/fixedpoint.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

void check_positive(const char* what, float value) {
  if (!(value > 0.0f) || !std::isfinite(value)) {
    throw Error(msg("SOFTMAX: ", what, " must be positive and finite, got ", value));
  }
}

int count_leading_zeros(uint32_t x) {
  if (x == 0) return 32;
  int n = 0;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

// TFLite's GetReciprocal: 1/x for x in Q(x_integer_digits), as a Q0.31 value scaled by
// 2^-num_bits_over_unit.
int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(
      (static_cast<uint32_t>(x) << headroom_plus_one) - (static_cast<uint32_t>(1) << 31));
  return fixedpoint::one_over_one_plus_x_for_x_in_0_1(
             fixedpoint::FixedPoint<0>::from_raw(shifted_sum_minus_one))
      .raw;
}

template <typename OutputT>
void softmax_quantized(const SoftmaxS8Params& params, int rows, int depth, const int8_t* in,
                       OutputT* out) {
  using FixedPointScaledDiff = fixedpoint::FixedPoint<kScaledDiffIntegerBits>;
  using FixedPointAccum = fixedpoint::FixedPoint<kAccumulationIntegerBits>;
  constexpr int32_t kOutMin = std::numeric_limits<OutputT>::min();
  constexpr int32_t kOutMax = std::numeric_limits<OutputT>::max();
  const int64_t left_scale = int64_t{1} << params.input_left_shift;

  for (int i = 0; i < rows; ++i) {
    const int8_t* row_in = in + static_cast<int64_t>(i) * depth;
    OutputT* row_out = out + static_cast<int64_t>(i) * depth;
    int32_t max_in_row = std::numeric_limits<int8_t>::min();
    for (int c = 0; c < depth; ++c) max_in_row = std::max<int32_t>(max_in_row, row_in[c]);

    FixedPointAccum sum_of_exps = FixedPointAccum::zero();
    for (int c = 0; c < depth; ++c) {
      const int32_t input_diff = int32_t{row_in[c]} - max_in_row;
      if (input_diff >= params.diff_min) {
        const int32_t rescaled = fixedpoint::srdhm(static_cast<int32_t>(input_diff * left_scale),
                                                   params.input_multiplier);
        sum_of_exps =
            sum_of_exps +
            fixedpoint::rescale<kAccumulationIntegerBits>(
                fixedpoint::exp_on_negative_values(FixedPointScaledDiff::from_raw(rescaled)));
      }
    }

    int num_bits_over_unit = 0;
    const fixedpoint::FixedPoint<0> shifted_scale = fixedpoint::FixedPoint<0>::from_raw(
        get_reciprocal(sum_of_exps.raw, kAccumulationIntegerBits, &num_bits_over_unit));

    for (int c = 0; c < depth; ++c) {
      const int32_t input_diff = int32_t{row_in[c]} - max_in_row;
      if (input_diff >= params.diff_min) {
        const int32_t rescaled = fixedpoint::srdhm(static_cast<int32_t>(input_diff * left_scale),
                                                   params.input_multiplier);
        const fixedpoint::FixedPoint<0> exp_in_0 =
            fixedpoint::exp_on_negative_values(FixedPointScaledDiff::from_raw(rescaled));
        const int32_t unsat_output = fixedpoint::rounding_divide_by_pot(
            (shifted_scale * exp_in_0).raw,
            num_bits_over_unit + 31 - static_cast<int>(sizeof(OutputT) * 8));
        const int32_t shifted_output = unsat_output + kOutMin;
        row_out[c] = static_cast<OutputT>(std::max(std::min(shifted_output, kOutMax), kOutMin));
      } else {
        row_out[c] = static_cast<OutputT>(kOutMin);
      }
    }
  }
}

}  // namespace

SoftmaxS8Params softmax_prepare_s8(float beta, float input_scale) {
  check_positive("beta", beta);
  check_positive("input scale", input_scale);
  // PreprocessSoftmaxScaling: cap the multiplier; the capped case rounds every
  // non-maximal input to exp() = 0 anyway.
  const double max_real_multiplier = static_cast<double>((int64_t{1} << 31) - 1);
  const double real_multiplier =
      std::min(static_cast<double>(beta) * static_cast<double>(input_scale) *
                   static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)),
               max_real_multiplier);
  SoftmaxS8Params params;
  int shift = 0;
  quantize_multiplier(real_multiplier, &params.input_multiplier, &shift);
  if (shift < 0) {
    // TFLite's QuantizeMultiplierGreaterThanOne requires a multiplier >= 1; a
    // smaller one (beta * scale < 2^-26) is not meaningful for int8 input.
    throw Error(msg("SOFTMAX: beta * input scale = ", static_cast<double>(beta) * input_scale,
                    " is too small for the int8 kernel (needs >= 2^-26)"));
  }
  params.input_left_shift = shift;
  // CalculateInputRadius(5, shift, 31).
  const double max_input_rescaled =
      1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
      static_cast<double>(int64_t{1} << (31 - kScaledDiffIntegerBits)) /
      static_cast<double>(int64_t{1} << shift);
  params.diff_min = -static_cast<int32_t>(std::floor(max_input_rescaled));
  return params;
}

void gen_lut_s16(double (*func)(double), double input_min, double input_max, int16_t* lut) {
  constexpr int kSteps = 512;
  const double step = (input_max - input_min) / kSteps;
  const double half_step = step / 2;
  const double output_scaling_inv = 65536.0 / 2.0;  // output range [-1, 1]
  auto clamp16 = [](double v) { return std::min(std::max(v, -32768.0), 32767.0); };
  for (int i = 0; i < kSteps; i++) {
    const double val = func(input_min + i * step);
    const double val_midpoint = func(input_min + i * step + half_step);
    const double val_next = func(input_min + (i + 1) * step);
    const double sample_val = std::round(val * output_scaling_inv);
    const double midpoint_interp_val =
        std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / 2);
    const double midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const double midpoint_err = midpoint_interp_val - midpoint_val;
    const double bias = std::round(midpoint_err / 2);
    lut[i] = static_cast<int16_t>(clamp16(sample_val - bias));
  }
  lut[kSteps] = static_cast<int16_t>(clamp16(std::round(func(input_max) * output_scaling_inv)));
}

int16_t lut_lookup_s16(int16_t value, const int16_t* lut) {
  const int index = 256 + (value >> 7);  // 0..511
  const int32_t offset = value & 0x7f;
  const int32_t base = lut[index];
  const int32_t slope = int32_t{lut[index + 1]} - lut[index];
  const int32_t delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

void softmax_prepare_s16(float beta, float input_scale, SoftmaxS16Params* params) {
  check_positive("beta", beta);
  check_positive("input scale", input_scale);
  gen_lut_s16([](double x) { return std::exp(x); }, -10.0, 0.0, params->exp_lut);
  gen_lut_s16([](double x) { return 1.0 / (1.0 + x); }, 0.0, 1.0, params->one_over_one_plus_x_lut);
  // Scale input differences so that [-65535, 0] covers [-10, 0].
  const double rescale =
      static_cast<double>(input_scale) * static_cast<double>(beta) / (10.0 / 65535.0);
  int shift = 0;
  quantize_multiplier(rescale, &params->input_multiplier, &shift);
  params->input_left_shift = shift;
}

void softmax_f32(float beta, int rows, int depth, const float* in, float* out) {
  for (int i = 0; i < rows; ++i) {
    const float* row_in = in + static_cast<int64_t>(i) * depth;
    float* row_out = out + static_cast<int64_t>(i) * depth;
    float max = std::numeric_limits<float>::lowest();
    for (int c = 0; c < depth; ++c) max = std::max(max, row_in[c]);
    float sum = 0.f;
    for (int c = 0; c < depth; ++c) {
      const float e = std::exp((row_in[c] - max) * beta);
      row_out[c] = e;
      sum += e;
    }
    for (int c = 0; c < depth; ++c) row_out[c] = row_out[c] / sum;
  }
}

void softmax_s8(const SoftmaxS8Params& params, int rows, int depth, const int8_t* in, int8_t* out) {
  softmax_quantized<int8_t>(params, rows, depth, in, out);
}

void softmax_s8_s16(const SoftmaxS8Params& params, int rows, int depth, const int8_t* in,
                    int16_t* out) {
  softmax_quantized<int16_t>(params, rows, depth, in, out);
}

void softmax_s16(const SoftmaxS16Params& params, int rows, int depth, const int16_t* in,
                 int16_t* out) {
  for (int i = 0; i < rows; ++i) {
    const int16_t* row_in = in + static_cast<int64_t>(i) * depth;
    int16_t* row_out = out + static_cast<int64_t>(i) * depth;
    int32_t max_in_row = std::numeric_limits<int16_t>::min();
    for (int c = 0; c < depth; ++c) max_in_row = std::max<int32_t>(max_in_row, row_in[c]);

    // exp(input - max) in Q0.15; the row is processed twice instead of keeping a
    // temporary (TFLite keeps a vector; the values are the same).
    int32_t sum_of_exps = 0;  // Q16.15
    auto exp_q015 = [&](int16_t x) {
      const int32_t input_diff = int32_t{x} - max_in_row;
      const int32_t scaled_diff = multiply_by_quantized_multiplier(
          input_diff, params.input_multiplier, params.input_left_shift);
      const int32_t sym_scaled_diff = scaled_diff + 32767;
      const int16_t sat = static_cast<int16_t>(std::min(std::max(sym_scaled_diff, -32768), 32767));
      return lut_lookup_s16(sat, params.exp_lut);
    };
    for (int c = 0; c < depth; ++c) sum_of_exps += exp_q015(row_in[c]);

    const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int32_t shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // 1/(1+x) needs x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
    const int32_t sym_shifted_sum = shifted_sum + (-((1 << 15) + (1 << 16)));
    const int16_t sat_sym_shifted_sum =
        static_cast<int16_t>(std::min(std::max(sym_shifted_sum, -32768), 32767));
    const int16_t reciprocal_scale_q015 =
        lut_lookup_s16(sat_sym_shifted_sum, params.one_over_one_plus_x_lut);

    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int c = 0; c < depth; ++c) {
      const int32_t result = static_cast<int32_t>(
          (static_cast<int64_t>(exp_q015(row_in[c])) * reciprocal_scale_q015 + round) >>
          right_shift);
      row_out[c] = static_cast<int16_t>(std::min(std::max(result, 0), 32767));
    }
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
