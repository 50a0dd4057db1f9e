// Normalization of interleaved float frames, in place.
//
// Every mode is one affine map per channel, y = x * scale[c] + offset[c], precomputed at
// construction, so apply() is a multiply-add per value and never allocates:
//   z-score   y = (x - mean[c]) / std[c]            (std > 0)
//   min-max   y = (x - min[c]) / (max[c] - min[c])  maps [min, max] to [0, 1] (max > min)
// Parameters are global (one value used for every channel) or per channel (one per channel).
// The paper's gesture ranges: accelerometer -4:4 g, gyroscope -2000:2000 deg/s.
//
// Out-of-range values in min-max: with clamp, results are clamped to [0, 1]; without
// (the default, the paper's plain formula), they map linearly outside [0, 1].
//
// Non-finite input is not refused here (checking every value would double the cost of the
// hot path): NaN stays NaN; +-Inf stays +-Inf (z-score, min-max without clamp) or becomes
// 1 / 0 (min-max with clamp). The statistics pass (stats.h) refuses and counts them.
//
// Thread safety: apply() is const and may run concurrently on different data.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "signal/stats.h"

namespace edge::signal {

struct Range {
  double min = 0.0;
  double max = 1.0;
};

class Normalizer {
 public:
  // mean/std: one value (global) or exactly `channels` values. Throws edge::Error naming
  // the parameter for a wrong count, a non-finite value or std <= 0.
  static Normalizer zscore(const std::vector<double>& mean, const std::vector<double>& std,
                           int channels);
  // ranges: one range (global) or exactly `channels`. Throws unless min < max, finite.
  static Normalizer minmax(const std::vector<Range>& ranges, int channels, bool clamp);
  // From a statistics file: global (pooled) or per-channel mean/std; the file must have
  // `channels` channels when per_channel (any count when global). Throws when a std is 0.
  static Normalizer zscore_from_stats(const StatsAccumulator& stats, int channels,
                                      bool per_channel);
  // Min-max ranges from the min/max recorded in a statistics file.
  static Normalizer minmax_from_stats(const StatsAccumulator& stats, int channels, bool per_channel,
                                      bool clamp);

  int channels() const { return static_cast<int>(scale_.size()); }
  // Normalizes `frames` interleaved frames (frames * channels() floats) in place.
  void apply(float* data, size_t frames) const;
  // Out of place: out = y(in), frames * channels values; the same bits as apply(out) on a copy
  // of in. in == out is apply(in, frames); otherwise the two must not overlap.
  void apply(const float* in, float* out, size_t frames) const;
  float scale(int c) const { return scale_[static_cast<size_t>(c)]; }
  float offset(int c) const { return offset_[static_cast<size_t>(c)]; }

 private:
  Normalizer() = default;
  std::vector<float> scale_, offset_;
  bool clamp_ = false;
  bool uniform_ = false;  // every channel has the same map: one flat loop
};

// Parses "min:max" or "min:max,min:max,..."; throws naming `what` on garbage or min >= max.
std::vector<Range> parse_range_list(const std::string& text, const std::string& what);

}  // namespace edge::signal
