#include "nn/kernels/ref/conv.h"

#include <algorithm>

#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

inline int64_t offset4(const Dims4& d, int n, int h, int w, int c) {
  return ((int64_t{n} * d.h + h) * d.w + w) * d.c + c;
}

// Calls visit(in_index, filter_index) for every filter tap inside the input image
// of output position (b, oy, ox, oc); taps in the padding are skipped, as TFLite does.
template <typename Visit>
inline void for_each_tap(const ConvParams& p, const Dims4& in_shape, const Dims4& filter_shape,
                         int b, int oy, int ox, int oc, Visit&& visit) {
  const int in_y0 = oy * p.stride_h - p.pad_top;
  const int in_x0 = ox * p.stride_w - p.pad_left;
  for (int fy = 0; fy < filter_shape.h; ++fy) {
    const int in_y = in_y0 + p.dilation_h * fy;
    if (in_y < 0 || in_y >= in_shape.h) continue;
    for (int fx = 0; fx < filter_shape.w; ++fx) {
      const int in_x = in_x0 + p.dilation_w * fx;
      if (in_x < 0 || in_x >= in_shape.w) continue;
      for (int ic = 0; ic < in_shape.c; ++ic) {
        visit(offset4(in_shape, b, in_y, in_x, ic), offset4(filter_shape, oc, fy, fx, ic));
      }
    }
  }
}

// Loops over every output element in NHWC order.
template <typename Compute>
inline void for_each_output(const Dims4& out_shape, Compute&& compute) {
  for (int b = 0; b < out_shape.n; ++b) {
    for (int oy = 0; oy < out_shape.h; ++oy) {
      for (int ox = 0; ox < out_shape.w; ++ox) {
        for (int oc = 0; oc < out_shape.c; ++oc) {
          compute(b, oy, ox, oc, offset4(out_shape, b, oy, ox, oc));
        }
      }
    }
  }
}

template <typename Acc, typename Input, typename Output, typename Bias>
void conv_16x8(const ConvParams& p, const Dims4& in_shape, const Input* in,
               const Dims4& filter_shape, const int8_t* filter, const Bias* bias,
               const Dims4& out_shape, Output* out) {
  const QuantizedOutput& q = p.quant;
  for_each_output(out_shape, [&](int b, int oy, int ox, int oc, int64_t out_index) {
    Acc acc = 0;
    for_each_tap(p, in_shape, filter_shape, b, oy, ox, oc, [&](int64_t i, int64_t f) {
      acc += static_cast<Acc>(int32_t{filter[f]} * int32_t{in[i]});
    });
    if (bias != nullptr) acc += bias[oc];
    int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[oc], q.shift[oc]);
    scaled += q.output_offset;
    scaled = std::min(std::max(scaled, q.act_min), q.act_max);
    out[out_index] = static_cast<Output>(scaled);
  });
}

}  // namespace

void conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                const Dims4& filter_shape, const float* filter, const float* bias,
                const Dims4& out_shape, float* out) {
  for_each_output(out_shape, [&](int b, int oy, int ox, int oc, int64_t out_index) {
    float acc = 0.0f;
    for_each_tap(params, in_shape, filter_shape, b, oy, ox, oc,
                 [&](int64_t i, int64_t f) { acc += in[i] * filter[f]; });
    if (bias != nullptr) acc += bias[oc];
    out[out_index] = std::min(std::max(acc, params.float_out.act_min), params.float_out.act_max);
  });
}

void conv2d_s8(const ConvParams& params, const Dims4& in_shape, const int8_t* in,
               const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
               const Dims4& out_shape, int8_t* out) {
  const QuantizedOutput& q = params.quant;
  for_each_output(out_shape, [&](int b, int oy, int ox, int oc, int64_t out_index) {
    int32_t acc = 0;
    for_each_tap(params, in_shape, filter_shape, b, oy, ox, oc, [&](int64_t i, int64_t f) {
      acc += int32_t{filter[f]} * (int32_t{in[i]} + q.input_offset);
    });
    if (bias != nullptr) acc += bias[oc];
    int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[oc], q.shift[oc]);
    scaled += q.output_offset;
    scaled = std::min(std::max(scaled, q.act_min), q.act_max);
    out[out_index] = static_cast<int8_t>(scaled);
  });
}

void conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                  const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                  const Dims4& out_shape, int16_t* out) {
  conv_16x8<int64_t>(params, in_shape, in, filter_shape, filter, bias, out_shape, out);
}

void conv2d_s16x8_bias32(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                         const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
                         const Dims4& out_shape, int16_t* out) {
  conv_16x8<int32_t>(params, in_shape, in, filter_shape, filter, bias, out_shape, out);
}

void conv2d_hybrid(const ConvParams& params, const Dims4& in_shape, const float* in,
                   const Dims4& filter_shape, const int8_t* filter, const float* bias,
                   const Dims4& out_shape, float* out) {
  const int64_t batch_size = int64_t{in_shape.h} * in_shape.w * in_shape.c;
  for (int b = 0; b < out_shape.n; ++b) {
    // Quantization parameters of this batch, then each element quantized where it is
    // used (same values as quantizing the row into a buffer; no allocation).
    const HybridRowQuant row =
        hybrid_row_params(in + b * batch_size, batch_size, params.hybrid.asymmetric_inputs);
    for (int oy = 0; oy < out_shape.h; ++oy) {
      for (int ox = 0; ox < out_shape.w; ++ox) {
        for (int oc = 0; oc < out_shape.c; ++oc) {
          int32_t acc = 0;
          for_each_tap(params, in_shape, filter_shape, b, oy, ox, oc, [&](int64_t i, int64_t f) {
            acc += int32_t{filter[f]} * (int32_t{hybrid_quantize(row, in[i])} - row.offset);
          });
          float value = static_cast<float>(acc) * params.hybrid.weight_scale[oc] * row.scale;
          if (bias != nullptr) value += bias[oc];
          value = std::min(std::max(value, params.float_out.act_min), params.float_out.act_max);
          out[offset4(out_shape, b, oy, ox, oc)] = value;
        }
      }
    }
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
