// Fast float32 CONV_2D / FULLY_CONNECTED on Eigen's GEMM, and the 16x8 CONV_2D /
// DEPTHWISE_CONV_2D / FULLY_CONNECTED with the reference's int64 accumulation
// reorganised for contiguous inner loops (compiled for AVX2 too).
//
// Eigen note: its GEMM keeps packing buffers on the stack up to
// EIGEN_STACK_ALLOCATION_LIMIT (128 KB) and on the heap beyond; the row blocks
// below keep the A side small, very large weight matrices may still make it allocate.
#include <Eigen/Core>
#include <algorithm>
#include <cstring>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/fast/parallel.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace fast {
namespace {

constexpr int kRowBlock = 64;
constexpr size_t kAlign = 64;

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMatrix>;
using Map = Eigen::Map<RowMatrix>;

inline size_t align_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

inline uint8_t* aligned(void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>((v + kAlign - 1) / kAlign * kAlign);
}

bool float_conv_is_direct(const ConvParams& p, const Dims4& filter_shape) {
  return filter_shape.h == 1 && filter_shape.w == 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.pad_top == 0 && p.pad_left == 0;
}

void bias_and_clamp(const FloatOutput& f, const float* bias, int64_t rows, int channels,
                    float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = out + r * channels;
    for (int c = 0; c < channels; ++c) {
      const float v = row[c] + (bias != nullptr ? bias[c] : 0.0f);
      row[c] = std::min(std::max(v, f.act_min), f.act_max);
    }
  }
}

// Pixel coordinates of GEMM row `row` of an NHWC output.
struct Pixel {
  int b, y, x;
};
inline Pixel pixel_of(const Dims4& out_shape, int64_t row) {
  return {static_cast<int>(row / (int64_t{out_shape.w} * out_shape.h)),
          static_cast<int>(row / out_shape.w % out_shape.h), static_cast<int>(row % out_shape.w)};
}

// Input position of filter tap (fy, fx) for an output pixel; false when in the padding.
inline bool tap_input(const ConvParams& p, const Dims4& in_shape, const Pixel& px, int fy, int fx,
                      int64_t* in_pixel) {
  const int in_y = px.y * p.stride_h - p.pad_top + p.dilation_h * fy;
  const int in_x = px.x * p.stride_w - p.pad_left + p.dilation_w * fx;
  if (in_y < 0 || in_y >= in_shape.h || in_x < 0 || in_x >= in_shape.w) return false;
  *in_pixel = (int64_t{px.b} * in_shape.h + in_y) * in_shape.w + in_x;
  return true;
}

}  // namespace

// ---- float32 CONV_2D ---------------------------------------------------------------

size_t conv2d_f32_scratch_bytes(const ConvParams& params, const Dims4&, const Dims4& filter_shape,
                                const Dims4&, int threads) {
  if (float_conv_is_direct(params, filter_shape)) return 0;
  const size_t depth = static_cast<size_t>(filter_shape.h) * filter_shape.w * filter_shape.c;
  return kAlign + static_cast<size_t>(detail::effective_threads(threads)) *
                      align_up(kRowBlock * depth * sizeof(float));
}

void conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                const Dims4& filter_shape, const float* filter, const float* bias,
                const Dims4& out_shape, float* out, void* scratch, int threads) {
  const int channels = filter_shape.n;
  const int depth = filter_shape.h * filter_shape.w * filter_shape.c;
  const ConstMap weights(filter, channels, depth);
  const int64_t total_rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  const bool direct = float_conv_is_direct(params, filter_shape);
  const size_t block_bytes = align_up(kRowBlock * static_cast<size_t>(depth) * sizeof(float));
  detail::parallel_for(threads, total_rows, [&](int64_t begin, int64_t end, int thread) {
    if (direct) {
      const int64_t rows = end - begin;
      Map result(out + begin * channels, rows, channels);
      result.noalias() = ConstMap(in + begin * depth, rows, depth) * weights.transpose();
      bias_and_clamp(params.float_out, bias, rows, channels, out + begin * channels);
      return;
    }
    float* a = reinterpret_cast<float*>(aligned(scratch) + thread * block_bytes);
    for (int64_t row0 = begin; row0 < end; row0 += kRowBlock) {
      const int rows = static_cast<int>(std::min<int64_t>(kRowBlock, end - row0));
      for (int r = 0; r < rows; ++r) {
        const Pixel px = pixel_of(out_shape, row0 + r);
        float* dst = a + int64_t{r} * depth;
        for (int fy = 0; fy < filter_shape.h; ++fy) {
          for (int fx = 0; fx < filter_shape.w; ++fx, dst += in_shape.c) {
            int64_t in_pixel = 0;
            if (tap_input(params, in_shape, px, fy, fx, &in_pixel)) {
              std::memcpy(dst, in + in_pixel * in_shape.c, sizeof(float) * in_shape.c);
            } else {
              std::fill(dst, dst + in_shape.c, 0.0f);
            }
          }
        }
      }
      Map result(out + row0 * channels, rows, channels);
      result.noalias() = ConstMap(a, rows, depth) * weights.transpose();
      bias_and_clamp(params.float_out, bias, rows, channels, out + row0 * channels);
    }
  });
}

// ---- float32 FULLY_CONNECTED ---------------------------------------------------------

size_t fully_connected_f32_scratch_bytes(int, int, int, int) { return 0; }

void fully_connected_f32(const FullyConnectedParams& params, int batches, int depth, int units,
                         const float* in, const float* weights, const float* bias, float* out,
                         void*, int threads) {
  const ConstMap w(weights, units, depth);
  detail::parallel_for(threads, batches, [&](int64_t begin, int64_t end, int) {
    const int64_t rows = end - begin;
    Map result(out + begin * units, rows, units);
    if (rows == 1) {
      // GEMV: Eigen's matrix-vector path, no packing.
      result.row(0).transpose().noalias() =
          w * Eigen::Map<const Eigen::VectorXf>(in + begin * depth, depth);
    } else {
      result.noalias() = ConstMap(in + begin * depth, rows, depth) * w.transpose();
    }
    bias_and_clamp(params.float_out, bias, rows, units, out + begin * units);
  });
}

// ---- 16x8 --------------------------------------------------------------------------

namespace {

inline int16_t requantize_s16(const QuantizedOutput& q, int64_t acc, int channel) {
  int32_t v = multiply_by_quantized_multiplier(acc, q.multiplier[channel], q.shift[channel]);
  v += q.output_offset;
  return static_cast<int16_t>(std::min(std::max(v, q.act_min), q.act_max));
}

// int64 dot product of int16 activations and int8 weights. Products fit int32 and
// 2^9 of them fit an int32 partial sum, so blocks of 256 are summed in int32 first
// (vectorizable) and then widened: the same integer value as the reference.
inline __attribute__((always_inline)) int64_t dot_s16x8(const int16_t* x, const int8_t* w, int n) {
  int64_t total = 0;
  for (int k0 = 0; k0 < n; k0 += 256) {
    const int k1 = std::min(n, k0 + 256);
    int32_t partial = 0;
    for (int k = k0; k < k1; ++k) partial += int32_t{x[k]} * int32_t{w[k]};
    total += partial;
  }
  return total;
}

template <typename Dummy = void>
inline __attribute__((always_inline)) void conv_s16x8_rows(
    const ConvParams& p, const Dims4& in_shape, const int16_t* in, const Dims4& filter_shape,
    const int8_t* filter, const int64_t* bias, const Dims4& out_shape, int16_t* out, int64_t begin,
    int64_t end) {
  const int in_c = in_shape.c;
  for (int64_t row = begin; row < end; ++row) {
    const Pixel px = pixel_of(out_shape, row);
    for (int oc = 0; oc < out_shape.c; ++oc) {
      int64_t acc = 0;
      for (int fy = 0; fy < filter_shape.h; ++fy) {
        for (int fx = 0; fx < filter_shape.w; ++fx) {
          int64_t in_pixel = 0;
          if (!tap_input(p, in_shape, px, fy, fx, &in_pixel)) continue;
          const int8_t* w =
              filter + ((int64_t{oc} * filter_shape.h + fy) * filter_shape.w + fx) * in_c;
          acc += dot_s16x8(in + in_pixel * in_c, w, in_c);
        }
      }
      if (bias != nullptr) acc += bias[oc];
      out[row * out_shape.c + oc] = requantize_s16(p.quant, acc, oc);
    }
  }
}

void conv_s16x8_portable(const ConvParams& p, const Dims4& in_shape, const int16_t* in,
                         const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                         const Dims4& out_shape, int16_t* out, int64_t begin, int64_t end) {
  conv_s16x8_rows(p, in_shape, in, filter_shape, filter, bias, out_shape, out, begin, end);
}

template <typename Dummy = void>
inline __attribute__((always_inline)) void fc_s16x8_rows(const FullyConnectedParams& p, int depth,
                                                         int units, const int16_t* in,
                                                         const int8_t* weights, const int64_t* bias,
                                                         int16_t* out, int64_t begin, int64_t end) {
  for (int64_t b = begin; b < end; ++b) {
    for (int u = 0; u < units; ++u) {
      int64_t acc = dot_s16x8(in + b * depth, weights + int64_t{u} * depth, depth);
      if (bias != nullptr) acc += bias[u];
      out[b * units + u] = requantize_s16(p.quant, acc, u);
    }
  }
}

void fc_s16x8_portable(const FullyConnectedParams& p, int depth, int units, const int16_t* in,
                       const int8_t* weights, const int64_t* bias, int16_t* out, int64_t begin,
                       int64_t end) {
  fc_s16x8_rows(p, depth, units, in, weights, bias, out, begin, end);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) void conv_s16x8_avx2(const ConvParams& p, const Dims4& in_shape,
                                                     const int16_t* in, const Dims4& filter_shape,
                                                     const int8_t* filter, const int64_t* bias,
                                                     const Dims4& out_shape, int16_t* out,
                                                     int64_t begin, int64_t end) {
  conv_s16x8_rows(p, in_shape, in, filter_shape, filter, bias, out_shape, out, begin, end);
}

__attribute__((target("avx2"))) void fc_s16x8_avx2(const FullyConnectedParams& p, int depth,
                                                   int units, const int16_t* in,
                                                   const int8_t* weights, const int64_t* bias,
                                                   int16_t* out, int64_t begin, int64_t end) {
  fc_s16x8_rows(p, depth, units, in, weights, bias, out, begin, end);
}
#endif

}  // namespace

size_t conv2d_s16x8_scratch_bytes(const ConvParams&, const Dims4&, const Dims4&, const Dims4&,
                                  int) {
  return 0;
}

void conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                  const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                  const Dims4& out_shape, int16_t* out, void*, int threads) {
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  detail::parallel_for(threads, rows, [&](int64_t begin, int64_t end, int) {
#if defined(__x86_64__) || defined(__i386__)
    if (isa_supported(Isa::kAvx2)) {
      conv_s16x8_avx2(params, in_shape, in, filter_shape, filter, bias, out_shape, out, begin, end);
      return;
    }
#endif
    conv_s16x8_portable(params, in_shape, in, filter_shape, filter, bias, out_shape, out, begin,
                        end);
  });
}

size_t fully_connected_s16x8_scratch_bytes(int, int, int, int) { return 0; }

void fully_connected_s16x8(const FullyConnectedParams& params, int batches, int depth, int units,
                           const int16_t* in, const int8_t* weights, const int64_t* bias,
                           int16_t* out, void*, int threads) {
  detail::parallel_for(threads, batches, [&](int64_t begin, int64_t end, int) {
#if defined(__x86_64__) || defined(__i386__)
    if (isa_supported(Isa::kAvx2)) {
      fc_s16x8_avx2(params, depth, units, in, weights, bias, out, begin, end);
      return;
    }
#endif
    fc_s16x8_portable(params, depth, units, in, weights, bias, out, begin, end);
  });
}

size_t depthwise_conv2d_s16x8_scratch_bytes(const ConvParams&, const Dims4&, const Dims4&,
                                            const Dims4&, int) {
  return 0;
}

void depthwise_conv2d_s16x8(const ConvParams& params, const Dims4& in_shape, const int16_t* in,
                            const Dims4& filter_shape, const int8_t* filter, const int64_t* bias,
                            const Dims4& out_shape, int16_t* out, void*, int threads) {
  const int dm = params.depth_multiplier;
  const int out_c = out_shape.c;
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  detail::parallel_for(threads, rows, [&](int64_t begin, int64_t end, int) {
    for (int64_t row = begin; row < end; ++row) {
      const Pixel px = pixel_of(out_shape, row);
      for (int oc = 0; oc < out_c; ++oc) {
        int64_t acc = 0;
        for (int fy = 0; fy < filter_shape.h; ++fy) {
          for (int fx = 0; fx < filter_shape.w; ++fx) {
            int64_t in_pixel = 0;
            if (!tap_input(params, in_shape, px, fy, fx, &in_pixel)) continue;
            acc += int32_t{in[in_pixel * in_shape.c + oc / dm]} *
                   int32_t{filter[(int64_t{fy} * filter_shape.w + fx) * out_c + oc]};
          }
        }
        if (bias != nullptr) acc += bias[oc];
        out[row * out_c + oc] = requantize_s16(params.quant, acc, oc);
      }
    }
  });
}

}  // namespace fast
}  // namespace nn
}  // namespace edge
