#include "nn/kernels/ref/pooling.h"

#include <algorithm>
#include <limits>

namespace edge {
namespace nn {
namespace ref {
namespace {

inline int64_t offset(const Dims4& d, int32_t n, int32_t y, int32_t x, int32_t c) {
  return ((int64_t{n} * d.h + y) * d.w + x) * d.c + c;
}

// Calls reduce(window_begin_y, end_y, begin_x, end_x, in_y0, in_x0) per output cell.
template <typename Fn>
void for_each_window(const PoolParams& p, const Dims4& in_shape, const Dims4& out_shape, Fn&& fn) {
  for (int32_t n = 0; n < out_shape.n; ++n) {
    for (int32_t oy = 0; oy < out_shape.h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_top;
      const int32_t fy_start = std::max(0, -in_y0);
      const int32_t fy_end = std::min(p.filter_h, in_shape.h - in_y0);
      for (int32_t ox = 0; ox < out_shape.w; ++ox) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_left;
        const int32_t fx_start = std::max(0, -in_x0);
        const int32_t fx_end = std::min(p.filter_w, in_shape.w - in_x0);
        for (int32_t c = 0; c < out_shape.c; ++c) {
          fn(offset(out_shape, n, oy, ox, c), n, c, in_y0 + fy_start, in_y0 + fy_end,
             in_x0 + fx_start, in_x0 + fx_end);
        }
      }
    }
  }
}

template <typename T>
void average_pool_int(const PoolParams& p, const Dims4& in_shape, const T* in,
                      const Dims4& out_shape, T* out) {
  for_each_window(
      p, in_shape, out_shape,
      [&](int64_t o, int32_t n, int32_t c, int32_t y0, int32_t y1, int32_t x0, int32_t x1) {
        int32_t acc = 0;
        int32_t count = 0;
        for (int32_t y = y0; y < y1; ++y) {
          for (int32_t x = x0; x < x1; ++x) {
            acc += in[offset(in_shape, n, y, x, c)];
            ++count;
          }
        }
        if (count == 0) count = 1;  // unreachable for validated shapes
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        out[o] = static_cast<T>(std::min(std::max(acc, p.act_min), p.act_max));
      });
}

template <typename T>
void max_pool_int(const PoolParams& p, const Dims4& in_shape, const T* in, const Dims4& out_shape,
                  T* out) {
  for_each_window(
      p, in_shape, out_shape,
      [&](int64_t o, int32_t n, int32_t c, int32_t y0, int32_t y1, int32_t x0, int32_t x1) {
        int32_t max = std::numeric_limits<T>::lowest();
        for (int32_t y = y0; y < y1; ++y) {
          for (int32_t x = x0; x < x1; ++x) {
            max = std::max<int32_t>(max, in[offset(in_shape, n, y, x, c)]);
          }
        }
        out[o] = static_cast<T>(std::min(std::max(max, p.act_min), p.act_max));
      });
}

}  // namespace

void average_pool_f32(const PoolParams& p, const Dims4& in_shape, const float* in,
                      const Dims4& out_shape, float* out) {
  for_each_window(
      p, in_shape, out_shape,
      [&](int64_t o, int32_t n, int32_t c, int32_t y0, int32_t y1, int32_t x0, int32_t x1) {
        float total = 0.f;
        int32_t count = 0;
        for (int32_t y = y0; y < y1; ++y) {
          for (int32_t x = x0; x < x1; ++x) {
            total += in[offset(in_shape, n, y, x, c)];
            ++count;
          }
        }
        const float average = count > 0 ? total / static_cast<float>(count) : 0.f;
        out[o] = std::min(std::max(average, p.float_act_min), p.float_act_max);
      });
}

void max_pool_f32(const PoolParams& p, const Dims4& in_shape, const float* in,
                  const Dims4& out_shape, float* out) {
  for_each_window(
      p, in_shape, out_shape,
      [&](int64_t o, int32_t n, int32_t c, int32_t y0, int32_t y1, int32_t x0, int32_t x1) {
        float max = std::numeric_limits<float>::lowest();
        for (int32_t y = y0; y < y1; ++y) {
          for (int32_t x = x0; x < x1; ++x) {
            max = std::max(max, in[offset(in_shape, n, y, x, c)]);
          }
        }
        out[o] = std::min(std::max(max, p.float_act_min), p.float_act_max);
      });
}

void average_pool_s8(const PoolParams& p, const Dims4& in_shape, const int8_t* in,
                     const Dims4& out_shape, int8_t* out) {
  average_pool_int(p, in_shape, in, out_shape, out);
}
void max_pool_s8(const PoolParams& p, const Dims4& in_shape, const int8_t* in,
                 const Dims4& out_shape, int8_t* out) {
  max_pool_int(p, in_shape, in, out_shape, out);
}
void average_pool_s16(const PoolParams& p, const Dims4& in_shape, const int16_t* in,
                      const Dims4& out_shape, int16_t* out) {
  average_pool_int(p, in_shape, in, out_shape, out);
}
void max_pool_s16(const PoolParams& p, const Dims4& in_shape, const int16_t* in,
                  const Dims4& out_shape, int16_t* out) {
  max_pool_int(p, in_shape, in, out_shape, out);
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
