#include "nn/kernels/fast/gemm_s8.h"

#include <algorithm>
#include <cstring>

#include "nn/kernels/fast/gemm_s8_neon.h"
#include "nn/quant.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGE_NN_X86 1
#endif

namespace edge {
namespace nn {
namespace fast {

// ---- CPU detection ----------------------------------------------------------

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512Vnni:
      return "avx512vnni";
    case Isa::kNeon:
      return "neon";
    case Isa::kNeonDot:
      return "neondot";
  }
  return "unknown";
}

bool isa_supported(Isa isa) {
#if defined(EDGE_NN_X86)
  // Safe even when called from a static initializer before libgcc's own.
  __builtin_cpu_init();
#endif
  switch (isa) {
    case Isa::kPortable:
      return true;
#if defined(EDGE_NN_X86)
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2");
    case Isa::kAvx512Vnni:
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vnni");
#else
      return false;
#endif
#endif
#if defined(EDGE_NN_NEON)
    case Isa::kNeon:
      return detail::neon_supported();
    case Isa::kNeonDot:
      return detail::neon_supported() && detail::neon_dot_supported();
#endif
    default:
      return false;
  }
}

Isa best_isa() {
  static const Isa best = [] {
    if (isa_supported(Isa::kAvx512Vnni)) return Isa::kAvx512Vnni;
    if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
    if (isa_supported(Isa::kNeonDot)) return Isa::kNeonDot;
    if (isa_supported(Isa::kNeon)) return Isa::kNeon;
    return Isa::kPortable;
  }();
  return best;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512Vnni, Isa::kNeon, Isa::kNeonDot}) {
    if (isa_supported(isa)) isas.push_back(isa);
  }
  return isas;
}

size_t PackedWeights::bytes() const {
  return w8.size() + w16.size() * sizeof(int16_t) + (bias.size() + row_sums.size()) * 4;
}

namespace detail {
namespace {

constexpr int kBlock = 8;  // channels per SIMD column block (8 int32 lanes)

inline int32_t round_up(int32_t value, int32_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// ---- portable ---------------------------------------------------------------

// Plain C++: blocks of ROWS rows x 4 channels keep 4*ROWS accumulators in registers, so
// each loaded activation serves 4 channels and each weight ROWS rows.
template <int ROWS>
inline void portable_block(const int8_t* const* a_rows, const int8_t* w, int32_t depth,
                           int channels_left, const int32_t* init, int32_t* const* c_rows) {
  const int n = channels_left < 4 ? channels_left : 4;
  int32_t acc[ROWS][4] = {};
  const int8_t* w_ch[4];
  for (int j = 0; j < 4; ++j) w_ch[j] = w + int64_t{j < n ? j : 0} * depth;
  for (int32_t k = 0; k < depth; ++k) {
    const int32_t w0 = w_ch[0][k], w1 = w_ch[1][k], w2 = w_ch[2][k], w3 = w_ch[3][k];
    for (int r = 0; r < ROWS; ++r) {
      const int32_t x = a_rows[r][k];
      acc[r][0] += x * w0;
      acc[r][1] += x * w1;
      acc[r][2] += x * w2;
      acc[r][3] += x * w3;
    }
  }
  for (int r = 0; r < ROWS; ++r) {
    for (int j = 0; j < n; ++j) {
      // Unsigned add: wraps like TFLite's int32 accumulator on real hardware.
      c_rows[r][j] =
          static_cast<int32_t>(static_cast<uint32_t>(acc[r][j]) + static_cast<uint32_t>(init[j]));
    }
  }
}

void gemm_portable(const PackedWeights& packed, const int8_t* a, int rows, size_t a_stride,
                   const int32_t* init, int32_t* c) {
  const int32_t depth = packed.depth;
  const int32_t channels = packed.out_channels;
  int r = 0;
  for (; r < rows; r += 2) {
    const bool pair = r + 1 < rows;
    const int8_t* a_rows[2] = {a + r * a_stride, a + (pair ? r + 1 : r) * a_stride};
    for (int32_t ch = 0; ch < channels; ch += 4) {
      int32_t* c_rows[2] = {c + int64_t{r} * channels + ch,
                            c + int64_t{pair ? r + 1 : r} * channels + ch};
      const int8_t* w = packed.w8.data() + int64_t{ch} * depth;
      if (pair) {
        portable_block<2>(a_rows, w, depth, channels - ch, init + ch, c_rows);
      } else {
        portable_block<1>(a_rows, w, depth, channels - ch, init + ch, c_rows);
      }
    }
  }
}

#if defined(EDGE_NN_X86)

// Stores the first `count` (< 8 allowed) lanes of v.
__attribute__((target("avx2"))) inline void store_lanes(int32_t* dst, __m256i v, int count) {
  if (count >= kBlock) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
    return;
  }
  alignas(32) int32_t tmp[kBlock];
  _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), v);
  for (int i = 0; i < count; ++i) dst[i] = tmp[i];
}

// Micro-kernel: ROWS rows x (NB * 8) channels. `step` is the A elements consumed per
// B group (2 for AVX2 int16 pairs, 4 for VNNI byte quads), `group_bytes` B bytes per
// group (32 for both).
template <int ROWS, int NB, bool kVnni>
__attribute__((target("avx2,avx512vl,avx512vnni"))) inline void tile_vnni_or_avx2(
    const uint8_t* const* a_rows, const uint8_t* const* b_blocks, int groups, const int32_t* init,
    int32_t* const* c_rows, int channels_left) {
  __m256i acc[ROWS][NB];
  for (int j = 0; j < NB; ++j) {
    const int n = std::min(kBlock, channels_left - j * kBlock);
    alignas(32) int32_t init_lanes[kBlock] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; ++i) init_lanes[i] = init[j * kBlock + i];
    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(init_lanes));
    for (int r = 0; r < ROWS; ++r) acc[r][j] = v;
  }
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  int g = 0;
  if (ROWS == 1) {
    // One row: two independent accumulator chains (even/odd groups) hide the
    // dot-product latency; summed below (integer addition: same result).
    __m256i odd[NB];
    for (int j = 0; j < NB; ++j) odd[j] = _mm256_setzero_si256();
    for (; g + 2 <= groups; g += 2) {
      const __m256i a0 = _mm256_xor_si256(_mm256_set1_epi32(load_i32(a_rows[0] + g * 4)), flip);
      const __m256i a1 = _mm256_xor_si256(_mm256_set1_epi32(load_i32(a_rows[0] + g * 4 + 4)), flip);
      for (int j = 0; j < NB; ++j) {
        acc[0][j] = _mm256_dpbusd_epi32(
            acc[0][j], a0,
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_blocks[j] + g * 32)));
        odd[j] = _mm256_dpbusd_epi32(
            odd[j], a1,
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_blocks[j] + g * 32 + 32)));
      }
    }
    for (int j = 0; j < NB; ++j) acc[0][j] = _mm256_add_epi32(acc[0][j], odd[j]);
  }
  for (; g < groups; ++g) {
    __m256i b[NB];
    for (int j = 0; j < NB; ++j) {
      b[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_blocks[j] + g * 32));
    }
    for (int r = 0; r < ROWS; ++r) {
      if (kVnni) {
        const __m256i a = _mm256_xor_si256(_mm256_set1_epi32(load_i32(a_rows[r] + g * 4)), flip);
        for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_dpbusd_epi32(acc[r][j], a, b[j]);
      } else {
        const __m256i a = _mm256_set1_epi32(load_i32(a_rows[r] + g * 4));
        for (int j = 0; j < NB; ++j) {
          acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(a, b[j]));
        }
      }
    }
  }
  for (int r = 0; r < ROWS; ++r) {
    for (int j = 0; j < NB; ++j) {
      store_lanes(c_rows[r] + j * kBlock, acc[r][j], channels_left - j * kBlock);
    }
  }
}

// The AVX2 variant must not require VNNI/AVX-512 from the CPU: same source, its own
// target. (The template above is instantiated only with kVnni = true.)
template <int ROWS, int NB>
__attribute__((target("avx2"))) inline void tile_avx2(const uint8_t* const* a_rows,
                                                      const uint8_t* const* b_blocks, int groups,
                                                      const int32_t* init, int32_t* const* c_rows,
                                                      int channels_left) {
  __m256i acc[ROWS][NB];
  for (int j = 0; j < NB; ++j) {
    const int n = std::min(kBlock, channels_left - j * kBlock);
    alignas(32) int32_t init_lanes[kBlock] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; ++i) init_lanes[i] = init[j * kBlock + i];
    const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(init_lanes));
    for (int r = 0; r < ROWS; ++r) acc[r][j] = v;
  }
  int g = 0;
  if (ROWS == 1) {
    __m256i odd[NB];
    for (int j = 0; j < NB; ++j) odd[j] = _mm256_setzero_si256();
    for (; g + 2 <= groups; g += 2) {
      const __m256i a0 = _mm256_set1_epi32(load_i32(a_rows[0] + g * 4));
      const __m256i a1 = _mm256_set1_epi32(load_i32(a_rows[0] + g * 4 + 4));
      for (int j = 0; j < NB; ++j) {
        acc[0][j] = _mm256_add_epi32(
            acc[0][j],
            _mm256_madd_epi16(
                a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_blocks[j] + g * 32))));
        odd[j] = _mm256_add_epi32(
            odd[j], _mm256_madd_epi16(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                                              b_blocks[j] + g * 32 + 32))));
      }
    }
    for (int j = 0; j < NB; ++j) acc[0][j] = _mm256_add_epi32(acc[0][j], odd[j]);
  }
  for (; g < groups; ++g) {
    __m256i b[NB];
    for (int j = 0; j < NB; ++j) {
      b[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_blocks[j] + g * 32));
    }
    for (int r = 0; r < ROWS; ++r) {
      const __m256i a = _mm256_set1_epi32(load_i32(a_rows[r] + g * 4));
      for (int j = 0; j < NB; ++j) {
        acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(a, b[j]));
      }
    }
  }
  for (int r = 0; r < ROWS; ++r) {
    for (int j = 0; j < NB; ++j) {
      store_lanes(c_rows[r] + j * kBlock, acc[r][j], channels_left - j * kBlock);
    }
  }
}

// Drives the tiles over rows (4 at a time) and channel blocks (2 at a time), with
// tails. Both ISAs read A in 4-byte groups (2 int16 or 4 int8) against 32-byte B groups.
#define EDGE_NN_DEFINE_GEMM(NAME, VNNI, TARGET)                                                   \
  template <int ROWS, int NB>                                                                     \
  __attribute__((target(TARGET))) inline void NAME##_tile(                                        \
      const uint8_t* const* a_rows, const uint8_t* const* b_blocks, int groups,                   \
      const int32_t* init, int32_t* const* c_rows, int channels_left) {                           \
    if constexpr (VNNI) {                                                                         \
      tile_vnni_or_avx2<ROWS, NB, true>(a_rows, b_blocks, groups, init, c_rows, channels_left);   \
    } else {                                                                                      \
      tile_avx2<ROWS, NB>(a_rows, b_blocks, groups, init, c_rows, channels_left);                 \
    }                                                                                             \
  }                                                                                               \
  template <int ROWS>                                                                             \
  __attribute__((target(TARGET))) inline void NAME##_rows(                                        \
      const PackedWeights& packed, const uint8_t* a, size_t a_stride_bytes, int row0,             \
      const int32_t* init, int32_t* c) {                                                          \
    const int channels = packed.out_channels;                                                     \
    const int groups = packed.padded_depth / (VNNI ? 4 : 2);                                      \
    const size_t block_bytes = static_cast<size_t>(groups) * 32;                                  \
    const uint8_t* b = VNNI ? reinterpret_cast<const uint8_t*>(packed.w8.data())                  \
                            : reinterpret_cast<const uint8_t*>(packed.w16.data());                \
    const uint8_t* a_rows[ROWS];                                                                  \
    int32_t* c_rows[ROWS];                                                                        \
    for (int r = 0; r < ROWS; ++r) {                                                              \
      a_rows[r] = a + (row0 + r) * a_stride_bytes;                                                \
      c_rows[r] = c + int64_t{row0 + r} * channels;                                               \
    }                                                                                             \
    int ch = 0;                                                                                   \
    for (; ch + 2 * kBlock <= channels || (ch + kBlock < channels); ch += 2 * kBlock) {           \
      const uint8_t* blocks[2] = {b + (ch / kBlock) * block_bytes,                                \
                                  b + (ch / kBlock + 1) * block_bytes};                           \
      int32_t* cr[ROWS];                                                                          \
      for (int r = 0; r < ROWS; ++r) cr[r] = c_rows[r] + ch;                                      \
      NAME##_tile<ROWS, 2>(a_rows, blocks, groups, init + ch, cr, channels - ch);                 \
    }                                                                                             \
    if (ch < channels) {                                                                          \
      const uint8_t* blocks[1] = {b + (ch / kBlock) * block_bytes};                               \
      int32_t* cr[ROWS];                                                                          \
      for (int r = 0; r < ROWS; ++r) cr[r] = c_rows[r] + ch;                                      \
      NAME##_tile<ROWS, 1>(a_rows, blocks, groups, init + ch, cr, channels - ch);                 \
    }                                                                                             \
  }                                                                                               \
  __attribute__((target(TARGET))) void NAME(const PackedWeights& packed, const uint8_t* a,        \
                                            int rows, size_t a_stride_bytes, const int32_t* init, \
                                            int32_t* c) {                                         \
    int r = 0;                                                                                    \
    for (; r + 4 <= rows; r += 4) NAME##_rows<4>(packed, a, a_stride_bytes, r, init, c);          \
    for (; r < rows; ++r) NAME##_rows<1>(packed, a, a_stride_bytes, r, init, c);                  \
  }

EDGE_NN_DEFINE_GEMM(gemm_avx2, false, "avx2")
EDGE_NN_DEFINE_GEMM(gemm_vnni, true, "avx2,avx512vl,avx512vnni")

#undef EDGE_NN_DEFINE_GEMM

__attribute__((target("avx2"))) void requantize_s8_avx2(const int32_t* acc, int count,
                                                        const int32_t* multiplier,
                                                        const int32_t* shift, int32_t output_offset,
                                                        int32_t act_min, int32_t act_max,
                                                        int8_t* out) {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i offset = _mm256_set1_epi32(output_offset);
  const __m256i lo = _mm256_set1_epi32(act_min);
  const __m256i hi = _mm256_set1_epi32(act_max);
  int i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + i));
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(multiplier + i));
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(shift + i));
    const __m256i left = _mm256_max_epi32(s, zero);
    const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
    x = _mm256_sllv_epi32(x, left);
    // SaturatingRoundingDoublingHighMul with m >= 0 equals floor((x*m + 2^30) / 2^31)
    // (gemmlowp's truncating division with its sign-dependent nudge reduces to this).
    const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
    const __m256i odd = _mm256_srli_epi64(
        _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)),
                         nudge),
        31);
    __m256i y = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    // RoundingDivideByPOT(y, right).
    const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
    const __m256i remainder = _mm256_and_si256(y, mask);
    const __m256i threshold =
        _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(zero, y));
    y = _mm256_sub_epi32(_mm256_srav_epi32(y, right), _mm256_cmpgt_epi32(remainder, threshold));
    y = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(y, offset), lo), hi);
    const __m128i packed16 =
        _mm_packs_epi32(_mm256_castsi256_si128(y), _mm256_extracti128_si256(y, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), _mm_packs_epi16(packed16, packed16));
  }
  for (; i < count; ++i) {
    int32_t v = multiply_by_quantized_multiplier(acc[i], multiplier[i], shift[i]) + output_offset;
    out[i] = static_cast<int8_t>(std::min(std::max(v, act_min), act_max));
  }
}

#endif  // EDGE_NN_X86

}  // namespace

int32_t padded_depth(Isa isa, int32_t depth) {
  switch (isa) {
    case Isa::kAvx2:
      return round_up(std::max(depth, 1), 2);
    case Isa::kAvx512Vnni:
      return round_up(std::max(depth, 1), 4);
    default:
      return depth;
  }
}

size_t a_element_bytes(Isa isa) { return isa == Isa::kAvx2 ? 2 : 1; }

void pack_b(const int8_t* weights, PackedWeights* packed) {
  const int32_t channels = packed->out_channels;
  const int32_t depth = packed->depth;
  const int32_t kp = packed->padded_depth;
  packed->row_sums.assign(channels, 0);
  for (int32_t ch = 0; ch < channels; ++ch) {
    int32_t sum = 0;
    for (int32_t k = 0; k < depth; ++k) sum += weights[int64_t{ch} * depth + k];
    packed->row_sums[ch] = sum;
  }
  const int32_t blocks = (channels + kBlock - 1) / kBlock;
  switch (packed->isa) {
    case Isa::kAvx2: {
      // [block][k/2][8 channels][2]
      packed->w16.assign(static_cast<size_t>(blocks) * kp * kBlock, 0);
      for (int32_t ch = 0; ch < channels; ++ch) {
        for (int32_t k = 0; k < depth; ++k) {
          const size_t index = (static_cast<size_t>(ch / kBlock) * (kp / 2) + k / 2) * 16 +
                               (ch % kBlock) * 2 + k % 2;
          packed->w16[index] = weights[int64_t{ch} * depth + k];
        }
      }
      break;
    }
    case Isa::kAvx512Vnni: {
      // [block][k/4][8 channels][4]
      packed->w8.assign(static_cast<size_t>(blocks) * kp * kBlock, 0);
      for (int32_t ch = 0; ch < channels; ++ch) {
        for (int32_t k = 0; k < depth; ++k) {
          const size_t index = (static_cast<size_t>(ch / kBlock) * (kp / 4) + k / 4) * 32 +
                               (ch % kBlock) * 4 + k % 4;
          packed->w8[index] = weights[int64_t{ch} * depth + k];
        }
      }
      break;
    }
    default:
      packed->w8.assign(weights, weights + int64_t{channels} * depth);
      break;
  }
}

void init_for_offset(const PackedWeights& packed, int32_t input_offset, int32_t* init) {
  // AVX2 adds the offset to A itself; VNNI reads A as uint8 (a + 128).
  const int32_t folded = packed.isa == Isa::kAvx2         ? 0
                         : packed.isa == Isa::kAvx512Vnni ? input_offset - 128
                                                          : input_offset;
  for (int32_t ch = 0; ch < packed.out_channels; ++ch) {
    init[ch] = static_cast<int32_t>(static_cast<uint32_t>(folded) *
                                    static_cast<uint32_t>(packed.row_sums[ch]));
  }
}

void fold_bias(const int32_t* bias, int32_t input_offset, PackedWeights* packed) {
  packed->bias.assign(packed->out_channels, 0);
  init_for_offset(*packed, input_offset, packed->bias.data());
  if (bias == nullptr) return;
  for (int32_t ch = 0; ch < packed->out_channels; ++ch) {
    packed->bias[ch] = static_cast<int32_t>(static_cast<uint32_t>(packed->bias[ch]) +
                                            static_cast<uint32_t>(bias[ch]));
  }
}

void convert_a(Isa isa, const int8_t* src, int count, int32_t input_offset, void* dst) {
  if (isa == Isa::kAvx2) {
    int16_t* out = static_cast<int16_t*>(dst);
    for (int i = 0; i < count; ++i) out[i] = static_cast<int16_t>(src[i] + input_offset);
  } else {
    std::memcpy(dst, src, static_cast<size_t>(count));
  }
}

int32_t a_padding_value(Isa isa, int32_t input_offset) {
  return isa == Isa::kAvx2 ? 0 : -input_offset;
}

void gemm(const PackedWeights& packed, const void* a, int rows, size_t a_stride_elements,
          const int32_t* init, int32_t* c) {
  switch (packed.isa) {
#if defined(EDGE_NN_X86)
    case Isa::kAvx2:
      gemm_avx2(packed, static_cast<const uint8_t*>(a), rows, a_stride_elements * 2, init, c);
      return;
    case Isa::kAvx512Vnni:
      gemm_vnni(packed, static_cast<const uint8_t*>(a), rows, a_stride_elements, init, c);
      return;
#endif
#if defined(EDGE_NN_NEON)
    case Isa::kNeon:
    case Isa::kNeonDot:
      gemm_neon(packed, static_cast<const int8_t*>(a), rows, a_stride_elements, init, c,
                packed.isa == Isa::kNeonDot);
      return;
#endif
    default:
      gemm_portable(packed, static_cast<const int8_t*>(a), rows, a_stride_elements, init, c);
      return;
  }
}

void requantize_s8(Isa isa, const int32_t* acc, int count, const int32_t* multiplier,
                   const int32_t* shift, int32_t output_offset, int32_t act_min, int32_t act_max,
                   int8_t* out) {
#if defined(EDGE_NN_X86)
  if (isa != Isa::kPortable) {
    requantize_s8_avx2(acc, count, multiplier, shift, output_offset, act_min, act_max, out);
    return;
  }
#endif
#if defined(EDGE_NN_NEON)
  if (isa == Isa::kNeon || isa == Isa::kNeonDot) {
    requantize_s8_neon(acc, count, multiplier, shift, output_offset, act_min, act_max, out);
    return;
  }
#endif
  for (int i = 0; i < count; ++i) {
    int32_t v = multiply_by_quantized_multiplier(acc[i], multiplier[i], shift[i]) + output_offset;
    out[i] = static_cast<int8_t>(std::min(std::max(v, act_min), act_max));
  }
}

}  // namespace detail
}  // namespace fast
}  // namespace nn
}  // namespace edge
