// ARM NEON int8 GEMM and requantization: see gemm_s8_neon.h.
#include "nn/kernels/fast/gemm_s8_neon.h"

#if defined(EDGE_NN_NEON)

#include <arm_neon.h>

#include <algorithm>

#include "common/cpu_features.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace fast {
namespace detail {
namespace {

// [sum(a0), sum(a1), sum(a2), sum(a3)].
inline int32x4_t reduce4(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3) {
#if defined(__aarch64__)
  return vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
#else
  const int32x2_t s0 = vpadd_s32(vget_low_s32(a0), vget_high_s32(a0));
  const int32x2_t s1 = vpadd_s32(vget_low_s32(a1), vget_high_s32(a1));
  const int32x2_t s2 = vpadd_s32(vget_low_s32(a2), vget_high_s32(a2));
  const int32x2_t s3 = vpadd_s32(vget_low_s32(a3), vget_high_s32(a3));
  return vcombine_s32(vpadd_s32(s0, s1), vpadd_s32(s2, s3));
#endif
}

namespace plain {
#include "nn/kernels/fast/gemm_s8_neon_kernel.inc"
}  // namespace plain

#if defined(EDGE_NN_NEON_DOT)
#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")
#define EDGE_NN_NEON_KERNEL_DOT 1
namespace dot {
#include "nn/kernels/fast/gemm_s8_neon_kernel.inc"
}  // namespace dot
#undef EDGE_NN_NEON_KERNEL_DOT
#pragma GCC pop_options
#endif

}  // namespace

bool neon_supported() { return cpu_has_neon(); }

bool neon_dot_supported() {
#if defined(EDGE_NN_NEON_DOT)
  return cpu_has_neon_dot();
#else
  return false;  // the dot-product kernels are not compiled in
#endif
}

void gemm_neon(const PackedWeights& packed, const int8_t* a, int rows, size_t a_stride,
               const int32_t* init, int32_t* c, bool use_dot) {
#if defined(EDGE_NN_NEON_DOT)
  if (use_dot) {
    dot::neon_gemm(packed, a, rows, a_stride, init, c);
    return;
  }
#else
  (void)use_dot;
#endif
  plain::neon_gemm(packed, a, rows, a_stride, init, c);
}

void requantize_s8_neon(const int32_t* acc, int count, const int32_t* multiplier,
                        const int32_t* shift, int32_t output_offset, int32_t act_min,
                        int32_t act_max, int8_t* out) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t offset = vdupq_n_s32(output_offset);
  const int32x4_t lo = vdupq_n_s32(act_min);
  const int32x4_t hi = vdupq_n_s32(act_max);
  int i = 0;
  for (; i + 8 <= count; i += 8) {
    int16x4_t halves[2];
    for (int h = 0; h < 2; ++h) {
      const int32x4_t s = vld1q_s32(shift + i + 4 * h);
      const int32x4_t left = vmaxq_s32(s, zero);
      const int32x4_t minus_right = vminq_s32(s, zero);  // -right_shift, <= 0
      // x * 2^left wraps (bits shifted out are lost), as the reference.
      const int32x4_t x = vshlq_s32(vld1q_s32(acc + i + 4 * h), left);
      int32x4_t y = vqrdmulhq_s32(x, vld1q_s32(multiplier + i + 4 * h));
      // Round half away from zero: negative values step down by one before the
      // round-half-up shift (the sign bit survives the AND only when right > 0).
      const int32x4_t fixup = vshrq_n_s32(vandq_s32(y, minus_right), 31);
      y = vrshlq_s32(vqaddq_s32(y, fixup), minus_right);
      y = vminq_s32(vmaxq_s32(vaddq_s32(y, offset), lo), hi);
      halves[h] = vmovn_s32(y);
    }
    vst1_s8(out + i, vmovn_s16(vcombine_s16(halves[0], halves[1])));
  }
  for (; i < count; ++i) {
    const int32_t v =
        multiply_by_quantized_multiplier(acc[i], multiplier[i], shift[i]) + output_offset;
    out[i] = static_cast<int8_t>(std::min(std::max(v, act_min), act_max));
  }
}

}  // namespace detail
}  // namespace fast
}  // namespace nn
}  // namespace edge

#endif  // EDGE_NN_NEON
