#include "nn/kernels/ref/signal.h"

#include <cstdint>
#include <limits>

namespace edge {
namespace nn {
namespace ref {
namespace {

// TFLM's MostSignificantBit32 as GCC and Clang build it: the bit count of x, and 32 for 0.
uint32_t msb32(uint32_t x) { return x ? 32u - static_cast<uint32_t>(__builtin_clz(x)) : 32u; }
uint32_t msb64(uint64_t x) { return x ? 64u - static_cast<uint32_t>(__builtin_clzll(x)) : 64u; }

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }

// ln(2) * 2^16 and the 129-point correction table of log2's fractional part (signal/src/log.cc).
constexpr uint32_t kLogCoeff = 45426;
constexpr int kLogScaleLog2 = 16;
constexpr int kLogSegmentsLog2 = 7;
constexpr uint16_t kLogLut[] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646,
    2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460,
    4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408,
    5444, 5477, 5507, 5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633,
    5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249,
    5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341,
    4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981,
    2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224,
    1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

uint32_t log2_fraction(uint32_t x, uint32_t log2x) {
  int32_t frac = static_cast<int32_t>(static_cast<int64_t>(x) - (int64_t{1} << log2x));
  if (log2x < static_cast<uint32_t>(kLogScaleLog2)) {
    frac = static_cast<int32_t>(static_cast<uint32_t>(frac) << (kLogScaleLog2 - log2x));
  } else {
    frac >>= log2x - kLogScaleLog2;
  }
  const uint32_t base_seg = static_cast<uint32_t>(frac) >> (kLogScaleLog2 - kLogSegmentsLog2);
  const uint32_t seg_unit = (uint32_t{1} << kLogScaleLog2) >> kLogSegmentsLog2;
  const int32_t c0 = kLogLut[base_seg];
  const int32_t c1 = kLogLut[base_seg + 1];
  const auto seg_base = static_cast<int32_t>(seg_unit * base_seg);
  const int32_t rel_pos = ((c1 - c0) * (frac - seg_base)) >> kLogScaleLog2;
  return static_cast<uint32_t>(frac + c0 + rel_pos);
}

// PCAN's gain: a cubic per octave of the noise estimate, from the lookup table.
int16_t wide_dynamic_function(uint32_t x, const int16_t* lut) {
  if (x <= 2) return lut[x];
  const auto interval = static_cast<int16_t>(msb32(x));
  lut += 4 * interval - 6;
  const auto frac = static_cast<int16_t>(
      ((interval < 11) ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
  int32_t result = (static_cast<int32_t>(lut[2]) * frac) >> 5;
  result = wrap32(int64_t{result} + static_cast<int32_t>(static_cast<uint32_t>(lut[1]) << 5));
  result = wrap32(int64_t{result} * frac);
  result = wrap32(int64_t{result} + (1 << 14)) >> 15;
  result = wrap32(int64_t{result} + lut[0]);
  return static_cast<int16_t>(result);
}

constexpr int kPcanSnrBits = 12;
constexpr int kPcanOutputBits = 6;

// x^2 / 4 below 2, x - 1 above, from kPcanSnrBits to kPcanOutputBits fractional bits.
uint32_t pcan_shrink(uint32_t x) {
  if (x < (2u << kPcanSnrBits)) return (x * x) >> (2 + 2 * kPcanSnrBits - kPcanOutputBits);
  return (x >> (kPcanSnrBits - kPcanOutputBits)) - (1u << kPcanOutputBits);
}

}  // namespace

void signal_window(const int16_t* in, const int16_t* weights, int32_t size, int32_t shift,
                   int16_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    const int32_t raw = (static_cast<int32_t>(in[i]) * weights[i]) >> shift;
    out[i] = static_cast<int16_t>(raw < INT16_MIN ? INT16_MIN : raw > INT16_MAX ? INT16_MAX : raw);
  }
}

int32_t fft_auto_scale(const int16_t* in, int32_t size, int16_t* out) {
  // MaxAbs16: note that -(-32768) stored in int16 is -32768 again.
  int16_t max = 0;
  for (int32_t i = 0; i < size; ++i) {
    const int16_t value = in[i];
    if (value > max) {
      max = value;
    } else if (-value > max) {
      max = static_cast<int16_t>(-value);
    }
  }
  // (sizeof(int16_t) * 8) - MostSignificantBit32(max) - 1, with max converted to uint32.
  int32_t scale_bits =
      16 - static_cast<int32_t>(msb32(static_cast<uint32_t>(static_cast<int32_t>(max)))) - 1;
  if (scale_bits <= 0) scale_bits = 0;
  for (int32_t i = 0; i < size; ++i) out[i] = static_cast<int16_t>(in[i] * (1 << scale_bits));
  return scale_bits;
}

void spectrum_energy(const int16_t* complex_in, int32_t start, int32_t end, int32_t out_size,
                     uint32_t* out) {
  for (int32_t i = 0; i < out_size; ++i) {
    if (i < start || i >= end) {
      out[i] = 0;
      continue;
    }
    const int32_t re = complex_in[2 * i];
    const int32_t im = complex_in[2 * i + 1];
    out[i] = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
  }
}

void filter_bank(const FilterBankTables& t, const uint32_t* energy, uint64_t* work, uint64_t* out) {
  uint64_t weighted = 0;
  uint64_t unweighted = 0;
  for (int32_t c = 0; c <= t.num_channels; ++c) {
    const int32_t freq = t.frequency_starts[c];
    const int32_t weight = t.weight_starts[c];
    for (int32_t j = 0; j < t.widths[c]; ++j) {
      const uint64_t e = energy[freq + j];
      // int16 weights widen to uint64 as C converts them (sign-extended, modulo 2^64).
      weighted += static_cast<uint64_t>(static_cast<int64_t>(t.weights[weight + j])) * e;
      unweighted += static_cast<uint64_t>(static_cast<int64_t>(t.unweights[weight + j])) * e;
    }
    work[c] = weighted;
    weighted = unweighted;
    unweighted = 0;
  }
  for (int32_t c = 0; c < t.num_channels; ++c) out[c] = work[c + 1];
}

uint16_t sqrt32(uint32_t num) {
  if (num == 0) return 0;
  uint32_t res = 0;
  int max_bit_number = 32 - static_cast<int>(msb32(num));
  max_bit_number |= 1;
  uint32_t bit = 1u << (31 - max_bit_number);
  int iterations = (31 - max_bit_number) / 2 + 1;
  while (iterations--) {
    if (num >= res + bit) {
      num -= res + bit;
      res = (res >> 1u) + bit;
    } else {
      res >>= 1u;
    }
    bit >>= 2u;
  }
  if (num > res && res != 0xFFFF) ++res;
  return static_cast<uint16_t>(res);
}

uint32_t sqrt64(uint64_t num) {
  // TFLM's shortcut: the 32-bit root below 2^32 (off by one near 2^32, as there).
  if ((num >> 32) == 0) return sqrt32(static_cast<uint32_t>(num));
  uint64_t res = 0;
  int max_bit_number = 64 - static_cast<int>(msb64(num));
  max_bit_number |= 1;
  uint64_t bit = uint64_t{1} << (63 - max_bit_number);
  int iterations = (63 - max_bit_number) / 2 + 1;
  while (iterations--) {
    if (num >= res + bit) {
      num -= res + bit;
      res = (res >> 1u) + bit;
    } else {
      res >>= 1u;
    }
    bit >>= 2u;
  }
  if (num > res && res != 0xFFFFFFFFull) ++res;
  return static_cast<uint32_t>(res);
}

void filter_bank_square_root(const uint64_t* in, int32_t size, int32_t shift, uint32_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    const uint32_t root = sqrt64(in[i]);
    out[i] = shift >= 32 ? 0 : shift <= 0 ? root : root >> shift;
  }
}

void spectral_subtraction(const SignalSpectralSubtractionOptions& o, const uint32_t* in,
                          uint32_t* out, uint32_t* noise_estimate) {
  for (int32_t i = 0; i < o.num_channels; ++i) {
    const bool odd = (i & 1) != 0;
    const uint32_t smoothing = odd ? o.alternate_smoothing : o.smoothing;
    const uint32_t one_minus_smoothing =
        odd ? o.alternate_one_minus_smoothing : o.one_minus_smoothing;
    const uint32_t signal_scaled_up = in[i] << o.smoothing_bits;
    noise_estimate[i] =
        static_cast<uint32_t>(((static_cast<uint64_t>(signal_scaled_up) * smoothing) +
                               (static_cast<uint64_t>(noise_estimate[i]) * one_minus_smoothing)) >>
                              o.spectral_subtraction_bits);
    uint32_t estimate_scaled_up = noise_estimate[i];
    // The estimate never exceeds the signal (no negative difference).
    if (estimate_scaled_up > signal_scaled_up) {
      estimate_scaled_up = signal_scaled_up;
      if (o.clamping) noise_estimate[i] = estimate_scaled_up;
    }
    const auto floor = static_cast<uint32_t>(
        (static_cast<uint64_t>(in[i]) * o.min_signal_remaining) >> o.spectral_subtraction_bits);
    const uint32_t subtracted = (signal_scaled_up - estimate_scaled_up) >> o.smoothing_bits;
    out[i] = subtracted > floor ? subtracted : floor;
  }
}

void pcan(const int16_t* gain_lut, int32_t snr_shift, const uint32_t* noise, const uint32_t* in,
          int32_t size, uint32_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    // int16 gain converted to uint32 as C does (sign-extended, modulo 2^32).
    const auto gain =
        static_cast<uint32_t>(static_cast<int32_t>(wide_dynamic_function(noise[i], gain_lut)));
    const auto snr = static_cast<uint32_t>((static_cast<uint64_t>(in[i]) * gain) >> snr_shift);
    out[i] = pcan_shrink(snr);
  }
}

uint32_t log32(uint32_t x, uint32_t out_scale) {
  const uint32_t integer = msb32(x) - 1;
  const uint32_t fraction = log2_fraction(x, integer);
  const uint32_t log2 = (integer << kLogScaleLog2) + fraction;
  const uint32_t round = 65536 / 2;
  const auto loge = static_cast<uint32_t>((uint64_t{kLogCoeff} * log2 + round) >> kLogScaleLog2);
  return (out_scale * loge + round) >> kLogScaleLog2;
}

void filter_bank_log(const uint32_t* in, int32_t size, int32_t output_scale,
                     int32_t correction_bits, int16_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    const uint32_t scaled = in[i] << correction_bits;
    if (scaled > 1) {
      const uint32_t value = log32(scaled, static_cast<uint32_t>(output_scale));
      out[i] = static_cast<int16_t>(value < static_cast<uint32_t>(INT16_MAX) ? value : INT16_MAX);
    } else {
      out[i] = 0;
    }
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
