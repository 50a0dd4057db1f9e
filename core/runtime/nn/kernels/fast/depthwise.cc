// Fast DEPTHWISE_CONV_2D: per output pixel, channels vectorized (AVX2 intrinsics for
// int8, compiler-vectorized loops for float), taps in the reference order.
// int8 is bit-exact with ref: (x + input_offset) * w fits int16 exactly
// (|x + offset| <= 255, |w| <= 128), accumulation in int32.
#include <algorithm>
#include <vector>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/fast/gemm_s8.h"
#include "nn/kernels/fast/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGE_NN_X86 1
#endif

namespace edge {
namespace nn {
namespace fast {
namespace {

constexpr size_t kAlign = 64;

inline size_t align_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

inline uint8_t* aligned(void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>((v + kAlign - 1) / kAlign * kAlign);
}

// Filters with more taps are processed in several passes of this many.
constexpr int kMaxTaps = 128;

// The in-image filter taps of one output pixel: input pixel indices (multiply by the
// channel count for an element offset) and filter tap indices.
struct Taps {
  int count = 0;
  int64_t in_pixel[kMaxTaps];
  int filter_tap[kMaxTaps];
};

inline void collect_taps(const ConvParams& p, const Dims4& in_shape, const Dims4& filter_shape,
                         int b, int oy, int ox, int tap_begin, Taps* taps) {
  taps->count = 0;
  const int in_y0 = oy * p.stride_h - p.pad_top;
  const int in_x0 = ox * p.stride_w - p.pad_left;
  const int fw = filter_shape.w;
  for (int fy = tap_begin / fw; fy < filter_shape.h; ++fy) {
    const int in_y = in_y0 + p.dilation_h * fy;
    if (in_y < 0 || in_y >= in_shape.h) continue;
    const int64_t row = (int64_t{b} * in_shape.h + in_y) * in_shape.w;
    for (int fx = fy == tap_begin / fw ? tap_begin % fw : 0; fx < fw; ++fx) {
      const int in_x = in_x0 + p.dilation_w * fx;
      if (in_x < 0 || in_x >= in_shape.w) continue;
      if (taps->count == kMaxTaps) return;
      taps->in_pixel[taps->count] = row + in_x;
      taps->filter_tap[taps->count] = fy * fw + fx;
      ++taps->count;
    }
  }
}

// acc[oc] += sum over taps of (x[oc / dm] + offset) * w[tap][oc], scalar.
inline void accumulate_s8_scalar(const Taps& taps, const int8_t* in, int in_c, const int16_t* w,
                                 int out_c, int dm, int32_t input_offset, int oc_begin,
                                 int32_t* acc) {
  for (int t = 0; t < taps.count; ++t) {
    const int8_t* x = in + taps.in_pixel[t] * in_c;
    const int16_t* wt = w + int64_t{taps.filter_tap[t]} * out_c;
    if (dm == 1) {  // no division per element
      for (int oc = oc_begin; oc < out_c; ++oc) {
        acc[oc] += (int32_t{x[oc]} + input_offset) * int32_t{wt[oc]};
      }
      continue;
    }
    for (int oc = oc_begin; oc < out_c; ++oc) {
      acc[oc] += (int32_t{x[oc / dm]} + input_offset) * int32_t{wt[oc]};
    }
  }
}

#if defined(EDGE_NN_X86)
// Vectorized part: depth multiplier 1 (16 then 8 channels per step, input loaded) or a
// multiple of 8 (8 outputs of one input channel per step, input broadcast). The
// accumulators stay in registers across the taps. Returns the channels done; the
// scalar loop finishes the rest.
__attribute__((target("avx2"))) int accumulate_s8_avx2(const Taps& taps, const int8_t* in, int in_c,
                                                       const int16_t* w, int out_c, int dm,
                                                       int32_t input_offset, int32_t* acc) {
  int oc = 0;
  if (dm == 1) {
    const __m256i offset = _mm256_set1_epi16(static_cast<int16_t>(input_offset));
    for (; oc + 16 <= out_c; oc += 16) {
      __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + oc));
      __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + oc + 8));
      for (int t = 0; t < taps.count; ++t) {
        const __m128i x8 =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + taps.in_pixel[t] * in_c + oc));
        const __m256i x = _mm256_add_epi16(_mm256_cvtepi8_epi16(x8), offset);
        const __m256i wv = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(w + int64_t{taps.filter_tap[t]} * out_c + oc));
        const __m256i prod = _mm256_mullo_epi16(x, wv);
        lo = _mm256_add_epi32(lo, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(prod)));
        hi = _mm256_add_epi32(hi, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(prod, 1)));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + oc), lo);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + oc + 8), hi);
    }
  }
  if (dm != 1 && dm % 8 != 0) return oc;
  const __m128i offset = _mm_set1_epi16(static_cast<int16_t>(input_offset));
  for (; oc + 8 <= out_c; oc += 8) {
    __m256i sum = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + oc));
    const int ic = oc / dm;
    for (int t = 0; t < taps.count; ++t) {
      const int8_t* px = in + taps.in_pixel[t] * in_c;
      __m128i x;
      if (dm == 1) {
        x = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(px + oc)));
      } else {
        x = _mm_set1_epi16(px[ic]);
      }
      x = _mm_add_epi16(x, offset);
      const __m128i wv = _mm_loadu_si128(
          reinterpret_cast<const __m128i*>(w + int64_t{taps.filter_tap[t]} * out_c + oc));
      sum = _mm256_add_epi32(sum, _mm256_cvtepi16_epi32(_mm_mullo_epi16(x, wv)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + oc), sum);
  }
  return oc;
}
#endif

// Float: one generic body, compiled twice (baseline and AVX2+FMA) by the wrappers.
template <typename Dummy = void>
inline __attribute__((always_inline)) void depthwise_f32_rows(
    const ConvParams& p, const Dims4& in_shape, const float* in, const Dims4& filter_shape,
    const float* filter, const float* bias, const Dims4& out_shape, float* out, int64_t begin,
    int64_t end) {
  const int out_c = out_shape.c;
  const int in_c = in_shape.c;
  const int dm = p.depth_multiplier;
  const int total_taps = filter_shape.h * filter_shape.w;
  Taps taps;
  for (int64_t row = begin; row < end; ++row) {
    const int ox = static_cast<int>(row % out_shape.w);
    const int oy = static_cast<int>(row / out_shape.w % out_shape.h);
    const int b = static_cast<int>(row / (int64_t{out_shape.w} * out_shape.h));
    float* acc = out + row * out_c;
    for (int oc = 0; oc < out_c; ++oc) acc[oc] = 0.0f;
    for (int tap0 = 0; tap0 < total_taps;
         tap0 = taps.count ? taps.filter_tap[taps.count - 1] + 1 : total_taps) {
      collect_taps(p, in_shape, filter_shape, b, oy, ox, tap0, &taps);
      for (int t = 0; t < taps.count; ++t) {
        const float* x = in + taps.in_pixel[t] * in_c;
        const float* wt = filter + int64_t{taps.filter_tap[t]} * out_c;
        if (dm == 1) {
          for (int oc = 0; oc < out_c; ++oc) acc[oc] += x[oc] * wt[oc];
        } else {
          for (int oc = 0; oc < out_c; ++oc) acc[oc] += x[oc / dm] * wt[oc];
        }
      }
    }
    for (int oc = 0; oc < out_c; ++oc) {
      float v = acc[oc] + (bias != nullptr ? bias[oc] : 0.0f);
      acc[oc] = std::min(std::max(v, p.float_out.act_min), p.float_out.act_max);
    }
  }
}

void depthwise_f32_portable(const ConvParams& p, const Dims4& in_shape, const float* in,
                            const Dims4& filter_shape, const float* filter, const float* bias,
                            const Dims4& out_shape, float* out, int64_t begin, int64_t end) {
  depthwise_f32_rows(p, in_shape, in, filter_shape, filter, bias, out_shape, out, begin, end);
}

#if defined(EDGE_NN_X86)
__attribute__((target("avx2,fma"))) void depthwise_f32_avx2(const ConvParams& p,
                                                            const Dims4& in_shape, const float* in,
                                                            const Dims4& filter_shape,
                                                            const float* filter, const float* bias,
                                                            const Dims4& out_shape, float* out,
                                                            int64_t begin, int64_t end) {
  depthwise_f32_rows(p, in_shape, in, filter_shape, filter, bias, out_shape, out, begin, end);
}
#endif

}  // namespace

// ---- float32 ---------------------------------------------------------------------

size_t depthwise_conv2d_f32_scratch_bytes(const ConvParams&, const Dims4&, const Dims4&,
                                          const Dims4&, int) {
  return 0;
}

void depthwise_conv2d_f32(const ConvParams& params, const Dims4& in_shape, const float* in,
                          const Dims4& filter_shape, const float* filter, const float* bias,
                          const Dims4& out_shape, float* out, void*, int threads) {
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  detail::parallel_for(threads, rows, [&](int64_t begin, int64_t end, int) {
#if defined(EDGE_NN_X86)
    if (isa_supported(Isa::kAvx2) && __builtin_cpu_supports("fma")) {
      depthwise_f32_avx2(params, in_shape, in, filter_shape, filter, bias, out_shape, out, begin,
                         end);
      return;
    }
#endif
    depthwise_f32_portable(params, in_shape, in, filter_shape, filter, bias, out_shape, out, begin,
                           end);
  });
}

// ---- int8 --------------------------------------------------------------------------

PackedWeights pack_depthwise_conv2d_s8(const ConvParams& params, const Dims4& filter_shape,
                                       const int8_t* filter, const int32_t* bias, Isa isa) {
  const Isa usable = isa_supported(isa) ? isa : Isa::kPortable;
  if (usable != Isa::kPortable && params.depth_multiplier == filter_shape.c) {
    // One input channel (micro_speech's first layer): a depthwise convolution is then
    // an ordinary one with depth_multiplier filters, which the GEMM path runs faster.
    // Filter [1, h, w, M] -> OHWI [M, h, w, 1].
    std::vector<int8_t> ohwi(static_cast<size_t>(filter_shape.elements()));
    const int taps = filter_shape.h * filter_shape.w;
    for (int t = 0; t < taps; ++t) {
      for (int m = 0; m < filter_shape.c; ++m) {
        ohwi[static_cast<size_t>(m) * taps + t] = filter[int64_t{t} * filter_shape.c + m];
      }
    }
    return pack_conv2d_s8(params, {filter_shape.c, filter_shape.h, filter_shape.w, 1}, ohwi.data(),
                          bias, usable);
  }
  PackedWeights packed;
  packed.kind = PackedWeights::Kind::kDepthwiseS8;
  packed.isa = usable;
  packed.out_channels = filter_shape.c;
  packed.depth = filter_shape.h * filter_shape.w;
  packed.padded_depth = packed.depth;
  packed.w16.assign(filter, filter + filter_shape.elements());
  packed.bias.assign(static_cast<size_t>(filter_shape.c), 0);
  if (bias != nullptr) packed.bias.assign(bias, bias + filter_shape.c);
  return packed;
}

namespace {
Dims4 as_conv_filter(const Dims4& filter_shape) {
  return {filter_shape.c, filter_shape.h, filter_shape.w, 1};
}
}  // namespace

size_t depthwise_conv2d_s8_scratch_bytes(const ConvParams& params, const PackedWeights& packed,
                                         const Dims4& in_shape, const Dims4& filter_shape,
                                         const Dims4& out_shape, int threads) {
  if (packed.kind == PackedWeights::Kind::kConvS8) {
    return conv2d_s8_scratch_bytes(params, packed, in_shape, as_conv_filter(filter_shape),
                                   out_shape, threads);
  }
  return kAlign + static_cast<size_t>(detail::effective_threads(threads)) *
                      align_up(static_cast<size_t>(packed.out_channels) * sizeof(int32_t));
}

void depthwise_conv2d_s8(const ConvParams& params, const PackedWeights& packed,
                         const Dims4& in_shape, const int8_t* in, const Dims4& filter_shape,
                         const Dims4& out_shape, int8_t* out, void* scratch, int threads) {
  if (packed.kind == PackedWeights::Kind::kConvS8) {
    conv2d_s8(params, packed, in_shape, in, as_conv_filter(filter_shape), out_shape, out, scratch,
              threads);
    return;
  }
  const QuantizedOutput& q = params.quant;
  const int out_c = out_shape.c;
  const int dm = params.depth_multiplier;
  const int total_taps = filter_shape.h * filter_shape.w;
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  const size_t acc_bytes = align_up(static_cast<size_t>(out_c) * sizeof(int32_t));
  detail::parallel_for(threads, rows, [&](int64_t begin, int64_t end, int thread) {
    int32_t* acc = reinterpret_cast<int32_t*>(aligned(scratch) + thread * acc_bytes);
    Taps taps;
    for (int64_t row = begin; row < end; ++row) {
      const int ox = static_cast<int>(row % out_shape.w);
      const int oy = static_cast<int>(row / out_shape.w % out_shape.h);
      const int b = static_cast<int>(row / (int64_t{out_shape.w} * out_shape.h));
      std::copy(packed.bias.begin(), packed.bias.end(), acc);
      for (int tap0 = 0; tap0 < total_taps;
           tap0 = taps.count ? taps.filter_tap[taps.count - 1] + 1 : total_taps) {
        collect_taps(params, in_shape, filter_shape, b, oy, ox, tap0, &taps);
        int done = 0;
#if defined(EDGE_NN_X86)
        if (packed.isa != Isa::kPortable) {
          done = accumulate_s8_avx2(taps, in, in_shape.c, packed.w16.data(), out_c, dm,
                                    q.input_offset, acc);
        }
#endif
        accumulate_s8_scalar(taps, in, in_shape.c, packed.w16.data(), out_c, dm, q.input_offset,
                             done, acc);
      }
      detail::requantize_s8(packed.isa, acc, out_c, q.multiplier, q.shift, q.output_offset,
                            q.act_min, q.act_max, out + row * out_c);
    }
  });
}

}  // namespace fast
}  // namespace nn
}  // namespace edge
