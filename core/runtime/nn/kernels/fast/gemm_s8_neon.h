// Internal to the fast kernels: the ARM NEON int8 GEMM micro-kernels and requantization
// (Isa::kNeon and Isa::kNeonDot). Not a public interface; gemm_s8.cc dispatches here.
//
// Layouts are the portable ones (gemm_s8.h): A int8 rows of `a_stride` bytes, B int8
// [channels][depth] unpadded, init[] with the offsets folded exactly as for kPortable. Each
// output is a dot product along K, 16 bytes per step:
//   kNeon     vmull_s8 (int8 x int8 -> int16, exact) then vpadalq_s16 (pairwise add into
//             int32): never saturates, any int8 values (-128 included);
//   kNeonDot  SDOT (armv8.2 dotprod, four int8 products summed into each int32 lane).
// A K tail (< 16, < 8) is finished in scalar code. Sums wrap like TFLite's int32.
// Results are bit-exact with the reference kernels (tests/core/test_kernel_conformance.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/fast/fast_kernels.h"

#if defined(__aarch64__) || (defined(__ARM_NEON) && defined(__arm__))
#define EDGE_NN_NEON 1
#endif
// SDOT intrinsics: AArch64 GCC >= 8 (Jetson's GCC 7 lacks them) or clang.
#if defined(__aarch64__) && (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8))
#define EDGE_NN_NEON_DOT 1
#endif

namespace edge {
namespace nn {
namespace fast {
namespace detail {

#if defined(EDGE_NN_NEON)
// NEON usable on this CPU: always on AArch64; HWCAP_NEON on 32-bit ARM.
bool neon_supported();
// SDOT usable: built with EDGE_NN_NEON_DOT and the kernel reports asimddp (AT_HWCAP).
bool neon_dot_supported();

// C = init + A * B^T for `rows` rows (see gemm_s8.h); use_dot selects SDOT.
void gemm_neon(const PackedWeights& packed, const int8_t* a, int rows, size_t a_stride,
               const int32_t* init, int32_t* c, bool use_dot);

// Same contract as requantize_s8 (gemm_s8.h), bit-exact with the scalar reference:
// vqrdmulhq_s32 is SaturatingRoundingDoublingHighMul, and gemmlowp's round-half-away
// RoundingDivideByPOT is vrshlq_s32 after subtracting 1 from negative values.
void requantize_s8_neon(const int32_t* acc, int count, const int32_t* multiplier,
                        const int32_t* shift, int32_t output_offset, int32_t act_min,
                        int32_t act_max, int8_t* out);
#endif

}  // namespace detail
}  // namespace fast
}  // namespace nn
}  // namespace edge
