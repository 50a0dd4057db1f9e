#include "train/denormal.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define EDGE_TRAIN_X86 1
#endif

namespace edge::train {

#if defined(EDGE_TRAIN_X86)
// MXCSR bit 15: flush results to zero; bit 6: treat subnormal inputs as zero.
constexpr unsigned kMxcsrFlush = (1u << 15) | (1u << 6);

ScopedFlushDenormals::ScopedFlushDenormals() : saved_(_mm_getcsr()) {
  _mm_setcsr(unsigned(saved_) | kMxcsrFlush);
}
ScopedFlushDenormals::~ScopedFlushDenormals() { _mm_setcsr(unsigned(saved_)); }
#elif defined(__aarch64__)
// FPCR bit 24 (FZ): flush subnormal inputs and results to zero.
ScopedFlushDenormals::ScopedFlushDenormals() {
  uint64_t fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  saved_ = fpcr;
  fpcr |= uint64_t(1) << 24;
  __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
}
ScopedFlushDenormals::~ScopedFlushDenormals() {
  __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_));
}
#else
ScopedFlushDenormals::ScopedFlushDenormals() = default;
ScopedFlushDenormals::~ScopedFlushDenormals() = default;
#endif

}  // namespace edge::train
