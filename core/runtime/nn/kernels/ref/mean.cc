#include "nn/kernels/ref/mean.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace ref {
namespace {

std::vector<bool> reduced_axes(const Shape& in, const std::vector<int32_t>& axes) {
  const int rank = static_cast<int>(in.size());
  std::vector<bool> reduced(in.size(), false);
  for (int32_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      throw Error(
          msg("MEAN: axis ", axis, " is out of range for input shape ", shape_to_string(in)));
    }
    reduced[static_cast<size_t>(axis < 0 ? axis + rank : axis)] = true;
  }
  return reduced;
}

template <typename T, typename Acc, typename Fn>
void accumulate(const ReduceShape& s, const T* in, Acc* acc, Fn&& value) {
  std::fill(acc, acc + s.out_elements, Acc{0});
  int64_t i = 0;
  for (int32_t i0 = 0; i0 < s.in_dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < s.in_dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < s.in_dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < s.in_dims[3]; ++i3)
          for (int32_t i4 = 0; i4 < s.in_dims[4]; ++i4) {
            const int64_t base = i0 * s.out_stride[0] + i1 * s.out_stride[1] +
                                 i2 * s.out_stride[2] + i3 * s.out_stride[3] + i4 * s.out_stride[4];
            for (int32_t i5 = 0; i5 < s.in_dims[5]; ++i5) {
              acc[base + i5 * s.out_stride[5]] += value(in[i++]);
            }
          }
}

}  // namespace

Shape reduce_output_shape(const Shape& in, const std::vector<int32_t>& axes, bool keep_dims) {
  const std::vector<bool> reduced = reduced_axes(in, axes);
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!reduced[d]) {
      out.push_back(in[d]);
    } else if (keep_dims) {
      out.push_back(1);
    }
  }
  return out;
}

ReduceShape make_reduce_shape(const Shape& in, const std::vector<int32_t>& axes) {
  if (in.size() > static_cast<size_t>(kMaxReduceRank)) {
    throw Error(msg("MEAN: input shape ", shape_to_string(in), " has more than ", kMaxReduceRank,
                    " dimensions"));
  }
  const std::vector<bool> reduced = reduced_axes(in, axes);
  ReduceShape s;
  const int pad = kMaxReduceRank - static_cast<int>(in.size());
  int64_t stride = 1;
  for (int d = static_cast<int>(in.size()) - 1; d >= 0; --d) {
    s.in_dims[pad + d] = in[static_cast<size_t>(d)];
    if (reduced[static_cast<size_t>(d)]) {
      s.out_stride[pad + d] = 0;
      s.reduced_count *= in[static_cast<size_t>(d)];
    } else {
      s.out_stride[pad + d] = stride;
      stride *= in[static_cast<size_t>(d)];
    }
  }
  s.out_elements = stride;
  return s;
}

MeanS8Params mean_prepare_s8(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point) {
  if (!(input_scale > 0.f) || !std::isfinite(input_scale) || !(output_scale > 0.f) ||
      !std::isfinite(output_scale)) {
    throw Error(msg("MEAN: scales must be positive and finite, got input ", input_scale,
                    " and output ", output_scale));
  }
  MeanS8Params p;
  p.input_zero_point = input_zero_point;
  p.output_zero_point = output_zero_point;
  int shift = 0;
  quantize_multiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale),
                      &p.multiplier, &shift);
  p.shift = shift;
  return p;
}

void mean_f32(const ReduceShape& shape, const float* in, float* acc, float* out) {
  accumulate(shape, in, acc, [](float x) { return x; });
  const float count = static_cast<float>(shape.reduced_count);
  for (int64_t i = 0; i < shape.out_elements; ++i) out[i] = acc[i] / count;
}

void mean_s8(const ReduceShape& shape, const MeanS8Params& p, const int8_t* in, int32_t* acc,
             int8_t* out) {
  const int32_t zp = p.input_zero_point;
  accumulate(shape, in, acc, [zp](int8_t x) { return int32_t{x} - zp; });
  const int32_t count = static_cast<int32_t>(shape.reduced_count);
  for (int64_t i = 0; i < shape.out_elements; ++i) {
    int32_t v = multiply_by_quantized_multiplier(acc[i], p.multiplier, p.shift);
    v = v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
    v += p.output_zero_point;
    out[i] = static_cast<int8_t>(std::min(std::max(v, -128), 127));
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
