// The normalization hot loops (normalize.h): y = x * scale + offset, optionally clamped to
// [0, 1], in a scalar, an ARM NEON and (uniform map only) an x86 AVX2 version.
// Normalizer::apply() picks NEON or AVX2 when the CPU has it; tests and
// bench/neon_instructions.sh call each directly.
//
// Both compute float(float(x * scale) + offset): a multiply and an add, each rounded (no
// fused multiply-add, as the scalar code compiled with -std=c++17, where GCC does not
// contract), so NEON and scalar results are bit-identical, NaN and -0.0 included: the
// clamp is compare-and-select with the scalar's exact rule (y < 0 -> 0, y > 1 -> 1, NaN
// and -0.0 kept), not vmax/vmin (which turn -0.0 into +0.0).
//
// Thread safety: pure functions of their arguments; data is modified in place or written to dst.
#pragma once

#include <cstddef>

#if defined(__aarch64__) || (defined(__ARM_NEON) && defined(__arm__))
#define EDGE_SIGNAL_NEON 1
#endif
#if defined(__x86_64__)
#define EDGE_SIGNAL_X86 1
#endif

namespace edge::signal::detail {

// dst[i] = y(src[i]) for i < count, one map for every value. src == dst (in place), or the
// two do not overlap; the in-place overloads below pass data as both.
void affine_uniform_scalar(const float* src, float* dst, size_t count, float scale, float offset,
                           bool clamp);
inline void affine_uniform_scalar(float* data, size_t count, float scale, float offset,
                                  bool clamp) {
  affine_uniform_scalar(data, data, count, scale, offset, clamp);
}
// Interleaved frames: data[f * channels + c] = y_c(...) with scale[c], offset[c].
void affine_channels_scalar(float* data, size_t frames, size_t channels, const float* scale,
                            const float* offset, bool clamp);

// NEON can run here: always on AArch64, HWCAP_NEON on 32-bit ARM, never elsewhere.
bool normalize_neon_available();

#if defined(EDGE_SIGNAL_NEON)
// Same contracts as the scalar versions; four floats per instruction, scalar tail.
void affine_uniform_neon(const float* src, float* dst, size_t count, float scale, float offset,
                         bool clamp);
inline void affine_uniform_neon(float* data, size_t count, float scale, float offset, bool clamp) {
  affine_uniform_neon(data, data, count, scale, offset, clamp);
}
// Channel counts 1..4 and multiples of 4 use per-lane scale/offset vectors over whole
// frames; other counts run the lane pattern of lcm(channels, 4) values.
void affine_channels_neon(float* data, size_t frames, size_t channels, const float* scale,
                          const float* offset, bool clamp);
#endif

#if defined(EDGE_SIGNAL_X86)
// The CPU has AVX2 (asked once).
bool normalize_avx2_available();
// The scalar uniform loop's contract, eight floats per instruction (normalize_x86.cc).
void affine_uniform_avx2(const float* src, float* dst, size_t count, float scale, float offset,
                         bool clamp);
inline void affine_uniform_avx2(float* data, size_t count, float scale, float offset, bool clamp) {
  affine_uniform_avx2(data, data, count, scale, offset, clamp);
}
#endif

}  // namespace edge::signal::detail
