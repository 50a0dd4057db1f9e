// Real FFT equal to TensorFlow Lite Micro's SignalRfft, which runs KISS FFT 1.3.0 (built
// with FIXED_POINT 16 or 32, or float): the same arithmetic step for step, so the int16 and
// int32 outputs are bit-exact and the float output equal up to the host's libm.
//
// The transform of N real samples (N even) is a complex FFT of N/2 points of the samples
// taken in pairs, then a split into the N/2 + 1 bins of the real spectrum:
//   - the complex FFT factors N/2 into radix 4 first, then 2, then 3, 5 (KISS's order) and
//     runs one decimation-in-time pass per factor, recursively;
//   - fixed point: every butterfly first divides its inputs by its radix
//     (x * (MAX / radix), rounded, >> FRACBITS), products are rounded to nearest
//     ((a * b + 2^(FRACBITS-1)) >> FRACBITS), sums wrap to the sample type, and the split
//     halves its results (>> 1); so the output is the spectrum divided by N (int16: 15
//     fractional bits, int32: 31);
//   - twiddles are floor(0.5 + MAX * cos/sin(phase)) for fixed point, (float)cos/sin(phase)
//     for float, from the same double phases as KISS.
// Lengths whose half has a prime factor above 5 are refused by the option parser: KISS's
// generic butterfly needs a scratch allocation that TFLM's build of it does not have.
//
// Layout: output[2k] and output[2k + 1] are the real and imaginary parts of bin k,
// k = 0..N/2. Tables are built once (make_rfft_tables, allocates); rfft() does not allocate
// and is reentrant given its own scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edge {
namespace nn {
namespace ref {

template <typename T>
struct RfftComplex {
  T r;
  T i;
};

template <typename T>
struct RfftTables {
  int32_t fft_length = 0;                // N
  std::vector<int32_t> factors;          // radix, remaining length, radix, ...
  std::vector<RfftComplex<T>> twiddles;  // N/2 twiddles of the complex FFT
  std::vector<RfftComplex<T>> super;     // N/4 twiddles of the real split

  size_t bytes() const {
    return factors.size() * sizeof(int32_t) +
           (twiddles.size() + super.size()) * sizeof(twiddles[0]);
  }
};

// T is int16_t, int32_t or float. fft_length is even and its half factors into 2, 3, 5.
template <typename T>
RfftTables<T> make_rfft_tables(int32_t fft_length);

// in: fft_length samples; scratch: fft_length / 2 complex values; out: fft_length + 2 values.
template <typename T>
void rfft(const RfftTables<T>& tables, const T* in, RfftComplex<T>* scratch, T* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
