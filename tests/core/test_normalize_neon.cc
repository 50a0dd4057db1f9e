// The normalization loops of normalize_neon.h: the scalar loops against hand-computed
// goldens, and on ARM the NEON loops against the scalar ones bit for bit (odd lengths,
// every channel count 1..20, NaN, +-Inf, -0.0, clamping), plus Normalizer::apply
// dispatching to them. On other CPUs the NEON comparisons skip with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "signal/normalize.h"
#include "signal/normalize_neon.h"

namespace edge::signal {
namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Bit patterns: NaN == NaN and -0.0 != +0.0 here.
std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  if (!v.empty())
    std::memcpy(out.data(), v.data(), v.size() * sizeof(float));  // data() may be null
  return out;
}

TEST(NormalizeLoops, ScalarUniformGolden) {
  // y = x * 0.25 + 1: 4 -> 2, -4 -> 0, 0 -> 1, 2 -> 1.5; clamped: 2 -> 1, -8 -> 0.
  std::vector<float> x = {4, -4, 0, 2, -8, kNan};
  detail::affine_uniform_scalar(x.data(), x.size(), 0.25f, 1.0f, false);
  EXPECT_EQ(x[0], 2.0f);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_EQ(x[2], 1.0f);
  EXPECT_EQ(x[3], 1.5f);
  EXPECT_EQ(x[4], -1.0f);
  EXPECT_TRUE(std::isnan(x[5]));
  std::vector<float> c = {4, -8, 0.5f, kNan, kInf, -kInf};
  detail::affine_uniform_scalar(c.data(), c.size(), 0.25f, 0.0f, true);
  EXPECT_EQ(bits(c), bits({1.0f, 0.0f, 0.125f, kNan, 1.0f, 0.0f}));
}

TEST(NormalizeLoops, ScalarChannelsGolden) {
  // Two channels: (x - 0) / 1 and (x - 10) / 5.
  const float scale[] = {1.0f, 0.2f};
  const float offset[] = {0.0f, -2.0f};
  std::vector<float> x = {3, 20, -1, 0, 7, 10};
  detail::affine_channels_scalar(x.data(), 3, 2, scale, offset, false);
  EXPECT_EQ(x, std::vector<float>({3, 2, -1, -2, 7, 0}));
}

TEST(NormalizeLoops, NoFramesTouchNothing) {
  float x[1] = {5.0f};
  detail::affine_uniform_scalar(x, 0, 2.0f, 1.0f, true);
  detail::affine_channels_scalar(x, 0, 1, x, x, false);
  EXPECT_EQ(x[0], 5.0f);
}

#if defined(EDGE_SIGNAL_NEON) || defined(EDGE_SIGNAL_X86)

// Deterministic values spanning the clamp edges, with specials sprinkled in.
std::vector<float> inputs(size_t n) {
  std::vector<float> v(n);
  uint32_t state = 12345;
  for (size_t i = 0; i < n; ++i) {
    state = state * 1664525u + 1013904223u;
    v[i] = static_cast<float>(static_cast<int32_t>(state >> 8) % 20000) / 1000.0f - 10.0f;
  }
  const float specials[] = {kNan, kInf, -kInf, -0.0f, 0.0f, 4.0f, -4.0f};
  for (size_t i = 0; i < n; i += 5) v[i] = specials[(i / 5) % 7];
  return v;
}

#endif

#if defined(EDGE_SIGNAL_X86)

TEST(NormalizeAvx2, UniformEqualsScalarBitForBit) {
  if (!detail::normalize_avx2_available()) GTEST_SKIP() << "SKIPPED: this CPU has no AVX2";
  for (bool clamp : {false, true}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{31},
                     size_t{1000}, size_t{30001}}) {
      std::vector<float> got = inputs(n), expected = got;
      detail::affine_uniform_avx2(got.data(), n, 0.123f, -0.37f, clamp);
      detail::affine_uniform_scalar(expected.data(), n, 0.123f, -0.37f, clamp);
      EXPECT_EQ(bits(got), bits(expected)) << "n=" << n << " clamp=" << clamp;
    }
  }
  // The clamp keeps -0.0 and NaN (offset -0.0: -0.0 + +0.0 would already be +0.0).
  std::vector<float> x = {-0.0f, kNan, 2.0f, -2.0f, 0.5f, -0.0f, kNan, 3.0f, -0.0f};
  std::vector<float> expected = x;
  detail::affine_uniform_avx2(x.data(), x.size(), 1.0f, -0.0f, true);
  detail::affine_uniform_scalar(expected.data(), expected.size(), 1.0f, -0.0f, true);
  EXPECT_EQ(bits(x), bits(expected));
  EXPECT_TRUE(std::signbit(x[0]));
}

TEST(NormalizeAvx2, NormalizerApplyMatchesScalarLoop) {
  const auto n = Normalizer::zscore({-0.0008}, {0.2161}, 1);
  std::vector<float> data = inputs(30000), expected = data;
  n.apply(data.data(), data.size());
  detail::affine_uniform_scalar(expected.data(), expected.size(), n.scale(0), n.offset(0), false);
  EXPECT_EQ(bits(data), bits(expected));
}

#endif

#if defined(EDGE_SIGNAL_NEON)

TEST(NormalizeNeon, UniformEqualsScalarBitForBit) {
  ASSERT_TRUE(detail::normalize_neon_available());
  for (bool clamp : {false, true}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{7}, size_t{8},
                     size_t{9}, size_t{15}, size_t{16}, size_t{17}, size_t{33}, size_t{1001}}) {
      std::vector<float> expected = inputs(n), got = expected;
      detail::affine_uniform_scalar(expected.data(), n, 0.123f, -0.37f, clamp);
      detail::affine_uniform_neon(got.data(), n, 0.123f, -0.37f, clamp);
      EXPECT_EQ(bits(got), bits(expected)) << "n=" << n << " clamp=" << clamp;
    }
  }
}

TEST(NormalizeNeon, ChannelsEqualScalarBitForBit) {
  for (bool clamp : {false, true}) {
    for (size_t channels = 1; channels <= 20; ++channels) {
      std::vector<float> scale(channels), offset(channels);
      for (size_t c = 0; c < channels; ++c) {
        scale[c] = 0.05f * static_cast<float>(c + 1);
        offset[c] = 0.5f - 0.1f * static_cast<float>(c);
      }
      for (size_t frames : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{13}}) {
        std::vector<float> expected = inputs(frames * channels), got = expected;
        detail::affine_channels_scalar(expected.data(), frames, channels, scale.data(),
                                       offset.data(), clamp);
        detail::affine_channels_neon(got.data(), frames, channels, scale.data(), offset.data(),
                                     clamp);
        EXPECT_EQ(bits(got), bits(expected))
            << "channels=" << channels << " frames=" << frames << " clamp=" << clamp;
      }
    }
  }
}

TEST(NormalizeNeon, ClampKeepsNegativeZeroAndNan) {
  // vmax/vmin would turn -0.0 into +0.0; the scalar rule keeps it. (The offset is -0.0:
  // -0.0 + +0.0 would already be +0.0.)
  std::vector<float> x = {-0.0f, kNan, 2.0f, -2.0f, 0.5f, -0.0f, kNan, 3.0f};
  detail::affine_uniform_neon(x.data(), x.size(), 1.0f, -0.0f, true);
  EXPECT_TRUE(std::signbit(x[0]));
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_TRUE(std::isnan(x[1]));
  EXPECT_EQ(x[2], 1.0f);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_EQ(x[4], 0.5f);
  EXPECT_TRUE(std::signbit(x[5]));
  EXPECT_TRUE(std::isnan(x[6]));
  EXPECT_EQ(x[7], 1.0f);
}

TEST(NormalizeNeon, NormalizerApplyMatchesScalarLoops) {
  // The gesture layout: 6 channels, accelerometer -4:4 g and gyroscope -2000:2000 deg/s.
  const auto n = Normalizer::minmax(
      {{-4, 4}, {-4, 4}, {-4, 4}, {-2000, 2000}, {-2000, 2000}, {-2000, 2000}}, 6, true);
  std::vector<float> data = inputs(6 * 119), expected = data;
  std::vector<float> scale(6), offset(6);
  for (int c = 0; c < 6; ++c) {
    scale[static_cast<size_t>(c)] = n.scale(c);
    offset[static_cast<size_t>(c)] = n.offset(c);
  }
  n.apply(data.data(), 119);
  detail::affine_channels_scalar(expected.data(), 119, 6, scale.data(), offset.data(), true);
  EXPECT_EQ(bits(data), bits(expected));
}

#else

TEST(NormalizeNeon, NotAvailableOffArm) {
  EXPECT_FALSE(detail::normalize_neon_available());
  GTEST_SKIP() << "NEON loops not compiled: not an ARM build (run the aarch64 cross build "
                  "under qemu, docs/cross.md)";
}

#endif

}  // namespace
}  // namespace edge::signal
