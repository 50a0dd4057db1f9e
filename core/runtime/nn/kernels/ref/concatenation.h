// Reference CONCATENATION along one axis. The tensors are seen as [outer, axis * inner]:
// input i contributes copy_elems[i] = dim_i(axis) * inner contiguous values per outer step.
//
// Quantized inputs whose scale and zero point equal the output's are copied; the
// others are requantized as TFLite's ConcatenationWithScaling does (float scale
// in_scale / out_scale, bias -in_zp * scale, round half away from zero, + out_zp,
// clamp to the storage range). TFLite itself refuses int8 inputs of differing
// scales; edgestream accepts them this way. Nothing here allocates or throws.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

// Plain copy for any element type of elem_bytes bytes.
void concatenation_bytes(int num_inputs, const void* const* inputs, const int64_t* copy_elems,
                         int64_t outer, size_t elem_bytes, void* out);

struct ConcatQuantInput {
  bool same_as_output = true;
  float scale = 1.f;  // in_scale / out_scale (float, as TFLite)
  float bias = 0.f;   // -in_zp * scale
};

void concatenation_s8(int num_inputs, const int8_t* const* inputs, const int64_t* copy_elems,
                      const ConcatQuantInput* quant, int32_t output_zero_point, int64_t outer,
                      int8_t* out);
void concatenation_s16(int num_inputs, const int16_t* const* inputs, const int64_t* copy_elems,
                       const ConcatQuantInput* quant, int32_t output_zero_point, int64_t outer,
                       int16_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
