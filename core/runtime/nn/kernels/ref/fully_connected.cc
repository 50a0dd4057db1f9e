#include "nn/kernels/ref/fully_connected.h"

#include <algorithm>

#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

template <typename Acc, typename Bias>
void fully_connected_16x8(const FullyConnectedParams& params, int batches, int depth, int units,
                          const int16_t* in, const int8_t* weights, const Bias* bias,
                          int16_t* out) {
  const QuantizedOutput& q = params.quant;
  for (int b = 0; b < batches; ++b) {
    for (int u = 0; u < units; ++u) {
      Acc acc = 0;
      for (int d = 0; d < depth; ++d) {
        acc += static_cast<Acc>(int32_t{weights[int64_t{u} * depth + d]} *
                                int32_t{in[int64_t{b} * depth + d]});
      }
      if (bias != nullptr) acc += bias[u];
      int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[u], q.shift[u]);
      scaled += q.output_offset;
      scaled = std::min(std::max(scaled, q.act_min), q.act_max);
      out[int64_t{b} * units + u] = static_cast<int16_t>(scaled);
    }
  }
}

}  // namespace

void fully_connected_f32(const FullyConnectedParams& params, int batches, int depth, int units,
                         const float* in, const float* weights, const float* bias, float* out) {
  for (int b = 0; b < batches; ++b) {
    for (int u = 0; u < units; ++u) {
      float acc = 0.0f;
      for (int d = 0; d < depth; ++d) {
        acc += in[int64_t{b} * depth + d] * weights[int64_t{u} * depth + d];
      }
      if (bias != nullptr) acc += bias[u];
      out[int64_t{b} * units + u] =
          std::min(std::max(acc, params.float_out.act_min), params.float_out.act_max);
    }
  }
}

void fully_connected_s8(const FullyConnectedParams& params, int batches, int depth, int units,
                        const int8_t* in, const int8_t* weights, const int32_t* bias, int8_t* out) {
  const QuantizedOutput& q = params.quant;
  for (int b = 0; b < batches; ++b) {
    for (int u = 0; u < units; ++u) {
      int32_t acc = 0;
      for (int d = 0; d < depth; ++d) {
        acc += int32_t{weights[int64_t{u} * depth + d]} *
               (int32_t{in[int64_t{b} * depth + d]} + q.input_offset);
      }
      if (bias != nullptr) acc += bias[u];
      int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[u], q.shift[u]);
      scaled += q.output_offset;
      scaled = std::min(std::max(scaled, q.act_min), q.act_max);
      out[int64_t{b} * units + u] = static_cast<int8_t>(scaled);
    }
  }
}

void fully_connected_s16x8(const FullyConnectedParams& params, int batches, int depth, int units,
                           const int16_t* in, const int8_t* weights, const int64_t* bias,
                           int16_t* out) {
  fully_connected_16x8<int64_t>(params, batches, depth, units, in, weights, bias, out);
}

void fully_connected_s16x8_bias32(const FullyConnectedParams& params, int batches, int depth,
                                  int units, const int16_t* in, const int8_t* weights,
                                  const int32_t* bias, int16_t* out) {
  fully_connected_16x8<int32_t>(params, batches, depth, units, in, weights, bias, out);
}

void fully_connected_hybrid(const FullyConnectedParams& params, int batches, int depth, int units,
                            const float* in, const int8_t* weights, const float* bias, float* out) {
  for (int b = 0; b < batches; ++b) {
    const float* row_in = in + int64_t{b} * depth;
    const HybridRowQuant row = hybrid_row_params(row_in, depth, params.hybrid.asymmetric_inputs);
    for (int u = 0; u < units; ++u) {
      // TFLite: dot product of the quantized row, minus offset * weight row sum,
      // all in int32; then one float multiply by (input scale * weight scale).
      int32_t dot = 0;
      int32_t row_sum = 0;
      for (int d = 0; d < depth; ++d) {
        const int32_t w = weights[int64_t{u} * depth + d];
        dot += w * int32_t{hybrid_quantize(row, row_in[d])};
        row_sum += w;
      }
      dot -= row_sum * row.offset;
      const float scale = row.scale * params.hybrid.weight_scale[u];
      float value = bias != nullptr ? bias[u] : 0.0f;
      value += static_cast<float>(dot) * scale;
      out[int64_t{b} * units + u] =
          std::min(std::max(value, params.float_out.act_min), params.float_out.act_max);
    }
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
