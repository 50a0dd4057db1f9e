#include "nn/kernels/ref/svdf.h"

#include <algorithm>
#include <limits>

#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

// TFLite accumulates SVDF sums in int32 and, on every target it runs on, wraps on overflow
// (the scrambled benchmark models do overflow). Adding through uint32 gives the same bits
// without the undefined behaviour of signed overflow in C++.
inline int32_t wrapping_add(int32_t acc, int64_t term) {
  return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(term));
}

template <typename T>
void svdf_integer(const SvdfS8Params& p, const int8_t* input, const int8_t* weights_feature,
                  const T* weights_time, const int32_t* bias, T* state, int32_t* scratch,
                  int8_t* output) {
  const int64_t state_elems = int64_t{p.batches} * p.filters * p.memory;
  // Shift the state one step to the left (the newest column is overwritten below).
  std::copy(state + 1, state + state_elems, state);

  // Feature matmul into the newest state column.
  const int32_t state_min = std::numeric_limits<T>::min();
  const int32_t state_max = std::numeric_limits<T>::max();
  for (int b = 0; b < p.batches; ++b) {
    const int8_t* in_row = input + int64_t{b} * p.input_size;
    T* column = state + int64_t{b} * p.filters * p.memory + (p.memory - 1);
    for (int f = 0; f < p.filters; ++f) {
      const int8_t* w = weights_feature + int64_t{f} * p.input_size;
      int32_t dot = 0;
      for (int c = 0; c < p.input_size; ++c)
        dot = wrapping_add(dot, int64_t{w[c]} * (in_row[c] - p.input_zero_point));
      dot = multiply_by_quantized_multiplier(dot, p.multiplier_1, p.shift_1);
      dot = std::min(std::max(state_min, dot), state_max);
      column[int64_t{f} * p.memory] = static_cast<T>(p.state_zero_point + dot);
    }
  }

  // Time matmul: one int32 per (batch, filter).
  int32_t* filter_out = scratch;
  for (int b = 0; b < p.batches; ++b) {
    const T* batch_state = state + int64_t{b} * p.filters * p.memory;
    for (int f = 0; f < p.filters; ++f) {
      const T* w = weights_time + int64_t{f} * p.memory;
      const T* s = batch_state + int64_t{f} * p.memory;
      int32_t acc = 0;
      for (int m = 0; m < p.memory; ++m)
        acc = wrapping_add(acc, int64_t{w[m]} * (int32_t{s[m]} - p.state_zero_point));
      filter_out[int64_t{b} * p.filters + f] = acc;
    }
  }

  // Bias, reduction over rank, rescale.
  int32_t* unit_out = scratch + int64_t{p.batches} * p.filters;
  for (int b = 0; b < p.batches; ++b) {
    for (int u = 0; u < p.units; ++u) {
      int32_t acc = bias ? bias[u] : 0;
      const int32_t* f = filter_out + int64_t{b} * p.filters + int64_t{u} * p.rank;
      for (int r = 0; r < p.rank; ++r) acc = wrapping_add(acc, f[r]);
      unit_out[int64_t{b} * p.units + u] = acc;
    }
  }
  for (int64_t i = 0; i < int64_t{p.batches} * p.units; ++i) {
    const int32_t x = multiply_by_quantized_multiplier(unit_out[i], p.multiplier_2, p.shift_2) +
                      p.output_zero_point;
    output[i] = static_cast<int8_t>(std::min(std::max(x, -128), 127));
  }
}

}  // namespace

void svdf_s8_state16(const SvdfS8Params& p, const int8_t* input, const int8_t* weights_feature,
                     const int16_t* weights_time, const int32_t* bias, int16_t* state,
                     int32_t* scratch, int8_t* output) {
  svdf_integer(p, input, weights_feature, weights_time, bias, state, scratch, output);
}

void svdf_s8_state8(const SvdfS8Params& p, const int8_t* input, const int8_t* weights_feature,
                    const int8_t* weights_time, const int32_t* bias, int8_t* state,
                    int32_t* scratch, int8_t* output) {
  svdf_integer(p, input, weights_feature, weights_time, bias, state, scratch, output);
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
