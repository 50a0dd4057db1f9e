// The AVX2 version of the uniform normalization loop (normalize_neon.h).
#include "signal/normalize_neon.h"

#if defined(EDGE_SIGNAL_X86)
#include <immintrin.h>

namespace edge::signal::detail {

bool normalize_avx2_available() {
  static const bool available = __builtin_cpu_supports("avx2");
  return available;
}

// Eight floats per step: a multiply and an add, each rounded (the build has
// -ffp-contract=off and no FMA is asked for), so every value equals the scalar loop's. The
// clamp is compare-and-blend with ordered compares: NaN and -0.0 fail both tests and are kept,
// as in the scalar rule.
__attribute__((target("avx2"))) void affine_uniform_avx2(const float* src, float* dst, size_t count,
                                                         float scale, float offset, bool clamp) {
  const __m256 s = _mm256_set1_ps(scale), o = _mm256_set1_ps(offset);
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  size_t i = 0;
  if (clamp) {
    for (; i + 8 <= count; i += 8) {
      const __m256 y = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(src + i), s), o);
      __m256 r = _mm256_blendv_ps(y, zero, _mm256_cmp_ps(y, zero, _CMP_LT_OQ));
      r = _mm256_blendv_ps(r, one, _mm256_cmp_ps(y, one, _CMP_GT_OQ));
      _mm256_storeu_ps(dst + i, r);
    }
  } else {
    for (; i + 8 <= count; i += 8)
      _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(src + i), s), o));
  }
  affine_uniform_scalar(src + i, dst + i, count - i, scale, offset, clamp);
}

}  // namespace edge::signal::detail

#endif  // EDGE_SIGNAL_X86
