// Fixed-point math, SOFTMAX, LOGISTIC, TANH and RELU reference kernels: hand-checkable
// goldens, edge cases, and bit-exact agreement with Debian's gemmlowp headers (the
// fixed-point library TFLite's reference kernels use) when they are installed.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"
#include "nn/kernels/ref/activations.h"
#include "nn/kernels/ref/fixedpoint.h"
#include "nn/kernels/ref/softmax.h"

#if __has_include(<gemmlowp/fixedpoint/fixedpoint.h>)
#include <gemmlowp/fixedpoint/fixedpoint.h>
#define EDGE_HAVE_GEMMLOWP 1
#endif

namespace edge::nn {
namespace {

namespace fp = fixedpoint;

#ifdef EDGE_HAVE_GEMMLOWP
// Raw values spread over the whole int32 range, with the small ones dense.
std::vector<int32_t> sweep() {
  std::vector<int32_t> v;
  for (int64_t x = -(int64_t{1} << 31); x < (int64_t{1} << 31); x += 9973 * 211) {
    v.push_back(static_cast<int32_t>(x));
  }
  for (int32_t x = -70000; x <= 70000; x += 7) v.push_back(x);
  v.push_back(std::numeric_limits<int32_t>::max());
  v.push_back(std::numeric_limits<int32_t>::min() + 1);
  return v;
}

TEST(FixedPoint, ExpOnNegativeValuesMatchesGemmlowp) {
  for (int32_t raw : sweep()) {
    if (raw > 0) raw = -raw;
    const int32_t ours = fp::exp_on_negative_values(fp::FixedPoint<5>::from_raw(raw)).raw;
    const int32_t theirs =
        gemmlowp::exp_on_negative_values(gemmlowp::FixedPoint<int32_t, 5>::FromRaw(raw)).raw();
    ASSERT_EQ(ours, theirs) << "raw " << raw;
  }
}

TEST(FixedPoint, LogisticAndTanhMatchGemmlowp) {
  for (int32_t raw : sweep()) {
    // gemmlowp negates its input, which is undefined for INT32_MIN (UBSan stops there); ours
    // is defined there and must still land in range.
    if (raw == std::numeric_limits<int32_t>::min()) {
      EXPECT_GE(fp::logistic(fp::FixedPoint<4>::from_raw(raw)).raw, 0);
      EXPECT_LE(fp::tanh(fp::FixedPoint<4>::from_raw(raw)).raw, 0);
      continue;
    }
    ASSERT_EQ(fp::logistic(fp::FixedPoint<4>::from_raw(raw)).raw,
              gemmlowp::logistic(gemmlowp::FixedPoint<int32_t, 4>::FromRaw(raw)).raw())
        << "raw " << raw;
    ASSERT_EQ(fp::tanh(fp::FixedPoint<4>::from_raw(raw)).raw,
              gemmlowp::tanh(gemmlowp::FixedPoint<int32_t, 4>::FromRaw(raw)).raw())
        << "raw " << raw;
  }
}

TEST(FixedPoint, ReciprocalAndRescaleMatchGemmlowp) {
  for (int32_t raw : sweep()) {
    if (raw < 0) continue;
    ASSERT_EQ(
        fp::one_over_one_plus_x_for_x_in_0_1(fp::FixedPoint<0>::from_raw(raw)).raw,
        gemmlowp::one_over_one_plus_x_for_x_in_0_1(gemmlowp::FixedPoint<int32_t, 0>::FromRaw(raw))
            .raw());
    ASSERT_EQ(fp::rescale<12>(fp::FixedPoint<0>::from_raw(raw)).raw,
              gemmlowp::Rescale<12>(gemmlowp::FixedPoint<int32_t, 0>::FromRaw(raw)).raw());
  }
}
#else
TEST(FixedPoint, GemmlowpOracle) { GTEST_SKIP() << "SKIPPED: gemmlowp headers not installed"; }
#endif

TEST(FixedPoint, HandValues) {
  // exp(0) = 1 (saturated Q0.31), exp(-1) ~ 0.3679.
  EXPECT_EQ(fp::exp_on_negative_values(fp::FixedPoint<5>::zero()).raw,
            std::numeric_limits<int32_t>::max());
  const double e1 =
      fp::exp_on_negative_values(fp::FixedPoint<5>::from_raw(-(1 << 26))).raw / 2147483648.0;
  EXPECT_NEAR(e1, std::exp(-1.0), 2e-7);  // gemmlowp is within ~1e-7 here
  EXPECT_EQ(fp::logistic(fp::FixedPoint<4>::zero()).raw, 1 << 30);
  EXPECT_EQ(fp::tanh(fp::FixedPoint<4>::zero()).raw, 0);
  EXPECT_EQ(fp::rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(fp::rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3
  EXPECT_EQ(fp::srdhm(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::max());
}

TEST(Softmax, FloatGolden) {
  const float in[] = {0.f, std::log(2.f), 5.f, 5.f};
  float out[4];
  ref::softmax_f32(1.f, 2, 2, in, out);
  EXPECT_NEAR(out[0], 1.f / 3, 1e-6);
  EXPECT_NEAR(out[1], 2.f / 3, 1e-6);
  EXPECT_NEAR(out[2], 0.5f, 1e-6);
  EXPECT_NEAR(out[3], 0.5f, 1e-6);
}

TEST(Softmax, Int8EqualInputsGiveEqualShares) {
  const ref::SoftmaxS8Params p = ref::softmax_prepare_s8(1.f, 0.1f);
  const int8_t in[4] = {7, 7, 7, 7};
  int8_t out[4];
  ref::softmax_s8(p, 1, 4, in, out);
  for (int8_t v : out) EXPECT_EQ(v, -64);  // 0.25 * 256 - 128
  int16_t out16[4];
  ref::softmax_s8_s16(p, 1, 4, in, out16);
  for (int16_t v : out16) EXPECT_EQ(v, -16384);  // 0.25 * 65536 - 32768
}

TEST(Softmax, Int8TracksFloatWithinOneStep) {
  const float scale = 0.0625f;
  const ref::SoftmaxS8Params p = ref::softmax_prepare_s8(1.f, scale);
  std::vector<int8_t> in(37);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<int8_t>(static_cast<int>(i * 29 % 256) - 128);
  std::vector<int8_t> out(in.size());
  ref::softmax_s8(p, 1, static_cast<int>(in.size()), in.data(), out.data());
  std::vector<float> fin(in.size()), fout(in.size());
  for (size_t i = 0; i < in.size(); ++i) fin[i] = scale * in[i];
  ref::softmax_f32(1.f, 1, static_cast<int>(in.size()), fin.data(), fout.data());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_NEAR((out[i] + 128) / 256.0, fout[i], 1.0 / 256 + 1e-6) << i;
  }
}

TEST(Softmax, Int8DominantAndSingleValue) {
  const ref::SoftmaxS8Params p = ref::softmax_prepare_s8(1.f, 1.f);
  // 2^26 * beta * scale = 2^26 -> multiplier 2^30, shift 27; radius floor(31 * 2^26 / 2^27) = 15.
  EXPECT_EQ(p.input_left_shift, 27);
  EXPECT_EQ(p.diff_min, -15);  // differences below -15 (e^-15.5) contribute nothing
  const int8_t in[3] = {127, -128, 0};
  int8_t out[3];
  ref::softmax_s8(p, 1, 3, in, out);
  EXPECT_EQ(out[0], 127);
  EXPECT_EQ(out[1], -128);
  EXPECT_EQ(out[2], -128);
  const int8_t one = -5;
  int8_t one_out;
  ref::softmax_s8(p, 1, 1, &one, &one_out);
  EXPECT_EQ(one_out, 127);
}

TEST(Softmax, Int16EqualInputsAndLut) {
  auto params = std::make_unique<ref::SoftmaxS16Params>();
  ref::softmax_prepare_s16(1.f, 1.f / 4096, params.get());
  // LUT ends: exp(-10) * 32768 = 1.49 (gen_lut's midpoint bias may move it by one) and
  // exp(0) = 1 -> 32767 (clamped).
  EXPECT_NEAR(params->exp_lut[0], 1, 1);
  EXPECT_EQ(params->exp_lut[512], 32767);
  EXPECT_EQ(params->one_over_one_plus_x_lut[0], 32767);
  EXPECT_EQ(params->one_over_one_plus_x_lut[512], 16384);
  const int16_t in[2] = {1000, 1000};
  int16_t out[2];
  ref::softmax_s16(*params, 1, 2, in, out);
  EXPECT_NEAR(out[0], 16384, 2);
  EXPECT_EQ(out[0], out[1]);
  const int16_t apart[2] = {0, 4096 * 3};  // 0 and 3.0: 1/(1+e^3) = 0.0474
  ref::softmax_s16(*params, 1, 2, apart, out);
  EXPECT_NEAR(out[0] / 32768.0, 0.0474, 0.002);
  EXPECT_NEAR(out[1] / 32768.0, 0.9526, 0.002);
}

TEST(Softmax, RefusesBadParameters) {
  EXPECT_THROW(ref::softmax_prepare_s8(0.f, 0.1f), Error);
  EXPECT_THROW(ref::softmax_prepare_s8(1.f, std::nanf("")), Error);
  auto params = std::make_unique<ref::SoftmaxS16Params>();
  EXPECT_THROW(ref::softmax_prepare_s16(1.f, -1.f, params.get()), Error);
}

TEST(LogisticTanh, Int8Goldens) {
  const ref::LogisticTanhS8Params p = ref::logistic_tanh_prepare_s8(0.1f, 3);
  const int8_t in[5] = {3, 13, -7, 127, -128};  // real 0, 1, -1, 12.4, -13.1
  int8_t out[5];
  ref::logistic_s8(p, 5, in, out);
  EXPECT_EQ(out[0], 0);  // 0.5 * 256 - 128
  EXPECT_NEAR((out[1] + 128) / 256.0, 1 / (1 + std::exp(-1.0)), 1.0 / 256);
  EXPECT_NEAR((out[2] + 128) / 256.0, 1 / (1 + std::exp(1.0)), 1.0 / 256);
  EXPECT_EQ(out[3], 127);
  EXPECT_EQ(out[4], -128);
  ref::tanh_s8(p, 5, in, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_NEAR(out[1] / 128.0, std::tanh(1.0), 1.0 / 128);
  EXPECT_NEAR(out[2] / 128.0, std::tanh(-1.0), 1.0 / 128);
  EXPECT_EQ(out[3], 127);
  EXPECT_EQ(out[4], -128);
}

TEST(LogisticTanh, FloatGoldens) {
  const float in[3] = {0.f, 2.f, -std::numeric_limits<float>::infinity()};
  float out[3];
  ref::logistic_f32(3, in, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_NEAR(out[1], 0.880797f, 1e-6);
  EXPECT_EQ(out[2], 0.f);
  ref::tanh_f32(3, in, out);
  EXPECT_EQ(out[0], 0.f);
  EXPECT_NEAR(out[1], 0.964028f, 1e-6);
  EXPECT_EQ(out[2], -1.f);
}

TEST(Relu, QuantizedRequantizesAndClamps) {
  // Input scale 0.5 zp 10, output scale 0.25 zp -20: x real = 0.5 * (q - 10).
  const ref::QuantizedReluParams relu6 =
      ref::relu_prepare_quantized(0.f, 6.f, 0.5f, 10, 0.25f, -20, -128, 127);
  EXPECT_EQ(relu6.act_min, -20);
  EXPECT_EQ(relu6.act_max, 4);            // -20 + 6 / 0.25
  const int8_t in[4] = {10, 12, 0, 127};  // 0, 1, -5, 58.5
  int8_t out[4];
  ref::relu_s8(relu6, 4, in, out);
  EXPECT_EQ(out[0], -20);
  EXPECT_EQ(out[1], -16);  // 1.0 / 0.25 - 20
  EXPECT_EQ(out[2], -20);
  EXPECT_EQ(out[3], 4);
  const float fin[3] = {-1.f, 3.f, 9.f};
  float fout[3];
  ref::clamp_f32(0.f, 6.f, 3, fin, fout);
  EXPECT_EQ(fout[0], 0.f);
  EXPECT_EQ(fout[1], 3.f);
  EXPECT_EQ(fout[2], 6.f);
}

}  // namespace
}  // namespace edge::nn
