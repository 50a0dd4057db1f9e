// Real FFT behind a small interface (backend: KissFFT, kissfft-float).
//
// Layout: forward() reads n real samples and writes n/2 + 1 complex bins,
// bin k at k * sample_rate / n Hz, from DC (k = 0) to Nyquist (k = n/2), as
// numpy.fft.rfft. inverse() reads those n/2 + 1 bins (the imaginary parts of
// DC and Nyquist are ignored) and writes n real samples.
//
// Scaling: none in either direction, as KissFFT and FFTW do. forward() computes
// X[k] = sum_t x[t] * exp(-2*pi*i*k*t/n) (numpy's rfft, norm="backward");
// inverse(forward(x)) returns n * x.
//
// Sizes: any even n >= 2 (KissFFT's real transform packs n real samples into an
// n/2-point complex FFT). The complex FFT is mixed radix: radix 4 and 2 for
// powers of two (the fast path), 3 and 5 natively, and a generic O(n * p) DFT
// stage for every other prime factor p. So any even size gives exact results,
// sizes made of 2, 3 and 5 are fast, and sizes with a large prime factor are
// slow (n = 2 * 4099 costs about n * 4099 operations). Odd n is refused.
// next_fast_size() rounds up to a size of factors 2, 3 and 5.
//
// Thread safety: forward() and inverse() use the plan's internal scratch, so
// one RealFft must not be used by two threads at once. Separate instances are
// independent. Construction allocates; forward() and inverse() never do.
#pragma once

#include <complex>
#include <memory>

namespace edge {

class RealFft {
 public:
  // Throws edge::Error when n is odd or below 2.
  explicit RealFft(int n);
  ~RealFft();
  RealFft(RealFft&&) noexcept;
  RealFft& operator=(RealFft&&) noexcept;
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int size() const { return size_; }
  int bins() const { return size_ / 2 + 1; }

  // in: size() samples; out: bins() values. in and out must not overlap.
  void forward(const float* in, std::complex<float>* out);
  // in: bins() values; out: size() samples (scaled by size(), see above).
  void inverse(const std::complex<float>* in, float* out);

  // Smallest even n' >= n whose prime factors are only 2, 3 and 5.
  static int next_fast_size(int n);
  static bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

 private:
  struct Plan;
  int size_ = 0;
  std::unique_ptr<Plan> plan_;
};

}  // namespace edge
