// Flush-to-zero for subnormal floats while training.
//
// As a model fits its data, gradients and optimizer moments decay into the
// subnormal range, where x86 and ARM cores take a slow path (measured here: the
// RMSprop update of the paper's dense network became ~20x slower). TensorFlow
// runs its kernels with flush-to-zero for the same reason. The guard sets FTZ
// and DAZ (x86 MXCSR) or FZ (AArch64 FPCR) for the calling thread and restores
// the previous mode on destruction; elsewhere it does nothing.
#pragma once

#include <cstdint>

namespace edge::train {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals();
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  uint64_t saved_ = 0;
};

}  // namespace edge::train
