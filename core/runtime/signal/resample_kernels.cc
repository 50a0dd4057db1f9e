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
#endif

#include "common/cpu_features.h"

namespace edge::signal::detail {

namespace {

// One block for a gathered run: its table rows, first input and outputs.
struct Job {
  const float* rows;
  const float* x;
  float* out;
};

// Calls gathered(std::index_sequence<0..n-1>, jobs) for n = 1..8.
template <typename Gathered>
void run_gathered(int n, const Job* jobs, int taps, Gathered gathered) {
  switch (n) {
    case 8:
      gathered(std::make_index_sequence<8>(), jobs, taps);
      break;
    case 7:
      gathered(std::make_index_sequence<7>(), jobs, taps);
      break;
    case 6:
      gathered(std::make_index_sequence<6>(), jobs, taps);
      break;
    case 5:
      gathered(std::make_index_sequence<5>(), jobs, taps);
      break;
    case 4:
      gathered(std::make_index_sequence<4>(), jobs, taps);
      break;
    case 3:
      gathered(std::make_index_sequence<3>(), jobs, taps);
      break;
    case 2:
      gathered(std::make_index_sequence<2>(), jobs, taps);
      break;
    case 1:
      gathered(std::make_index_sequence<1>(), jobs, taps);
      break;
    default:
      break;
  }
}

// Computes blocks [first, end). Per pattern g, 8 blocks of 8 periods at a time share the
// pattern's table rows (shared8: one row load feeds 8 accumulators, enough independent
// chains to keep the multiply-add units busy). The blocks left over (fewer than 8 of a
// pattern: short calls, the ends of a range) run 8 at a time with their own rows (gathered),
// which costs a second load per multiply-add instead of idle chains.
template <int Lanes, typename Shared8, typename Gathered>
void run_blocks(const BlockPlan& plan, const float* x, int64_t origin, int64_t first, int64_t end,
                float* out, Shared8 shared8, Gathered gathered) {
  const int64_t G = plan.patterns;
  const int64_t out_step = G * Lanes;
  Job pending[8];
  int waiting = 0;
  for (int64_t g = 0; g < G; ++g) {
    if (end - 1 - g < 0) continue;
    // Periods p with first <= p * G + g < end.
    int64_t p = first - g <= 0 ? 0 : (first - g + G - 1) / G;
    const int64_t p_end = (end - 1 - g) / G + 1;
    const float* rows = plan.table + g * plan.taps * Lanes;
    for (; p + 8 <= p_end; p += 8) {
      shared8(rows, plan.taps, x + (p * plan.period_inputs + plan.base[g] - origin),
              plan.period_inputs, out + ((p * G + g) - first) * Lanes, out_step);
    }
    for (; p < p_end; ++p) {
      pending[waiting++] = {rows, x + (p * plan.period_inputs + plan.base[g] - origin),
                            out + ((p * G + g) - first) * Lanes};
      if (waiting == 8) {
        run_gathered(8, pending, plan.taps, gathered);
        waiting = 0;
      }
    }
  }
  run_gathered(waiting, pending, plan.taps, gathered);
}

#if defined(EDGE_RESAMPLE_X86)

// The 8 accumulators are named by a fold over an index sequence, not indexed in a loop, so
// that -O2 keeps them in registers (GCC does not unroll such loops by itself).
template <size_t... P>
__attribute__((target("avx2,fma"))) inline void shared_avx2(std::index_sequence<P...>,
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

template <size_t... P>
__attribute__((target("avx2,fma"))) inline void gathered_avx2(std::index_sequence<P...>,
                                                              const Job* jobs, int taps) {
  __m256 acc[sizeof...(P)] = {(static_cast<void>(P), _mm256_setzero_ps())...};
  const float* rows[sizeof...(P)] = {jobs[P].rows...};
  const float* x[sizeof...(P)] = {jobs[P].x...};
  for (int t = 0; t < taps; ++t) {
    ((acc[P] = _mm256_fmadd_ps(_mm256_broadcast_ss(x[P] + t),
                               _mm256_loadu_ps(rows[P] + t * kBlockLanes), acc[P])),
     ...);
  }
  (_mm256_storeu_ps(jobs[P].out, acc[P]), ...);
}

__attribute__((target("avx2,fma"))) void kernel_avx2(const BlockPlan& plan, const float* x,
                                                     int64_t origin, int64_t first, int64_t end,
                                                     float* out) {
  run_blocks<kBlockLanes>(
      plan, x, origin, first, end, out,
      [](auto... args) { shared_avx2(std::make_index_sequence<8>(), args...); },
      [](auto blocks, const Job* jobs, int taps) { gathered_avx2(blocks, jobs, taps); });
}

// AVX-512: the same operations with 16 outputs per block, so each multiply-add does twice the
// work of the AVX2 one for the same loads (one row load and one broadcast per accumulator).
template <size_t... P>
__attribute__((target("avx512f"))) inline void shared_avx512(std::index_sequence<P...>,
                                                             const float* rows, int taps,
                                                             const float* x, int64_t x_step,
                                                             float* out, int64_t out_step) {
  __m512 acc[sizeof...(P)] = {(static_cast<void>(P), _mm512_setzero_ps())...};
  for (int t = 0; t < taps; ++t) {
    const __m512 h = _mm512_loadu_ps(rows + t * kWideBlockLanes);
    ((acc[P] = _mm512_fmadd_ps(_mm512_set1_ps(x[static_cast<int64_t>(P) * x_step + t]), h, acc[P])),
     ...);
  }
  (_mm512_storeu_ps(out + static_cast<int64_t>(P) * out_step, acc[P]), ...);
}

template <size_t... P>
__attribute__((target("avx512f"))) inline void gathered_avx512(std::index_sequence<P...>,
                                                               const Job* jobs, int taps) {
  __m512 acc[sizeof...(P)] = {(static_cast<void>(P), _mm512_setzero_ps())...};
  const float* rows[sizeof...(P)] = {jobs[P].rows...};
  const float* x[sizeof...(P)] = {jobs[P].x...};
  for (int t = 0; t < taps; ++t) {
    ((acc[P] = _mm512_fmadd_ps(_mm512_set1_ps(x[P][t]),
                               _mm512_loadu_ps(rows[P] + t * kWideBlockLanes), acc[P])),
     ...);
  }
  (_mm512_storeu_ps(jobs[P].out, acc[P]), ...);
}

__attribute__((target("avx512f"))) void kernel_avx512(const BlockPlan& plan, const float* x,
                                                      int64_t origin, int64_t first, int64_t end,
                                                      float* out) {
  run_blocks<kWideBlockLanes>(
      plan, x, origin, first, end, out,
      [](auto... args) { shared_avx512(std::make_index_sequence<8>(), args...); },
      [](auto blocks, const Job* jobs, int taps) { gathered_avx512(blocks, jobs, taps); });
}

#endif  // EDGE_RESAMPLE_X86

#if defined(EDGE_RESAMPLE_NEON)

// Four inputs per load, each used through a lane-broadcast multiply-add (AArch64), or a
// duplicated scalar (32-bit ARM, which has no by-lane fused form).
inline void step_neon(float32x4_t& lo, float32x4_t& hi, const float* xp, const float32x4_t* h) {
#if defined(__aarch64__)
  const float32x4_t v = vld1q_f32(xp);
  lo = vfmaq_laneq_f32(lo, h[0], v, 0);
  hi = vfmaq_laneq_f32(hi, h[1], v, 0);
  lo = vfmaq_laneq_f32(lo, h[2], v, 1);
  hi = vfmaq_laneq_f32(hi, h[3], v, 1);
  lo = vfmaq_laneq_f32(lo, h[4], v, 2);
  hi = vfmaq_laneq_f32(hi, h[5], v, 2);
  lo = vfmaq_laneq_f32(lo, h[6], v, 3);
  hi = vfmaq_laneq_f32(hi, h[7], v, 3);
#else
  const float32x4_t v0 = vdupq_n_f32(xp[0]), v1 = vdupq_n_f32(xp[1]);
  const float32x4_t v2 = vdupq_n_f32(xp[2]), v3 = vdupq_n_f32(xp[3]);
  lo = vfmaq_f32(lo, h[0], v0);
  hi = vfmaq_f32(hi, h[1], v0);
  lo = vfmaq_f32(lo, h[2], v1);
  hi = vfmaq_f32(hi, h[3], v1);
  lo = vfmaq_f32(lo, h[4], v2);
  hi = vfmaq_f32(hi, h[5], v2);
  lo = vfmaq_f32(lo, h[6], v3);
  hi = vfmaq_f32(hi, h[7], v3);
#endif
}

// The same with a block's own rows (gathered runs).
inline void step_neon_rows(float32x4_t& lo, float32x4_t& hi, const float* xp, const float* r) {
  const float32x4_t h[8] = {vld1q_f32(r),      vld1q_f32(r + 4),  vld1q_f32(r + 8),
                            vld1q_f32(r + 12), vld1q_f32(r + 16), vld1q_f32(r + 20),
                            vld1q_f32(r + 24), vld1q_f32(r + 28)};
  step_neon(lo, hi, xp, h);
}

template <size_t... P>
inline void shared_neon(std::index_sequence<P...>, const float* rows, int taps, const float* x,
                        int64_t x_step, float* out, int64_t out_step) {
  float32x4_t lo[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  float32x4_t hi[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  for (int t = 0; t < taps; t += 4) {
    const float* r = rows + t * kBlockLanes;
    const float32x4_t h[8] = {vld1q_f32(r),      vld1q_f32(r + 4),  vld1q_f32(r + 8),
                              vld1q_f32(r + 12), vld1q_f32(r + 16), vld1q_f32(r + 20),
                              vld1q_f32(r + 24), vld1q_f32(r + 28)};
    (step_neon(lo[P], hi[P], x + static_cast<int64_t>(P) * x_step + t, h), ...);
  }
  (vst1q_f32(out + static_cast<int64_t>(P) * out_step, lo[P]), ...);
  (vst1q_f32(out + static_cast<int64_t>(P) * out_step + 4, hi[P]), ...);
}

template <size_t... P>
inline void gathered_neon(std::index_sequence<P...>, const Job* jobs, int taps) {
  float32x4_t lo[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  float32x4_t hi[sizeof...(P)] = {(static_cast<void>(P), vdupq_n_f32(0.0f))...};
  for (int t = 0; t < taps; t += 4) {
    (step_neon_rows(lo[P], hi[P], jobs[P].x + t, jobs[P].rows + t * kBlockLanes), ...);
  }
  (vst1q_f32(jobs[P].out, lo[P]), ...);
  (vst1q_f32(jobs[P].out + 4, hi[P]), ...);
}

void kernel_neon(const BlockPlan& plan, const float* x, int64_t origin, int64_t first, int64_t end,
                 float* out) {
  run_blocks<kBlockLanes>(
      plan, x, origin, first, end, out,
      [](auto... args) { shared_neon(std::make_index_sequence<8>(), args...); },
      [](auto blocks, const Job* jobs, int taps) { gathered_neon(blocks, jobs, taps); });
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

BlockKernel avx512_block_kernel() {
#if defined(EDGE_RESAMPLE_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return kernel_avx512;
#endif
  return nullptr;
}

BlockKernel neon_block_kernel() {
#if defined(EDGE_RESAMPLE_NEON)
  return cpu_has_neon_fma() ? kernel_neon : nullptr;
#else
  return nullptr;
#endif
}

}  // namespace edge::signal::detail
