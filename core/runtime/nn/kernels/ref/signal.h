// Reference kernels of TensorFlow Lite Micro's signal library (signal/src), the integer
// audio front end of its micro_speech example: window, FFT auto-scale, energy, mel filter
// bank, square root, spectral subtraction (noise reduction), PCAN auto gain control and log.
// The arithmetic is TFLM's, operation for operation, so the outputs are bit-exact; where
// C leaves a result undefined (signed overflow) the two's complement wrap every target
// produces is written out. The RFFT is in rfft.h.
//
// Units (TFLM's): samples int16; energies uint32 (|X|^2 of the int16 spectrum); filter bank
// channels uint64 accumulations of energy times 12-bit weights; after the square root
// uint32 magnitudes shifted back by the FFT's scale bits; PCAN output has 6 fractional
// bits; the log is ln(x * 2^correction_bits) * output_scale / 2^16, saturated to int16.
//
// Nothing here allocates or throws: the op layer (core/runtime/nn/ops/signal.cc) checks
// every size and index in prepare. Thread-safe (no state but the caller's buffers).
#pragma once

#include <cstdint>

#include "nn/model.h"

namespace edge {
namespace nn {
namespace ref {

// out[i] = saturate_int16((in[i] * weights[i]) >> shift), shift 0..31.
void signal_window(const int16_t* in, const int16_t* weights, int32_t size, int32_t shift,
                   int16_t* out);

// Scales in up by the largest power of two that keeps its largest magnitude in int16
// (TFLM's MaxAbs16, including its treatment of -32768) and returns the shift.
int32_t fft_auto_scale(const int16_t* in, int32_t size, int16_t* out);

// out[i] = re^2 + im^2 of complex bin i (interleaved int16 pairs) for i in [start, end);
// the other entries of out are set to 0 (TFLM leaves them unwritten; the models discard
// them).
void spectrum_energy(const int16_t* complex_in, int32_t start, int32_t end, int32_t out_size,
                     uint32_t* out);

// The triangular filter bank: per channel c (0..num_channels), over widths[c] bins from
// frequency_starts[c], accumulate weight * energy into channel c and unweight * energy into
// channel c + 1. work holds num_channels + 1 accumulators; out gets channels 1..num_channels.
struct FilterBankTables {
  int32_t num_channels = 0;
  const int16_t* frequency_starts = nullptr;  // num_channels + 1 entries
  const int16_t* weight_starts = nullptr;
  const int16_t* widths = nullptr;
  const int16_t* weights = nullptr;
  const int16_t* unweights = nullptr;
};
void filter_bank(const FilterBankTables& tables, const uint32_t* energy, uint64_t* work,
                 uint64_t* out);

// TFLM's integer square roots (rounded; Sqrt64 takes the 32-bit path below 2^32).
uint16_t sqrt32(uint32_t x);
uint32_t sqrt64(uint64_t x);

// out[i] = sqrt64(in[i]) >> shift. shift comes from FFT auto-scale at run time: values
// outside 0..31 give 0 (shift >= 32) or no shift (< 0) instead of undefined behaviour.
void filter_bank_square_root(const uint64_t* in, int32_t size, int32_t shift, uint32_t* out);

// Spectral subtraction (noise estimate smoothing and subtraction with a floor), updating
// noise_estimate in place: num_channels entries each.
void spectral_subtraction(const SignalSpectralSubtractionOptions& options, const uint32_t* in,
                          uint32_t* out, uint32_t* noise_estimate);

// PCAN auto gain control: out[i] = shrink((in[i] * gain(noise[i])) >> snr_shift), with the
// gain from the 125-entry piecewise-polynomial lookup table.
void pcan(const int16_t* gain_lut, int32_t snr_shift, const uint32_t* noise, const uint32_t* in,
          int32_t size, uint32_t* out);

// TFLM's fixed-point natural log scaled by out_scale / 2^16 (x > 0).
uint32_t log32(uint32_t x, uint32_t out_scale);

// out[i] = min(log32(in[i] << correction_bits, scale), 32767), 0 when the shifted value <= 1.
void filter_bank_log(const uint32_t* in, int32_t size, int32_t output_scale,
                     int32_t correction_bits, int16_t* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
