// Fast int8 and hybrid CONV_2D / FULLY_CONNECTED: im2col (or the input itself) into
// an int32 GEMM with per-ISA micro-kernels (gemm_s8.h), then vectorized
// requantization. Bit-exact with core/runtime/nn/kernels/ref/.
#include <algorithm>
#include <cstring>

#include "nn/kernels/fast/fast_kernels.h"
#include "nn/kernels/fast/gemm_s8.h"
#include "nn/kernels/fast/parallel.h"
#include "nn/quant.h"

namespace edge {
namespace nn {
namespace fast {
namespace {

constexpr int kRowBlock = 32;  // GEMM rows (output pixels) per im2col block
constexpr size_t kAlign = 64;

inline size_t align_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

inline uint8_t* aligned(void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>((v + kAlign - 1) / kAlign * kAlign);
}

// A 1x1, stride-1, unpadded convolution reads the input as the GEMM's A directly
// when the micro-kernel takes int8 rows of exactly `depth` elements.
bool conv_is_direct(const ConvParams& p, const Dims4& filter_shape, const PackedWeights& packed) {
  const bool pointwise = filter_shape.h == 1 && filter_shape.w == 1 && p.stride_h == 1 &&
                         p.stride_w == 1 && p.pad_top == 0 && p.pad_left == 0;
  return pointwise && packed.isa != Isa::kAvx2 && packed.padded_depth == packed.depth;
}

// One GEMM row of A for output pixel (b, oy, ox): the filter window, with positions
// outside the image holding `pad` and the tail up to padded_depth zeroed.
template <typename T>
void im2col_row(const ConvParams& p, const Dims4& in_shape, const Dims4& filter_shape,
                const int8_t* in, int b, int oy, int ox, int32_t input_offset, bool add_offset,
                T pad, int32_t padded_depth, T* dst) {
  const int in_c = in_shape.c;
  const int in_y0 = oy * p.stride_h - p.pad_top;
  const int in_x0 = ox * p.stride_w - p.pad_left;
  T* out = dst;
  const int fw = filter_shape.w;
  // Whole filter rows inside the image with dilation 1 are one contiguous run.
  const bool row_inside = p.dilation_w == 1 && in_x0 >= 0 && in_x0 + fw <= in_shape.w;
  for (int fy = 0; fy < filter_shape.h; ++fy) {
    const int in_y = in_y0 + p.dilation_h * fy;
    if (row_inside && in_y >= 0 && in_y < in_shape.h) {
      const int run = fw * in_c;
      const int8_t* src = in + ((int64_t{b} * in_shape.h + in_y) * in_shape.w + in_x0) * in_c;
      if (add_offset) {
        for (int i = 0; i < run; ++i) out[i] = static_cast<T>(src[i] + input_offset);
      } else {
        std::memcpy(out, src, static_cast<size_t>(run));
      }
      out += run;
      continue;
    }
    for (int fx = 0; fx < fw; ++fx, out += in_c) {
      const int in_x = in_x0 + p.dilation_w * fx;
      if (in_y < 0 || in_y >= in_shape.h || in_x < 0 || in_x >= in_shape.w) {
        std::fill(out, out + in_c, pad);
        continue;
      }
      const int8_t* src = in + ((int64_t{b} * in_shape.h + in_y) * in_shape.w + in_x) * in_c;
      if (add_offset) {
        for (int c = 0; c < in_c; ++c) out[c] = static_cast<T>(src[c] + input_offset);
      } else {
        std::memcpy(out, src, static_cast<size_t>(in_c));
      }
    }
  }
  const int64_t depth = int64_t{filter_shape.h} * filter_shape.w * in_c;
  std::fill(dst + depth, dst + padded_depth, T{0});
}

void im2col_rows(const ConvParams& p, const PackedWeights& packed, const Dims4& in_shape,
                 const Dims4& filter_shape, const Dims4& out_shape, const int8_t* in,
                 int32_t input_offset, int64_t row0, int rows, void* a) {
  const int32_t kp = packed.padded_depth;
  for (int r = 0; r < rows; ++r) {
    const int64_t row = row0 + r;
    const int ox = static_cast<int>(row % out_shape.w);
    const int oy = static_cast<int>(row / out_shape.w % out_shape.h);
    const int b = static_cast<int>(row / (int64_t{out_shape.w} * out_shape.h));
    if (packed.isa == Isa::kAvx2) {
      im2col_row<int16_t>(p, in_shape, filter_shape, in, b, oy, ox, input_offset, true, 0, kp,
                          static_cast<int16_t*>(a) + int64_t{r} * kp);
    } else {
      im2col_row<int8_t>(p, in_shape, filter_shape, in, b, oy, ox, input_offset, false,
                         static_cast<int8_t>(-input_offset), kp,
                         static_cast<int8_t*>(a) + int64_t{r} * kp);
    }
  }
}

// Scratch of one thread: an A block (im2col or converted rows; absent when the input
// is read directly) and a C block of int32 accumulators, `rows` GEMM rows each.
struct Blocking {
  int rows;     // GEMM rows per block: min(kRowBlock, rows of the whole product)
  bool need_a;  // false when A is the input itself
};

Blocking blocking(int64_t total_rows, bool need_a) {
  return {static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(kRowBlock, total_rows))), need_a};
}

size_t a_block_bytes(const PackedWeights& packed, const Blocking& blk) {
  if (!blk.need_a) return 0;
  return align_up(static_cast<size_t>(blk.rows) * packed.padded_depth *
                  detail::a_element_bytes(packed.isa));
}

size_t c_block_bytes(const PackedWeights& packed, const Blocking& blk) {
  return align_up(static_cast<size_t>(blk.rows) * packed.out_channels * sizeof(int32_t));
}

PackedWeights pack_gemm(PackedWeights::Kind kind, int32_t channels, int32_t depth,
                        const int8_t* weights, Isa isa) {
  PackedWeights packed;
  packed.kind = kind;
  packed.isa = isa_supported(isa) ? isa : Isa::kPortable;
  packed.out_channels = channels;
  packed.depth = depth;
  packed.padded_depth = detail::padded_depth(packed.isa, depth);
  detail::pack_b(weights, &packed);
  return packed;
}

// Per-thread scratch: [A block][C block].
struct ThreadScratch {
  void* a;
  int32_t* c;
};

ThreadScratch thread_scratch(void* scratch, const PackedWeights& packed, const Blocking& blk,
                             int thread) {
  uint8_t* base = aligned(scratch) + static_cast<size_t>(thread) *
                                         (a_block_bytes(packed, blk) + c_block_bytes(packed, blk));
  return {base, reinterpret_cast<int32_t*>(base + a_block_bytes(packed, blk))};
}

size_t gemm_scratch_bytes(const PackedWeights& packed, const Blocking& blk, int threads) {
  return kAlign + static_cast<size_t>(detail::effective_threads(threads)) *
                      (a_block_bytes(packed, blk) + c_block_bytes(packed, blk));
}

}  // namespace

// ---- int8 CONV_2D -------------------------------------------------------------

PackedWeights pack_conv2d_s8(const ConvParams& params, const Dims4& filter_shape,
                             const int8_t* filter, const int32_t* bias, Isa isa) {
  PackedWeights packed = pack_gemm(PackedWeights::Kind::kConvS8, filter_shape.n,
                                   filter_shape.h * filter_shape.w * filter_shape.c, filter, isa);
  detail::fold_bias(bias, params.quant.input_offset, &packed);
  return packed;
}

size_t conv2d_s8_scratch_bytes(const ConvParams& params, const PackedWeights& packed, const Dims4&,
                               const Dims4& filter_shape, const Dims4& out_shape, int threads) {
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  return gemm_scratch_bytes(packed, blocking(rows, !conv_is_direct(params, filter_shape, packed)),
                            threads);
}

void conv2d_s8(const ConvParams& params, const PackedWeights& packed, const Dims4& in_shape,
               const int8_t* in, const Dims4& filter_shape, const Dims4& out_shape, int8_t* out,
               void* scratch, int threads) {
  const QuantizedOutput& q = params.quant;
  const int64_t total_rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  const int32_t channels = packed.out_channels;
  const bool direct = conv_is_direct(params, filter_shape, packed);
  const Blocking blk = blocking(total_rows, !direct);
  detail::parallel_for(threads, total_rows, [&](int64_t begin, int64_t end, int thread) {
    const ThreadScratch s = thread_scratch(scratch, packed, blk, thread);
    for (int64_t row0 = begin; row0 < end; row0 += blk.rows) {
      const int rows = static_cast<int>(std::min<int64_t>(blk.rows, end - row0));
      const void* a = nullptr;
      if (direct) {
        a = in + row0 * packed.depth;
      } else {
        im2col_rows(params, packed, in_shape, filter_shape, out_shape, in, q.input_offset, row0,
                    rows, s.a);
        a = s.a;
      }
      detail::gemm(packed, a, rows, static_cast<size_t>(packed.padded_depth), packed.bias.data(),
                   s.c);
      for (int r = 0; r < rows; ++r) {
        detail::requantize_s8(packed.isa, s.c + int64_t{r} * channels, channels, q.multiplier,
                              q.shift, q.output_offset, q.act_min, q.act_max,
                              out + (row0 + r) * channels);
      }
    }
  });
}

// ---- hybrid CONV_2D -------------------------------------------------------------

PackedWeights pack_conv2d_hybrid(const ConvParams&, const Dims4& filter_shape, const int8_t* filter,
                                 Isa isa) {
  return pack_gemm(PackedWeights::Kind::kConvHybrid, filter_shape.n,
                   filter_shape.h * filter_shape.w * filter_shape.c, filter, isa);
}

namespace {

// Hybrid scratch: [quantized input][per-batch init accumulators][per-batch row
// params][per-thread blocks].
struct HybridLayout {
  size_t quantized;
  size_t init;
  size_t rows;
};

HybridLayout hybrid_layout(const PackedWeights& packed, int batches, int64_t input_elements) {
  return {align_up(static_cast<size_t>(input_elements)),
          align_up(static_cast<size_t>(batches) * packed.out_channels * sizeof(int32_t)),
          align_up(static_cast<size_t>(batches) * sizeof(HybridRowQuant))};
}

}  // namespace

size_t conv2d_hybrid_scratch_bytes(const ConvParams&, const PackedWeights& packed,
                                   const Dims4& in_shape, const Dims4&, const Dims4& out_shape,
                                   int threads) {
  const HybridLayout l = hybrid_layout(packed, in_shape.n, in_shape.elements());
  const int64_t rows = int64_t{out_shape.n} * out_shape.h * out_shape.w;
  return l.quantized + l.init + l.rows + gemm_scratch_bytes(packed, blocking(rows, true), threads);
}

void conv2d_hybrid(const ConvParams& params, const PackedWeights& packed, const Dims4& in_shape,
                   const float* in, const Dims4& filter_shape, const float* bias,
                   const Dims4& out_shape, float* out, void* scratch, int threads) {
  const HybridLayout l = hybrid_layout(packed, in_shape.n, in_shape.elements());
  uint8_t* base = aligned(scratch);
  int8_t* quantized = reinterpret_cast<int8_t*>(base);
  int32_t* init = reinterpret_cast<int32_t*>(base + l.quantized);
  HybridRowQuant* row_params = reinterpret_cast<HybridRowQuant*>(base + l.quantized + l.init);
  void* gemm_scratch = base + l.quantized + l.init + l.rows;

  const int32_t channels = packed.out_channels;
  const int64_t batch_elements = int64_t{in_shape.h} * in_shape.w * in_shape.c;
  for (int b = 0; b < in_shape.n; ++b) {
    const float* src = in + b * batch_elements;
    const HybridRowQuant row =
        hybrid_row_params(src, batch_elements, params.hybrid.asymmetric_inputs);
    for (int64_t i = 0; i < batch_elements; ++i) {
      quantized[b * batch_elements + i] = hybrid_quantize(row, src[i]);
    }
    row_params[b] = row;
    detail::init_for_offset(packed, -row.offset, init + int64_t{b} * channels);
  }

  const int64_t pixels = int64_t{out_shape.h} * out_shape.w;
  const int64_t total_rows = out_shape.n * pixels;
  const float* weight_scale = params.hybrid.weight_scale;
  const Blocking blk = blocking(total_rows, true);
  detail::parallel_for(threads, total_rows, [&](int64_t begin, int64_t end, int thread) {
    const ThreadScratch s = thread_scratch(gemm_scratch, packed, blk, thread);
    for (int64_t row0 = begin; row0 < end;) {
      // Blocks never straddle batches: each batch has its own offset.
      const int b = static_cast<int>(row0 / pixels);
      const int64_t batch_end = std::min(end, (b + 1) * pixels);
      const int rows = static_cast<int>(std::min<int64_t>(blk.rows, batch_end - row0));
      const HybridRowQuant& row = row_params[b];
      im2col_rows(params, packed, in_shape, filter_shape, out_shape, quantized, -row.offset, row0,
                  rows, s.a);
      detail::gemm(packed, s.a, rows, static_cast<size_t>(packed.padded_depth),
                   init + int64_t{b} * channels, s.c);
      for (int r = 0; r < rows; ++r) {
        const int32_t* acc = s.c + int64_t{r} * channels;
        float* dst = out + (row0 + r) * channels;
        for (int32_t ch = 0; ch < channels; ++ch) {
          float value = static_cast<float>(acc[ch]) * weight_scale[ch] * row.scale;
          if (bias != nullptr) value += bias[ch];
          dst[ch] = std::min(std::max(value, params.float_out.act_min), params.float_out.act_max);
        }
      }
      row0 += rows;
    }
  });
}

// ---- int8 FULLY_CONNECTED -----------------------------------------------------------

PackedWeights pack_fully_connected_s8(const FullyConnectedParams& params, int depth, int units,
                                      const int8_t* weights, const int32_t* bias, Isa isa) {
  PackedWeights packed = pack_gemm(PackedWeights::Kind::kFcS8, units, depth, weights, isa);
  detail::fold_bias(bias, params.quant.input_offset, &packed);
  return packed;
}

namespace {

bool fc_is_direct(const PackedWeights& packed) {
  return packed.isa != Isa::kAvx2 && packed.padded_depth == packed.depth;
}

// Copies (AVX2: converts with the offset) input rows into the A block, zero-padded.
void fc_rows_to_a(const PackedWeights& packed, const int8_t* in, int64_t row0, int rows,
                  int32_t input_offset, void* a) {
  const int32_t kp = packed.padded_depth;
  for (int r = 0; r < rows; ++r) {
    const int8_t* src = in + (row0 + r) * packed.depth;
    if (packed.isa == Isa::kAvx2) {
      int16_t* dst = static_cast<int16_t*>(a) + int64_t{r} * kp;
      for (int32_t k = 0; k < packed.depth; ++k)
        dst[k] = static_cast<int16_t>(src[k] + input_offset);
      std::fill(dst + packed.depth, dst + kp, int16_t{0});
    } else {
      int8_t* dst = static_cast<int8_t*>(a) + int64_t{r} * kp;
      std::memcpy(dst, src, static_cast<size_t>(packed.depth));
      std::fill(dst + packed.depth, dst + kp, int8_t{0});
    }
  }
}

}  // namespace

size_t fully_connected_s8_scratch_bytes(const PackedWeights& packed, int batches, int threads) {
  return gemm_scratch_bytes(packed, blocking(batches, !fc_is_direct(packed)), threads);
}

void fully_connected_s8(const FullyConnectedParams& params, const PackedWeights& packed,
                        int batches, const int8_t* in, int8_t* out, void* scratch, int threads) {
  const QuantizedOutput& q = params.quant;
  const int32_t units = packed.out_channels;
  const bool direct = fc_is_direct(packed);
  const Blocking blk = blocking(batches, !direct);
  detail::parallel_for(threads, batches, [&](int64_t begin, int64_t end, int thread) {
    const ThreadScratch s = thread_scratch(scratch, packed, blk, thread);
    for (int64_t row0 = begin; row0 < end; row0 += blk.rows) {
      const int rows = static_cast<int>(std::min<int64_t>(blk.rows, end - row0));
      const void* a = in + row0 * packed.depth;
      if (!direct) {
        fc_rows_to_a(packed, in, row0, rows, q.input_offset, s.a);
        a = s.a;
      }
      detail::gemm(packed, a, rows, static_cast<size_t>(packed.padded_depth), packed.bias.data(),
                   s.c);
      for (int r = 0; r < rows; ++r) {
        detail::requantize_s8(packed.isa, s.c + int64_t{r} * units, units, q.multiplier, q.shift,
                              q.output_offset, q.act_min, q.act_max, out + (row0 + r) * units);
      }
    }
  });
}

// ---- hybrid FULLY_CONNECTED ------------------------------------------------------------

PackedWeights pack_fully_connected_hybrid(const FullyConnectedParams&, int depth, int units,
                                          const int8_t* weights, Isa isa) {
  return pack_gemm(PackedWeights::Kind::kFcHybrid, units, depth, weights, isa);
}

namespace {

// Hybrid FC scratch per thread: [quantized row][init accumulators][A row][C row].
// Hybrid FC works one row at a time: the A row exists only for AVX2's int16 conversion.
Blocking fc_hybrid_blocking(const PackedWeights& packed) { return {1, packed.isa == Isa::kAvx2}; }

size_t fc_hybrid_thread_bytes(const PackedWeights& packed) {
  const Blocking blk = fc_hybrid_blocking(packed);
  return align_up(static_cast<size_t>(packed.padded_depth)) +
         align_up(static_cast<size_t>(packed.out_channels) * sizeof(int32_t)) +
         a_block_bytes(packed, blk) + c_block_bytes(packed, blk);
}

}  // namespace

size_t fully_connected_hybrid_scratch_bytes(const PackedWeights& packed, int, int threads) {
  return kAlign +
         static_cast<size_t>(detail::effective_threads(threads)) * fc_hybrid_thread_bytes(packed);
}

void fully_connected_hybrid(const FullyConnectedParams& params, const PackedWeights& packed,
                            int batches, const float* in, const float* bias, float* out,
                            void* scratch, int threads) {
  const int32_t units = packed.out_channels;
  const int32_t depth = packed.depth;
  const float* weight_scale = params.hybrid.weight_scale;
  detail::parallel_for(threads, batches, [&](int64_t begin, int64_t end, int thread) {
    uint8_t* base = aligned(scratch) + static_cast<size_t>(thread) * fc_hybrid_thread_bytes(packed);
    int8_t* quantized = reinterpret_cast<int8_t*>(base);
    int32_t* init = reinterpret_cast<int32_t*>(base + align_up(packed.padded_depth));
    uint8_t* blocks = base + align_up(packed.padded_depth) +
                      align_up(static_cast<size_t>(units) * sizeof(int32_t));
    void* a_block = blocks;
    int32_t* c =
        reinterpret_cast<int32_t*>(blocks + a_block_bytes(packed, fc_hybrid_blocking(packed)));
    for (int64_t b = begin; b < end; ++b) {
      const float* src = in + b * depth;
      const HybridRowQuant row = hybrid_row_params(src, depth, params.hybrid.asymmetric_inputs);
      for (int32_t k = 0; k < depth; ++k) quantized[k] = hybrid_quantize(row, src[k]);
      detail::init_for_offset(packed, -row.offset, init);
      const void* a = quantized;
      if (packed.isa == Isa::kAvx2) {
        fc_rows_to_a(packed, quantized, 0, 1, -row.offset, a_block);
        a = a_block;
      } else {
        std::fill(quantized + depth, quantized + packed.padded_depth, int8_t{0});
      }
      detail::gemm(packed, a, 1, static_cast<size_t>(packed.padded_depth), init, c);
      float* dst = out + b * units;
      for (int32_t u = 0; u < units; ++u) {
        const float scale = row.scale * weight_scale[u];
        float value = bias != nullptr ? bias[u] : 0.0f;
        value += static_cast<float>(c[u]) * scale;
        dst[u] = std::min(std::max(value, params.float_out.act_min), params.float_out.act_max);
      }
    }
  });
}

}  // namespace fast
}  // namespace nn
}  // namespace edge
