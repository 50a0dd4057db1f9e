// Signal level of a block of samples, for telling silence from sound.
//
// rms_dbfs: 10 * log10(mean(x^2)) relative to full scale 1.0 (a full-scale square wave is
// 0 dBFS, a full-scale sine -3.01 dBFS), over every sample given (all channels of
// interleaved frames alike). Digital silence and anything quieter than kLevelFloorDb reads
// kLevelFloorDb, so the value is always finite. Accumulates in double: the result does not
// depend on the block's length beyond rounding.
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>

namespace edge::signal {

constexpr double kLevelFloorDb = -120.0;

// RMS level in dBFS of `count` samples (count 0 reads kLevelFloorDb). Non-finite samples
// count as full scale (they are not silence).
double rms_dbfs(const float* samples, size_t count);

}  // namespace edge::signal
