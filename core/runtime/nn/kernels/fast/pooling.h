// Fast MAX_POOL_2D and AVERAGE_POOL_2D (NHWC): the same parameters and results as
// ref/pooling.h, bit for bit for every type (each channel sees the same window
// cells in the same order; only the loop nest differs). The reference walks one
// channel at a time through the window, striding over the channel count; here each
// window cell is one contiguous run of channels, combined into a row of per-channel
// accumulators, so the inner loop is unit-stride and vectorizes. Nothing allocates
// or throws; the accumulators of the average live on the stack in blocks of
// kPoolChannelBlock channels. Thread-safe. Checked by tests/core/test_pool_kernels.cc.
#pragma once

#include <cstdint>

#include "nn/kernels/ref/pooling.h"

namespace edge {
namespace nn {
namespace fast {

constexpr int32_t kPoolChannelBlock = 256;

void average_pool_f32(const ref::PoolParams& p, const Dims4& in_shape, const float* in,
                      const Dims4& out_shape, float* out);
void max_pool_f32(const ref::PoolParams& p, const Dims4& in_shape, const float* in,
                  const Dims4& out_shape, float* out);
void average_pool_s8(const ref::PoolParams& p, const Dims4& in_shape, const int8_t* in,
                     const Dims4& out_shape, int8_t* out);
void max_pool_s8(const ref::PoolParams& p, const Dims4& in_shape, const int8_t* in,
                 const Dims4& out_shape, int8_t* out);
void average_pool_s16(const ref::PoolParams& p, const Dims4& in_shape, const int16_t* in,
                      const Dims4& out_shape, int16_t* out);
void max_pool_s16(const ref::PoolParams& p, const Dims4& in_shape, const int16_t* in,
                  const Dims4& out_shape, int16_t* out);

}  // namespace fast
}  // namespace nn
}  // namespace edge
