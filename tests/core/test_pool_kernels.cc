// fast/pooling.h against ref/pooling.h: every type, both kinds, bit for bit, over
// random shapes, windows, strides, paddings (clipped windows at the borders) and
// activation clamps, channel counts across the fast kernel's block size included.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "nn/kernels/fast/pooling.h"
#include "nn/kernels/ref/pooling.h"

namespace edge::nn {
namespace {

struct PoolCase {
  ref::PoolParams params;
  Dims4 in, out;
};

PoolCase random_case(std::mt19937& rng, int32_t channels) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  PoolCase c;
  c.params.filter_h = pick(1, 4);
  c.params.filter_w = pick(1, 4);
  c.params.stride_h = pick(1, 3);
  c.params.stride_w = pick(1, 3);
  c.in = Dims4{pick(1, 2), pick(c.params.filter_h, 13), pick(c.params.filter_w, 13), channels};
  const bool same = pick(0, 1) == 1;  // SAME: ceil(in / stride), windows clipped at the borders
  auto out_size = [&](int32_t in, int32_t filter, int32_t stride) {
    return same ? (in + stride - 1) / stride : (in - filter) / stride + 1;
  };
  c.out = Dims4{c.in.n, out_size(c.in.h, c.params.filter_h, c.params.stride_h),
                out_size(c.in.w, c.params.filter_w, c.params.stride_w), channels};
  auto pad = [&](int32_t in, int32_t filter, int32_t stride, int32_t out) {
    return same ? std::max(0, ((out - 1) * stride + filter - in) / 2) : 0;
  };
  c.params.pad_top = pad(c.in.h, c.params.filter_h, c.params.stride_h, c.out.h);
  c.params.pad_left = pad(c.in.w, c.params.filter_w, c.params.stride_w, c.out.w);
  if (pick(0, 2) == 0) {  // a fused RELU6-like clamp on some cases
    c.params.act_min = pick(-128, 0);
    c.params.act_max = pick(1, 127);
    c.params.float_act_min = 0.0f;
    c.params.float_act_max = 6.0f;
  }
  return c;
}

template <typename T>
std::vector<T> random_values(std::mt19937& rng, int64_t n) {
  std::vector<T> v(static_cast<size_t>(n));
  if constexpr (std::is_floating_point<T>::value) {
    std::normal_distribution<float> d(0.0f, 4.0f);
    for (auto& x : v) x = d(rng);
  } else {
    std::uniform_int_distribution<int> d(std::numeric_limits<T>::lowest(),
                                         std::numeric_limits<T>::max());
    for (auto& x : v) x = static_cast<T>(d(rng));
  }
  return v;
}

template <typename T, typename Kernel>
void expect_same(const PoolCase& c, const std::vector<T>& in, Kernel ref_kernel, Kernel fast_kernel,
                 const char* what) {
  std::vector<T> ref_out(static_cast<size_t>(c.out.elements()), T{1});
  std::vector<T> fast_out(ref_out.size(), T{2});
  ref_kernel(c.params, c.in, in.data(), c.out, ref_out.data());
  fast_kernel(c.params, c.in, in.data(), c.out, fast_out.data());
  ASSERT_EQ(0, std::memcmp(ref_out.data(), fast_out.data(), ref_out.size() * sizeof(T)))
      << what << ": in " << c.in.n << "x" << c.in.h << "x" << c.in.w << "x" << c.in.c << ", filter "
      << c.params.filter_h << "x" << c.params.filter_w << ", stride " << c.params.stride_h << "x"
      << c.params.stride_w << ", pad " << c.params.pad_top << "," << c.params.pad_left;
}

TEST(FastPooling, BitExactWithReferenceForEveryTypeAndKind) {
  std::mt19937 rng(7);
  int cases = 0;
  for (int32_t channels : {1, 3, 8, 17, 32, 64, 255, 256, 300}) {
    for (int i = 0; i < 12; ++i, ++cases) {
      const PoolCase c = random_case(rng, channels);
      const auto f = random_values<float>(rng, c.in.elements());
      const auto s8 = random_values<int8_t>(rng, c.in.elements());
      const auto s16 = random_values<int16_t>(rng, c.in.elements());
      expect_same(c, f, ref::max_pool_f32, fast::max_pool_f32, "max f32");
      expect_same(c, f, ref::average_pool_f32, fast::average_pool_f32, "average f32");
      expect_same(c, s8, ref::max_pool_s8, fast::max_pool_s8, "max s8");
      expect_same(c, s8, ref::average_pool_s8, fast::average_pool_s8, "average s8");
      expect_same(c, s16, ref::max_pool_s16, fast::max_pool_s16, "max s16");
      expect_same(c, s16, ref::average_pool_s16, fast::average_pool_s16, "average s16");
    }
  }
  EXPECT_EQ(cases, 108);
}

// The thesis CNN's first pool: 3x3 stride 2 VALID over 86x86x32, int8 with a clamp.
TEST(FastPooling, ThesisPoolShape) {
  std::mt19937 rng(3);
  PoolCase c;
  c.params.filter_h = c.params.filter_w = 3;
  c.params.stride_h = c.params.stride_w = 2;
  c.params.act_min = -100;
  c.params.act_max = 90;
  c.in = Dims4{1, 86, 86, 32};
  c.out = Dims4{1, 42, 42, 32};
  const auto s8 = random_values<int8_t>(rng, c.in.elements());
  expect_same(c, s8, ref::max_pool_s8, fast::max_pool_s8, "max s8");
  expect_same(c, s8, ref::average_pool_s8, fast::average_pool_s8, "average s8");
}

}  // namespace
}  // namespace edge::nn
