// Fast float32 -> int8/int16 QUANTIZE: the same results as ref/quantize.h bit for
// bit (q = clamp(round(x / scale) + zero_point), half away from zero, NaN -> zero
// point, +-Inf saturating), without a libm round() call per element: the quotient
// is clamped, truncated to an integer and corrected by its exact remainder, a
// branch-free loop the compiler vectorizes. Used by the QUANTIZE op of the fast
// kernel set and by stream_adapter's input conversion. Checked by
// tests/core/test_quantize_kernels.cc.
#pragma once

#include <cstdint>

namespace edge {
namespace nn {
namespace fast {

void quantize_f32_to_s8(float scale, int32_t zero_point, int64_t size, const float* in,
                        int8_t* out);
void quantize_f32_to_s16(float scale, int32_t zero_point, int64_t size, const float* in,
                         int16_t* out);

}  // namespace fast
}  // namespace nn
}  // namespace edge
