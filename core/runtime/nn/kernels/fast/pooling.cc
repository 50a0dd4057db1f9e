#include "nn/kernels/fast/pooling.h"

#include <algorithm>
#include <limits>

namespace edge {
namespace nn {
namespace fast {
namespace {

// The in-image window of one output cell, as the reference clips it.
struct Window {
  int32_t y0, y1, x0, x1;
};

template <typename Fn>
void for_each_output(const ref::PoolParams& p, const Dims4& in_shape, const Dims4& out_shape,
                     Fn&& fn) {
  for (int32_t n = 0; n < out_shape.n; ++n) {
    for (int32_t oy = 0; oy < out_shape.h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_top;
      const int32_t y0 = in_y0 + std::max(0, -in_y0);
      const int32_t y1 = in_y0 + std::min(p.filter_h, in_shape.h - in_y0);
      for (int32_t ox = 0; ox < out_shape.w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_left;
        const int32_t x0 = in_x0 + std::max(0, -in_x0);
        const int32_t x1 = in_x0 + std::min(p.filter_w, in_shape.w - in_x0);
        const int64_t out_offset =
            ((int64_t{n} * out_shape.h + oy) * out_shape.w + ox) * out_shape.c;
        fn(n, Window{y0, y1, x0, x1}, out_offset);
      }
    }
  }
}

inline int64_t pixel_offset(const Dims4& d, int32_t n, int32_t y, int32_t x) {
  return ((int64_t{n} * d.h + y) * d.w + x) * d.c;
}

// Max in the element type itself (exact), then the activation clamp.
template <typename T, typename Bound>
void max_pool(const ref::PoolParams& p, const Dims4& in_shape, const T* in, const Dims4& out_shape,
              T* out, Bound lo, Bound hi) {
  const int32_t channels = out_shape.c;
  for_each_output(p, in_shape, out_shape, [&](int32_t n, const Window& w, int64_t o) {
    T* __restrict dst = out + o;
    std::fill(dst, dst + channels, std::numeric_limits<T>::lowest());
    for (int32_t y = w.y0; y < w.y1; ++y) {
      for (int32_t x = w.x0; x < w.x1; ++x) {
        const T* __restrict src = in + pixel_offset(in_shape, n, y, x);
        for (int32_t c = 0; c < channels; ++c) dst[c] = std::max(dst[c], src[c]);
      }
    }
    for (int32_t c = 0; c < channels; ++c) {
      dst[c] = static_cast<T>(std::min<Bound>(std::max<Bound>(dst[c], lo), hi));
    }
  });
}

// Per-channel sums over the window in blocks of kPoolChannelBlock channels, cells in
// the reference's order (rows, then columns) so float sums match too; finish(sum,
// cells) gives the output value: the reference's division and clamp of each type.
template <typename T, typename Acc, typename Finish>
void average_pool(const ref::PoolParams& p, const Dims4& in_shape, const T* in,
                  const Dims4& out_shape, T* out, Finish&& finish) {
  const int32_t channels = out_shape.c;
  Acc acc[kPoolChannelBlock];
  for_each_output(p, in_shape, out_shape, [&](int32_t n, const Window& w, int64_t o) {
    const int32_t cells = std::max(0, (w.y1 - w.y0) * (w.x1 - w.x0));
    for (int32_t c0 = 0; c0 < channels; c0 += kPoolChannelBlock) {
      const int32_t block = std::min(kPoolChannelBlock, channels - c0);
      std::fill(acc, acc + block, Acc{0});
      for (int32_t y = w.y0; y < w.y1; ++y) {
        for (int32_t x = w.x0; x < w.x1; ++x) {
          const T* __restrict src = in + pixel_offset(in_shape, n, y, x) + c0;
          for (int32_t c = 0; c < block; ++c) acc[c] += src[c];
        }
      }
      T* dst = out + o + c0;
      for (int32_t c = 0; c < block; ++c) dst[c] = finish(acc[c], cells);
    }
  });
}

// int32 sums, division rounded half away from zero, clamp.
template <typename T>
void average_pool_int(const ref::PoolParams& p, const Dims4& in_shape, const T* in,
                      const Dims4& out_shape, T* out) {
  average_pool<T, int32_t>(p, in_shape, in, out_shape, out, [&p](int32_t a, int32_t cells) {
    const int32_t count = cells > 0 ? cells : 1;  // unreachable for validated shapes (as in ref)
    const int32_t q = a > 0 ? (a + count / 2) / count : (a - count / 2) / count;
    return static_cast<T>(std::min(std::max(q, p.act_min), p.act_max));
  });
}

}  // namespace

void average_pool_f32(const ref::PoolParams& p, const Dims4& in_shape, const float* in,
                      const Dims4& out_shape, float* out) {
  average_pool<float, float>(p, in_shape, in, out_shape, out, [&p](float total, int32_t cells) {
    const float average = cells > 0 ? total / static_cast<float>(cells) : 0.f;
    return std::min(std::max(average, p.float_act_min), p.float_act_max);
  });
}

void max_pool_f32(const ref::PoolParams& p, const Dims4& in_shape, const float* in,
                  const Dims4& out_shape, float* out) {
  max_pool(p, in_shape, in, out_shape, out, p.float_act_min, p.float_act_max);
}
void average_pool_s8(const ref::PoolParams& p, const Dims4& in_shape, const int8_t* in,
                     const Dims4& out_shape, int8_t* out) {
  average_pool_int(p, in_shape, in, out_shape, out);
}
void max_pool_s8(const ref::PoolParams& p, const Dims4& in_shape, const int8_t* in,
                 const Dims4& out_shape, int8_t* out) {
  max_pool(p, in_shape, in, out_shape, out, p.act_min, p.act_max);
}
void average_pool_s16(const ref::PoolParams& p, const Dims4& in_shape, const int16_t* in,
                      const Dims4& out_shape, int16_t* out) {
  average_pool_int(p, in_shape, in, out_shape, out);
}
void max_pool_s16(const ref::PoolParams& p, const Dims4& in_shape, const int16_t* in,
                  const Dims4& out_shape, int16_t* out) {
  max_pool(p, in_shape, in, out_shape, out, p.act_min, p.act_max);
}

}  // namespace fast
}  // namespace nn
}  // namespace edge
