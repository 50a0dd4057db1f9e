// Reference MEAN kernel over any set of axes (rank <= kMaxReduceRank).
//
// float: sum in float, divided by the number of reduced elements.
// int8: int32 sum of (x - input_zp) over the reduced axes, then TFLite's integer
//   Mean (reference_integer_ops::Mean, the path TFLite and TFLite Micro take for the
//   usual 4-D height/width mean): MBQM by input_scale / output_scale, division by
//   the count rounded half away from zero, + output_zp, clamp to int8. (For other
//   axis sets TFLite falls back to a float computation that can differ by one
//   step; edgestream uses the integer path for all.)
// The caller passes an int32 (or float) accumulator array of output size.
// Nothing here allocates or throws except mean_prepare_s8. Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace edge {
namespace nn {
namespace ref {

constexpr int kMaxReduceRank = 6;

struct ReduceShape {
  int32_t in_dims[kMaxReduceRank] = {1, 1, 1, 1, 1, 1};  // padded on the left
  int64_t out_stride[kMaxReduceRank] = {};  // output stride per input dim (0 when reduced)
  int64_t out_elements = 1;
  int64_t reduced_count = 1;  // elements averaged into each output
};

// axes: each in [-rank, rank), duplicates allowed. Throws edge::Error naming the shape
// and axis when an axis is out of range or the rank exceeds kMaxReduceRank.
ReduceShape make_reduce_shape(const Shape& in, const std::vector<int32_t>& axes);
// The output shape: reduced axes removed, or kept as 1 with keep_dims.
Shape reduce_output_shape(const Shape& in, const std::vector<int32_t>& axes, bool keep_dims);

struct MeanS8Params {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int32_t shift = 0;
};
MeanS8Params mean_prepare_s8(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point);

void mean_f32(const ReduceShape& shape, const float* in, float* acc, float* out);
void mean_s8(const ReduceShape& shape, const MeanS8Params& params, const int8_t* in, int32_t* acc,
             int8_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
