#include "nn/kernels/ref/depthwise_conv.h"

#include <algorithm>

#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

inline int64_t offset4(const Dims4& d, int n, int h, int w, int c) {
  return ((int64_t{n} * d.h + h) * d.w + w) * d.c + c;
}

// Loops over outputs in NHWC order (output channel oc = ic * depth_multiplier + m)
// and hands compute() the in-image taps as (input index, filter index) pairs.
template <typename Compute>
void depthwise_loops(const ConvParams& p, const Dims4& in_shape, const Dims4& filter_shape,
                     const Dims4& out_shape, Compute&& compute) {
  for (int b = 0; b < out_shape.n; ++b) {
    for (int oy = 0; oy < out_shape.h; ++oy) {
      for (int ox = 0; ox < out_shape.w; ++ox) {
        for (int ic = 0; ic < in_shape.c; ++ic) {
          for (int m = 0; m < p.depth_multiplier; ++m) {
            const int oc = ic * p.depth_multiplier + m;
            const int in_y0 = oy * p.stride_h - p.pad_top;
            const int in_x0 = ox * p.stride_w - p.pad_left;
            auto taps = [&](auto&& visit) {
              for (int fy = 0; fy < filter_shape.h; ++fy) {
                const int in_y = in_y0 + p.dilation_h * fy;
                if (in_y < 0 || in_y >= in_shape.h) continue;
                for (int fx = 0; fx < filter_shape.w; ++fx) {
                  const int in_x = in_x0 + p.dilation_w * fx;
                  if (in_x < 0 || in_x >= in_shape.w) continue;
                  visit(offset4(in_shape, b, in_y, in_x, ic), offset4(filter_shape, 0, fy, fx, oc));
                }
              }
            };
            compute(oc, offset4(out_shape, b, oy, ox, oc), taps);
          }
        }
      }
    }
  }
}

}  // namespace

void depthwise_conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                          const Dims4& filter_shape, const float* filter, const float* bias,
                          const Dims4& out_shape, float* out) {
  depthwise_loops(params, in_shape, filter_shape, out_shape,
                  [&](int oc, int64_t out_index, auto&& taps) {
                    float acc = 0.0f;
                    taps([&](int64_t i, int64_t f) { acc += in[i] * filter[f]; });
                    if (bias != nullptr) acc += bias[oc];
                    out[out_index] =
                        std::min(std::max(acc, params.float_out.act_min), params.float_out.act_max);
                  });
}

void depthwise_conv2d_s8(const ConvParams& params, const Dims4& in_shape, const int8_t* in,
                         const Dims4& filter_shape, const int8_t* filter, const int32_t* bias,
                         const Dims4& out_shape, int8_t* out) {
  const QuantizedOutput& q = params.quant;
  depthwise_loops(
      params, in_shape, filter_shape, out_shape, [&](int oc, int64_t out_index, auto&& taps) {
        int32_t acc = 0;
        taps([&](int64_t i, int64_t f) {
          acc += int32_t{filter[f]} * (int32_t{in[i]} + q.input_offset);
        });
        if (bias != nullptr) acc += bias[oc];
        int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[oc], q.shift[oc]);
        scaled += q.output_offset;
        scaled = std::min(std::max(scaled, q.act_min), q.act_max);
        out[out_index] = static_cast<int8_t>(scaled);
      });
}

void depthwise_conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                            const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                            const Dims4& out_shape, int16_t* out) {
  const QuantizedOutput& q = params.quant;
  depthwise_loops(
      params, in_shape, filter_shape, out_shape, [&](int oc, int64_t out_index, auto&& taps) {
        int64_t acc = 0;
        taps([&](int64_t i, int64_t f) { acc += int64_t{int32_t{filter[f]} * int32_t{in[i]}}; });
        if (bias != nullptr) acc += bias[oc];
        int32_t scaled = multiply_by_quantized_multiplier(acc, q.multiplier[oc], q.shift[oc]);
        scaled += q.output_offset;
        scaled = std::min(std::max(scaled, q.act_min), q.act_max);
        out[out_index] = static_cast<int16_t>(scaled);
      });
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
