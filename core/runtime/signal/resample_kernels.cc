// The SIMD block kernels of the resampler: see resample_kernels.h.
#include "signal/resample_kernels.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGE_RESAMPLE_X86 1
#endif

#if defined(__aarch64__) || (defined(__ARM_NEON) && defined(__arm__) && defined(__ARM_FEATURE_FMA))
#include <arm_neon.h>
#define EDGE_RESAMPLE_NEON 1
#if defined(__arm__)
#include <sys/auxv.h>
#endif
#endif

namespace edge::signal::detail {

namespace {

// Runs `run(std::index_sequence<P...>, rows, taps, x, x_step, out, out_step)` for every block
// of pattern g in [first, end), up to 8 blocks (one per period) at a time: a pattern's table
// rows are loaded once for 8 accumulators, enough independent chains to keep the multiply-add
// units busy.
template <typename Run>
void for_each_pattern(const BlockPlan& plan, const float* x, int64_t origin, int64_t first,
                      int64_t end, float* out, Run run) {
  const int64_t G = plan.patterns;
  const int64_t out_step = G * kBlockLanes;
  for (int64_t g = 0; g < G; ++g) {
    if (end - 1 - g < 0) continue;
    // Periods p with first <= p * G + g < end.
    int64_t p = first - g <= 0 ? 0 : (first - g + G - 1) / G;
    const int64_t p_end = (end - 1 - g) / G + 1;
    const float* rows = plan.table + g * plan.taps * kBlockLanes;
    while (p < p_end) {
      const float* xp = x + (p * plan.period_inputs + plan.base[g] - origin);
      float* op = out + ((p * G + g) - first) * kBlockLanes;
      const int64_t n = std::min<int64_t>(8, p_end - p);
      const int64_t xs = plan.period_inputs;
      switch (n) {
        case 8:
          run(std::make_index_sequence<8>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 7:
          run(std::make_index_sequence<7>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 6:
          run(std::make_index_sequence<6>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 5:
          run(std::make_index_sequence<5>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 4:
          run(std::make_index_sequence<4>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 3:
          run(std::make_index_sequence<3>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        case 2:
          run(std::make_index_sequence<2>(), rows, plan.taps, xp, xs, op, out_step);
          break;
        default:
          run(std::make_index_sequence<1>(), rows, plan.taps, xp, xs, op, out_step);
          break;
      }
      p += n;
    }
  }
}

#if defined(EDGE_RESAMPLE_X86)

// The P accumulators are named by a fold over an index sequence, not indexed in a loop, so
// that -O2 keeps them in registers (GCC does not unroll the loop over P by itself).
template <size_t... P>
__attribute__((target("avx2,fma"))) inline void blocks_avx2(std::index_sequence<P...>,
                                                            const float* rows, int taps,
                                                            const float* x, int64_t x_step,
                                                            float* out, int64_t out_step) {
  __m256 acc[sizeof...(P)] = {(static_cast<void>(P), _mm256_setzero_ps())...};
  for (int t = 0; t < taps; ++t) {
    const __m256 h = _mm256_loadu_ps(rows + t * kBlockLanes);
    ((acc[P] = _mm256_fmadd_ps(_mm256_broadcast_ss(x + static_cast<int64_t>(P) * x_step + t), h,
                               acc[P])),
     ...);
  }
  (_mm256_storeu_ps(out + static_cast<int64_t>(P) * out_step, acc[P]), ...);
}

__attribute__((target("avx2,fma"))) void kernel_avx2(const BlockPlan& plan, const float* x,
                                                     int64_t origin, int64_t first, int64_t end,
                                                     float* out) {
  for_each_pattern(plan, x, origin, first, end, out,
                   [](auto blocks, auto... args) { blocks_avx2(blocks, args...); });
}

#endif  // EDGE_RESAMPLE_X86

#if defined(EDGE_RESAMPLE_NEON)

// Four inputs per load, each used through a lane-broadcast multiply-add (AArch64), or a
// duplicated scalar (32-bit ARM, which has no by-lane fused form).
inline void step_neon(float32x4_t& lo, float32x4_t& hi, const float* xp, float32x4_t h0l,
                      float32x4_t h0h, float32x4_t h1l, float32x4_t h1h, float32x4_t h2l,
                      float32x4_t h2h, float32x4_t h3l, float32x4_t h3h) {
#if defined(__aarch64__)
  const float32x4_t v = vld1q_f32(xp);
  lo = vfmaq_laneq_f32(lo, h0l, v, 0);
  hi = vfmaq_laneq_f32(hi, h0h, v, 0);
  lo = vfmaq_laneq_f32(lo, h1l, v, 1);
  hi = vfmaq_laneq_f32(hi, h1h, v, 1);
  lo = vfmaq_laneq_f32(lo, h2l, v, 2);
  hi = vfmaq_laneq_f32(hi, h2h, v, 2);
  lo = vfmaq_laneq_f32(lo, h3l, v, 3);
  hi = vfmaq_laneq_f32(hi, h3h, v, 3);
#else
  const float32x4_t v0 = vdupq_n_f32(xp[0]), v1 = vdupq_n_f32(xp[1]);
  const float32x4_t v2 = vdupq_n_f32(xp[2]), v3 = vdupq_n_f32(xp[3]);
  lo = vfmaq_f32(lo, h0l, v0);
  hi = vfmaq_f32(hi, h0h, v0);
  lo = vfmaq_f32(lo, h1l, v1);
  hi = vfmaq_f32(hi, h1h, v1);
  lo = vfmaq_f32(lo, h2l, v2);
  hi = vfmaq_f32(hi, h2h, v2);
  lo = vfmaq_f32(lo, h3l, v3);
  hi = vfmaq_f32(hi, h3h, v3);
#endif
}

template <size_t... P>
inline void blocks_neon(std::index_sequence<P...>, const float* rows, int taps, const float* x,
                        int64_t x_step, float* out, int64_t out_step) {
  float32x4_t lo[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  float32x4_t hi[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  for (int t = 0; t < taps; t += 4) {
    const float* r = rows + t * kBlockLanes;
    const float32x4_t h0l = vld1q_f32(r), h0h = vld1q_f32(r + 4);
    const float32x4_t h1l = vld1q_f32(r + 8), h1h = vld1q_f32(r + 12);
    const float32x4_t h2l = vld1q_f32(r + 16), h2h = vld1q_f32(r + 20);
    const float32x4_t h3l = vld1q_f32(r + 24), h3h = vld1q_f32(r + 28);
    (step_neon(lo[P], hi[P], x + static_cast<int64_t>(P) * x_step + t, h0l, h0h, h1l, h1h, h2l, h2h,
               h3l, h3h),
     ...);
  }
  (vst1q_f32(out + static_cast<int64_t>(P) * out_step, lo[P]), ...);
  (vst1q_f32(out + static_cast<int64_t>(P) * out_step + 4, hi[P]), ...);
}

void kernel_neon(const BlockPlan& plan, const float* x, int64_t origin, int64_t first, int64_t end,
                 float* out) {
  for_each_pattern(plan, x, origin, first, end, out,
                   [](auto blocks, auto... args) { blocks_neon(blocks, args...); });
}

#endif  // EDGE_RESAMPLE_NEON

}  // namespace

BlockKernel avx2_block_kernel() {
#if defined(EDGE_RESAMPLE_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kernel_avx2;
#endif
  return nullptr;
}

BlockKernel neon_block_kernel() {
#if defined(EDGE_RESAMPLE_NEON)
#if defined(__arm__)
  // HWCAP_NEON and HWCAP_VFPv4 (fused multiply-add), Linux uapi asm/hwcap.h.
  const unsigned long hwcap = getauxval(AT_HWCAP);
  if ((hwcap & (1UL << 12)) == 0 || (hwcap & (1UL << 16)) == 0) return nullptr;
#endif
  return kernel_neon;
#else
  return nullptr;
#endif
}

}  // namespace edge::signal::detail
