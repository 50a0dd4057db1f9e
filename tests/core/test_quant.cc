// Quantization arithmetic against hand-computed values of TFLite's definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "common/error.h"
#include "nn/quant.h"

namespace edge::nn {
namespace {

constexpr int32_t kHalf = 1 << 30;  // Q31 mantissa of 0.5

TEST(QuantizeMultiplier, PowersOfTwoAndKnownScales) {
  int32_t m = 0;
  int shift = 0;
  quantize_multiplier(0.5, &m, &shift);  // 0.5 = 0.5 * 2^0
  EXPECT_EQ(m, kHalf);
  EXPECT_EQ(shift, 0);
  quantize_multiplier(1.0, &m, &shift);  // 1 = 0.5 * 2^1
  EXPECT_EQ(m, kHalf);
  EXPECT_EQ(shift, 1);
  quantize_multiplier(0.25, &m, &shift);
  EXPECT_EQ(m, kHalf);
  EXPECT_EQ(shift, -1);
  quantize_multiplier(0.75, &m, &shift);  // 0.75 * 2^31 = 1610612736
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(shift, 0);
  // 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 -> 1717986918
  quantize_multiplier(0.1, &m, &shift);
  EXPECT_EQ(m, 1717986918);
  EXPECT_EQ(shift, -3);
}

TEST(QuantizeMultiplier, MantissaRoundingUpToOneMovesTheExponent) {
  int32_t m = 0;
  int shift = 0;
  // Just below 1.0: mantissa rounds to 2^31, which becomes 2^30 with shift + 1.
  quantize_multiplier(1.0 - 1e-12, &m, &shift);
  EXPECT_EQ(m, kHalf);
  EXPECT_EQ(shift, 1);
}

TEST(QuantizeMultiplier, ZeroTinyAndInvalid) {
  int32_t m = 7;
  int shift = 7;
  quantize_multiplier(0.0, &m, &shift);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(shift, 0);
  quantize_multiplier(1e-12, &m, &shift);  // below 2^-32: flushed to zero as TFLite
  EXPECT_EQ(m, 0);
  EXPECT_EQ(shift, 0);
  EXPECT_THROW(quantize_multiplier(-0.5, &m, &shift), Error);
  EXPECT_THROW(quantize_multiplier(std::nan(""), &m, &shift), Error);
  EXPECT_THROW(quantize_multiplier(std::ldexp(1.0, 31), &m, &shift), Error);
}

TEST(SaturatingRoundingDoublingHighMul, RoundsHalfUpAndSaturates) {
  // a * b * 2 / 2^32 with a = 3, b = 2^30: 1.5 -> 2; a = -3: -1.5 -> -1 (gemmlowp's nudge).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, kHalf), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, kHalf), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::max());
  EXPECT_EQ(saturating_rounding_doubling_high_mul(std::numeric_limits<int32_t>::max(),
                                                  std::numeric_limits<int32_t>::max()),
            std::numeric_limits<int32_t>::max() - 1);
}

TEST(RoundingDivideByPot, TiesAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);    // 1.5
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);    // 1.25
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(7, 0), 7);
  EXPECT_EQ(rounding_divide_by_pot(std::numeric_limits<int32_t>::min(), 31), -1);
  EXPECT_EQ(rounding_divide_by_pot(std::numeric_limits<int32_t>::max(), 31), 1);
}

TEST(MultiplyByQuantizedMultiplier, Int32EdgeValues) {
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{1000}, kHalf, 0), 500);
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{1000}, kHalf, 2), 2000);  // x 2
  // 1000 * 0.5 / 8 = 62.5 -> 63; -62.5 -> -63 (the second rounding is away from zero)
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{1000}, kHalf, -3), 63);
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{-1000}, kHalf, -3), -63);
  EXPECT_EQ(multiply_by_quantized_multiplier(std::numeric_limits<int32_t>::min(), kHalf, 0),
            -(1 << 30));
  EXPECT_EQ(multiply_by_quantized_multiplier(std::numeric_limits<int32_t>::max(), kHalf, 0),
            1 << 30);  // 1073741823.5 -> 1073741824
  EXPECT_EQ(multiply_by_quantized_multiplier(int32_t{12345}, 0, 0), 0);
  // Largest right shift.
  EXPECT_EQ(multiply_by_quantized_multiplier(std::numeric_limits<int32_t>::min(),
                                             std::numeric_limits<int32_t>::max(), -31),
            -1);
}

TEST(MultiplyByQuantizedMultiplier, Int64VariantFor16x8) {
  // m = 2^30 reduces to 2^14; x * 2^14 / 2^15 with the +2^14 rounding: ties go up.
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1000}, kHalf, 0), 500);
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1001}, kHalf, 0), 501);       // 500.5
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{-1001}, kHalf, 0), -500);     // -500.5
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{101000}, kHalf, -1), 25250);  // 25250.5
  // Large accumulator beyond int32.
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1} << 40, kHalf, -20),
            static_cast<int32_t>((int64_t{1} << 40) / 2 / (1 << 20)));
  // Multiplier near 2^31 saturates its 15-bit reduction at 0x7FFF.
  EXPECT_EQ(multiply_by_quantized_multiplier(int64_t{1} << 20, 0x7FFFFFFF, 0),
            static_cast<int32_t>(((int64_t{1} << 20) * 0x7FFF + (1 << 14)) >> 15));
}

TEST(ActivationRange, Int8AndInt16) {
  int32_t lo = 0;
  int32_t hi = 0;
  // scale 0.1, zero point -10: 0 -> -10, 6 -> 50, -1 -> -20, 1 -> 0.
  calculate_activation_range_int8(FusedActivation::kRelu6, 0.1f, -10, &lo, &hi);
  EXPECT_EQ(lo, -10);
  EXPECT_EQ(hi, 50);
  calculate_activation_range_int8(FusedActivation::kReluN1To1, 0.1f, -10, &lo, &hi);
  EXPECT_EQ(lo, -20);
  EXPECT_EQ(hi, 0);
  calculate_activation_range_int8(FusedActivation::kRelu, 0.1f, -10, &lo, &hi);
  EXPECT_EQ(lo, -10);
  EXPECT_EQ(hi, 127);
  calculate_activation_range_int8(FusedActivation::kNone, 0.1f, -10, &lo, &hi);
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  // 6 / 0.01 = 600 is beyond int8: clipped to the type.
  calculate_activation_range_int8(FusedActivation::kRelu6, 0.01f, 0, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 127);
  calculate_activation_range_int16(FusedActivation::kRelu6, 0.001f, 0, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 6000);
  calculate_activation_range_int16(FusedActivation::kNone, 0.001f, 0, &lo, &hi);
  EXPECT_EQ(lo, -32768);
  EXPECT_EQ(hi, 32767);
}

TEST(ActivationRange, FloatAndRefusals) {
  float lo = 0;
  float hi = 0;
  calculate_activation_range_float(FusedActivation::kRelu6, &lo, &hi);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 6.0f);
  calculate_activation_range_float(FusedActivation::kNone, &lo, &hi);
  EXPECT_EQ(lo, std::numeric_limits<float>::lowest());
  EXPECT_EQ(hi, std::numeric_limits<float>::max());
  int32_t qlo = 0;
  int32_t qhi = 0;
  EXPECT_THROW(calculate_activation_range_float(FusedActivation::kTanh, &lo, &hi), Error);
  EXPECT_THROW(calculate_activation_range_int8(FusedActivation::kSignBit, 0.1f, 0, &qlo, &qhi),
               Error);
  EXPECT_THROW(calculate_activation_range_int8(FusedActivation::kRelu, 0.0f, 0, &qlo, &qhi), Error);
  try {
    calculate_activation_range_float(FusedActivation::kTanh, &lo, &hi);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("TANH"), std::string::npos) << e.what();
  }
}

TEST(OutputMultipliers, PerTensorAndPerChannel) {
  const float weight_scales[2] = {0.25f, 0.5f};
  int32_t m[2];
  int32_t s[2];
  // 0.5 * 0.25 / 0.125 = 1 and 0.5 * 0.5 / 0.125 = 2.
  compute_output_multipliers(0.5f, weight_scales, 2, 0.125f, 2, m, s);
  EXPECT_EQ(m[0], kHalf);
  EXPECT_EQ(s[0], 1);
  EXPECT_EQ(m[1], kHalf);
  EXPECT_EQ(s[1], 2);
  compute_output_multipliers(0.5f, weight_scales, 1, 0.125f, 2, m, s);  // per-tensor repeats
  EXPECT_EQ(s[0], 1);
  EXPECT_EQ(s[1], 1);
  EXPECT_THROW(compute_output_multipliers(0.5f, weight_scales, 2, 0.125f, 3, m, s), Error);
  const float bad[1] = {-1.0f};
  EXPECT_THROW(compute_output_multipliers(0.5f, bad, 1, 0.125f, 1, m, s), Error);
}

TEST(HybridQuantize, SymmetricRow) {
  const float row[3] = {1.0f, -2.0f, 0.5f};
  int8_t q[3];
  float scale = 0;
  symmetric_quantize_floats(row, 3, q, &scale);
  // range 2: scale 2/127, x * 63.5 rounded: 63.5 -> 64, -127, 31.75 -> 32
  EXPECT_FLOAT_EQ(scale, 2.0f / 127.0f);
  EXPECT_EQ(q[0], 64);
  EXPECT_EQ(q[1], -127);
  EXPECT_EQ(q[2], 32);
  const float zeros[2] = {0.0f, 0.0f};
  symmetric_quantize_floats(zeros, 2, q, &scale);
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(q[0], 0);
  symmetric_quantize_floats(row, 0, q, &scale);  // empty row
  EXPECT_EQ(scale, 1.0f);
}

TEST(HybridQuantize, AsymmetricRow) {
  const float row[2] = {0.0f, 1.0f};
  int8_t q[2];
  float scale = 0;
  int32_t offset = 0;
  asymmetric_quantize_floats(row, 2, q, &scale, &offset);
  // [0, 1] over [-128, 127]: scale 1/255, zero point -128; 1.0 -> -128 + 255 = 127.
  EXPECT_FLOAT_EQ(scale, 1.0f / 255.0f);
  EXPECT_EQ(offset, -128);
  EXPECT_EQ(q[0], -128);
  EXPECT_EQ(q[1], 127);
  const float neg[2] = {-1.0f, 1.0f};
  asymmetric_quantize_floats(neg, 2, q, &scale, &offset);
  // [-1, 1]: scale 2/255, zero point about -0.5 (rounded to -1 or 0 depending on the
  // last bit of 1/scale); both ends must dequantize within half a step.
  EXPECT_FLOAT_EQ(scale, 2.0f / 255.0f);
  EXPECT_NEAR((q[0] - offset) * scale, -1.0f, scale / 2 + 1e-6f);
  EXPECT_NEAR((q[1] - offset) * scale, 1.0f, scale / 2 + 1e-6f);
  // Non-finite input stays in range (no UB).
  const float bad[2] = {std::nanf(""), 1.0f};
  asymmetric_quantize_floats(bad, 2, q, &scale, &offset);
  EXPECT_GE(q[0], -128);
}

}  // namespace
}  // namespace edge::nn
