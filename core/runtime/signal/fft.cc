#include "signal/fft.h"

#include <kissfft/kiss_fftr.h>

#include <limits>

#include "common/error.h"

namespace edge {

// kiss_fft_cpx is {float r; float i;}, the layout std::complex<float> is
// guaranteed to have (array-of-two-floats compatible), so bins are passed
// through without copying.
static_assert(sizeof(kiss_fft_cpx) == sizeof(std::complex<float>),
              "kiss_fft_cpx must match std::complex<float>");

struct RealFft::Plan {
  kiss_fftr_cfg forward = nullptr;
  kiss_fftr_cfg inverse = nullptr;
  ~Plan() {
    if (forward) kiss_fftr_free(forward);
    if (inverse) kiss_fftr_free(inverse);
  }
};

RealFft::RealFft(int n) : size_(n) {
  if (n < 2 || n % 2 != 0)
    throw Error(msg("FFT size ", n, " is not supported: the real FFT needs an even size >= 2"));
  plan_ = std::make_unique<Plan>();
  plan_->forward = kiss_fftr_alloc(n, 0, nullptr, nullptr);
  plan_->inverse = kiss_fftr_alloc(n, 1, nullptr, nullptr);
  if (!plan_->forward || !plan_->inverse)
    throw Error(msg("could not allocate a KissFFT plan of size ", n));
}

RealFft::~RealFft() = default;
RealFft::RealFft(RealFft&&) noexcept = default;
RealFft& RealFft::operator=(RealFft&&) noexcept = default;

void RealFft::forward(const float* in, std::complex<float>* out) {
  kiss_fftr(plan_->forward, in, reinterpret_cast<kiss_fft_cpx*>(out));
}

void RealFft::inverse(const std::complex<float>* in, float* out) {
  kiss_fftri(plan_->inverse, reinterpret_cast<const kiss_fft_cpx*>(in), out);
}

int RealFft::next_fast_size(int n) {
  if (n < 2) return 2;
  for (int candidate = n + (n % 2); candidate > 0 && candidate < std::numeric_limits<int>::max();
       candidate += 2) {
    int rest = candidate;
    for (int p : {2, 3, 5})
      while (rest % p == 0) rest /= p;
    if (rest == 1) return candidate;
  }
  throw Error(msg("no FFT size of factors 2, 3 and 5 at or above ", n));
}

}  // namespace edge
