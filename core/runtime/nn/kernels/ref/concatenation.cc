#include "nn/kernels/ref/concatenation.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace edge {
namespace nn {
namespace ref {
namespace {

template <typename T>
void concatenation_quantized(int num_inputs, const T* const* inputs, const int64_t* copy_elems,
                             const ConcatQuantInput* quant, int32_t output_zero_point,
                             int64_t outer, T* out) {
  constexpr float kMin = static_cast<float>(std::numeric_limits<T>::min());
  constexpr float kMax = static_cast<float>(std::numeric_limits<T>::max());
  T* dst = out;
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < num_inputs; ++i) {
      const int64_t n = copy_elems[i];
      const T* src = inputs[i] + o * n;
      if (quant[i].same_as_output) {
        std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
      } else {
        for (int64_t j = 0; j < n; ++j) {
          const float v = std::round(src[j] * quant[i].scale + quant[i].bias) +
                          static_cast<float>(output_zero_point);
          dst[j] = static_cast<T>(std::min(std::max(v, kMin), kMax));
        }
      }
      dst += n;
    }
  }
}

}  // namespace

void concatenation_bytes(int num_inputs, const void* const* inputs, const int64_t* copy_elems,
                         int64_t outer, size_t elem_bytes, void* out) {
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < num_inputs; ++i) {
      const size_t n = static_cast<size_t>(copy_elems[i]) * elem_bytes;
      std::memcpy(dst, static_cast<const uint8_t*>(inputs[i]) + static_cast<size_t>(o) * n, n);
      dst += n;
    }
  }
}

void concatenation_s8(int num_inputs, const int8_t* const* inputs, const int64_t* copy_elems,
                      const ConcatQuantInput* quant, int32_t output_zero_point, int64_t outer,
                      int8_t* out) {
  concatenation_quantized(num_inputs, inputs, copy_elems, quant, output_zero_point, outer, out);
}

void concatenation_s16(int num_inputs, const int16_t* const* inputs, const int64_t* copy_elems,
                       const ConcatQuantInput* quant, int32_t output_zero_point, int64_t outer,
                       int16_t* out) {
  concatenation_quantized(num_inputs, inputs, copy_elems, quant, output_zero_point, outer, out);
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
