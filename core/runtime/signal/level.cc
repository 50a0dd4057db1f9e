#include "signal/level.h"

#include <algorithm>
#include <cmath>

namespace edge::signal {

double rms_dbfs(const float* samples, size_t count) {
  if (count == 0) return kLevelFloorDb;
  double sum = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const double x = std::isfinite(samples[i]) ? samples[i] : 1.0;
    sum += x * x;
  }
  const double mean = sum / static_cast<double>(count);
  if (mean <= 0.0) return kLevelFloorDb;
  return std::max(kLevelFloorDb, 10.0 * std::log10(mean));
}

}  // namespace edge::signal
