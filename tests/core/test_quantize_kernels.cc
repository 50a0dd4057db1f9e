// fast/quantize.h against ref/quantize.h, bit for bit: random values over several
// scales and zero points, every exact half step (the rounding direction), values
// next to them, NaN, +-Inf, huge and tiny values, and lengths that leave a
// vector remainder.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "nn/kernels/fast/quantize.h"
#include "nn/kernels/ref/quantize.h"

namespace edge::nn {
namespace {

std::vector<float> hard_values(float scale) {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          std::numeric_limits<float>::quiet_NaN(),
                          -std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::lowest(),
                          std::numeric_limits<float>::denorm_min(),
                          3.0e9f,
                          -3.0e9f,
                          1.0e20f,
                          8388608.0f,
                          -8388609.0f,
                          16777216.0f,
                          -16777218.0f,
                          16777216.0f * scale,
                          -33554432.0f * scale};
  for (int k = -600; k <= 600; ++k) {  // every half step of q, and the floats beside it
    const float x = (static_cast<float>(k) + 0.5f) * scale;
    v.push_back(x);
    v.push_back(std::nextafter(x, 1e30f));
    v.push_back(std::nextafter(x, -1e30f));
    v.push_back(static_cast<float>(k) * scale);
  }
  return v;
}

template <typename T, typename Kernel>
void expect_same(float scale, int32_t zero_point, const std::vector<float>& in, Kernel ref_kernel,
                 Kernel fast_kernel) {
  std::vector<T> ref_out(in.size()), fast_out(in.size());
  ref_kernel(scale, zero_point, static_cast<int64_t>(in.size()), in.data(), ref_out.data());
  fast_kernel(scale, zero_point, static_cast<int64_t>(in.size()), in.data(), fast_out.data());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(int(ref_out[i]), int(fast_out[i]))
        << "x = " << in[i] << " (element " << i << "), scale " << scale << ", zero point "
        << zero_point;
  }
}

TEST(FastQuantize, BitExactWithReference) {
  std::mt19937 rng(11);
  for (float scale : {1.0f, 0.5f, 0.00390625f, 0.0123f, 3.7e-5f, 17.0f}) {
    for (int32_t zero_point :
         {0, -128, 5, 127, -32768, 32767, 1 << 24}) {  // outside a type: ref path
      std::vector<float> values = hard_values(scale);
      std::normal_distribution<float> wide(0.0f, 200.0f * scale);
      for (int i = 0; i < 1003; ++i) values.push_back(wide(rng));  // odd length: a remainder
      expect_same<int8_t>(scale, zero_point, values, ref::quantize_f32_to_s8,
                          fast::quantize_f32_to_s8);
      expect_same<int16_t>(scale, zero_point, values, ref::quantize_f32_to_s16,
                           fast::quantize_f32_to_s16);
    }
  }
}

TEST(FastQuantize, NanIsTheZeroPointAndInfinitySaturates) {
  const float in[3] = {std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  int8_t out[3];
  fast::quantize_f32_to_s8(0.1f, -7, 3, in, out);
  EXPECT_EQ(out[0], -7);
  EXPECT_EQ(out[1], 127);
  EXPECT_EQ(out[2], -128);
}

}  // namespace
}  // namespace edge::nn
