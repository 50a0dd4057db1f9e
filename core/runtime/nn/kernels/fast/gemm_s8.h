// Internal to the fast kernels: an int32-accumulating int8 GEMM with per-ISA
// micro-kernels, and vectorized requantization. Not a public interface.
//
// C[r][c] = init[c] + sum_k A[r][k] * B[c][k]   (int32, wrapping like TFLite's int32)
// where the element types and layouts depend on the Isa:
//   kPortable:   A int8  rows of `a_stride` bytes, B int8 [channels][depth]
//   kAvx2:       A int16 rows (input + offset already added), B int16 packed as
//                [channels/8][depth/2][8][2] (depth padded to 2, channels to 8)
//   kAvx512Vnni: A int8 rows (read as uint8 = a + 128), B int8 packed as
//                [channels/8][depth/4][8][4] (depth padded to 4, channels to 8)
//   kNeon, kNeonDot: as kPortable (gemm_s8_neon.h)
// init[] carries bias and every offset correction, folded at pack time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/fast/fast_kernels.h"

namespace edge {
namespace nn {
namespace fast {
namespace detail {

// Depth of A rows / B columns the micro-kernel of `isa` reads (zero padded).
int32_t padded_depth(Isa isa, int32_t depth);
// Bytes per A element.
size_t a_element_bytes(Isa isa);
// Packs B (weights [channels][depth] int8) into packed->w8 / w16 for packed->isa and
// fills packed->row_sums. packed->out_channels/depth/padded_depth must be set.
void pack_b(const int8_t* weights, PackedWeights* packed);
// Bias folded for a constant input offset: init[c] = bias[c] + offset * row_sum[c]
// (+ the VNNI uint8 correction -128 * row_sum[c]); AVX2 adds the offset to A instead.
void fold_bias(const int32_t* bias, int32_t input_offset, PackedWeights* packed);
// The initial accumulators for a run-time offset (hybrid): same rule as fold_bias.
void init_for_offset(const PackedWeights& packed, int32_t input_offset, int32_t* init);
// Converts `count` int8 values to the A element type of `isa` (AVX2: + offset).
void convert_a(Isa isa, const int8_t* src, int count, int32_t input_offset, void* dst);
// Value a padding position of A holds so that it contributes nothing: the int8
// zero point (-offset) for int8 layouts, 0 for AVX2's offset-added int16.
int32_t a_padding_value(Isa isa, int32_t input_offset);

// C = init + A * B^T for `rows` rows; C rows are `packed.out_channels` int32.
void gemm(const PackedWeights& packed, const void* a, int rows, size_t a_stride_elements,
          const int32_t* init, int32_t* c);

// out[i] = clamp(MultiplyByQuantizedMultiplier(acc[i], m[i], s[i]) + offset) for one
// row of `count` channels, bit-exact with the scalar reference. `isa` != kPortable
// selects the AVX2 code on x86 (every x86 Isa here implies AVX2), the NEON code on ARM.
void requantize_s8(Isa isa, const int32_t* acc, int count, const int32_t* multiplier,
                   const int32_t* shift, int32_t output_offset, int32_t act_min, int32_t act_max,
                   int8_t* out);

}  // namespace detail
}  // namespace fast
}  // namespace nn
}  // namespace edge
