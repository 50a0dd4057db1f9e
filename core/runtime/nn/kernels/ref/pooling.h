// Reference MAX_POOL_2D and AVERAGE_POOL_2D kernels (NHWC), TensorFlow Lite's
// reference semantics: the window of output (y, x) starts at
// (y * stride_h - pad_top, x * stride_w - pad_left) and is clipped to the image,
// so padded cells never count (an average divides by the number of valid cells).
// int8 average: int32 sum, division rounded half away from zero, clamp; int8 max:
// the largest value, clamp. Input and output share scale and zero point (the op
// layer checks). Windows that contain no valid cell cannot happen for shapes the
// op layer accepts (output size from compute_output_size). Nothing here allocates
// or throws. Thread-safe.
#pragma once

#include <cstdint>

#include "nn/kernels/kernel_params.h"

namespace edge {
namespace nn {
namespace ref {

struct PoolParams {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t filter_h = 1;
  int32_t filter_w = 1;
  int32_t pad_top = 0;
  int32_t pad_left = 0;
  float float_act_min = -3.40282347e+38f;
  float float_act_max = 3.40282347e+38f;
  int32_t act_min = -128;  // quantized clamp
  int32_t act_max = 127;
};

void average_pool_f32(const PoolParams& p, const Dims4& in_shape, const float* in,
                      const Dims4& out_shape, float* out);
void max_pool_f32(const PoolParams& p, const Dims4& in_shape, const float* in,
                  const Dims4& out_shape, float* out);
void average_pool_s8(const PoolParams& p, const Dims4& in_shape, const int8_t* in,
                     const Dims4& out_shape, int8_t* out);
void max_pool_s8(const PoolParams& p, const Dims4& in_shape, const int8_t* in,
                 const Dims4& out_shape, int8_t* out);
void average_pool_s16(const PoolParams& p, const Dims4& in_shape, const int16_t* in,
                      const Dims4& out_shape, int16_t* out);
void max_pool_s16(const PoolParams& p, const Dims4& in_shape, const int16_t* in,
                  const Dims4& out_shape, int16_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
