#include "signal/normalize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "common/number_list.h"
#include "signal/normalize_neon.h"

namespace edge::signal {

namespace {
void check_count(size_t n, int channels, const std::string& what) {
  if (channels < 1) throw Error(msg(what, ": channels must be >= 1, got ", channels));
  if (n != 1 && n != static_cast<size_t>(channels))
    throw Error(msg(what, ": expected 1 value (all channels) or ", channels,
                    " (one per channel), got ", n));
}
}  // namespace

std::vector<Range> parse_range_list(const std::string& text, const std::string& what) {
  std::vector<Range> ranges;
  for (const std::string& part : split_trimmed(text, ',')) {
    // The separator is the first ':' after the first character, so "-4:4" and "-4:-1" work.
    size_t colon = part.find(':', 1);
    if (part.empty() || colon == std::string::npos)
      throw Error(msg(what, ": expected min:max, got \"", part, "\""));
    Range r{parse_number(part.substr(0, colon), what), parse_number(part.substr(colon + 1), what)};
    if (!(r.min < r.max)) throw Error(msg(what, ": range \"", part, "\" needs min < max"));
    ranges.push_back(r);
  }
  return ranges;
}

Normalizer Normalizer::zscore(const std::vector<double>& mean, const std::vector<double>& std,
                              int channels) {
  check_count(mean.size(), channels, "z-score mean");
  check_count(std.size(), channels, "z-score std");
  Normalizer n;
  for (int c = 0; c < channels; ++c) {
    double m = mean.size() == 1 ? mean[0] : mean[static_cast<size_t>(c)];
    double s = std.size() == 1 ? std[0] : std[static_cast<size_t>(c)];
    if (!std::isfinite(m)) throw Error(msg("z-score mean of channel ", c, " is not finite"));
    if (!std::isfinite(s) || !(s > 0.0))
      throw Error(msg("z-score std of channel ", c, " must be a finite number > 0, got ", s));
    n.scale_.push_back(static_cast<float>(1.0 / s));
    n.offset_.push_back(static_cast<float>(-m / s));
  }
  n.uniform_ = mean.size() == 1 && std.size() == 1;
  return n;
}

Normalizer Normalizer::minmax(const std::vector<Range>& ranges, int channels, bool clamp) {
  check_count(ranges.size(), channels, "min-max ranges");
  Normalizer n;
  for (int c = 0; c < channels; ++c) {
    const Range& r = ranges.size() == 1 ? ranges[0] : ranges[static_cast<size_t>(c)];
    if (!std::isfinite(r.min) || !std::isfinite(r.max) || !(r.min < r.max))
      throw Error(msg("min-max range of channel ", c, " must be finite with min < max, got ", r.min,
                      ":", r.max));
    const double width = r.max - r.min;
    n.scale_.push_back(static_cast<float>(1.0 / width));
    n.offset_.push_back(static_cast<float>(-r.min / width));
  }
  n.clamp_ = clamp;
  n.uniform_ = ranges.size() == 1;
  return n;
}

Normalizer Normalizer::zscore_from_stats(const StatsAccumulator& stats, int channels,
                                         bool per_channel) {
  if (!per_channel) {
    Moments g = stats.global();
    if (g.count == 0) throw Error("statistics file holds no samples (count 0)");
    return zscore({g.mean}, {g.stddev()}, channels);
  }
  if (stats.channels() != channels)
    throw Error(msg("per-channel statistics have ", stats.channels(), " channels, the stream has ",
                    channels));
  std::vector<double> mean, sd;
  for (int c = 0; c < channels; ++c) {
    if (stats.channel(c).count == 0)
      throw Error(msg("statistics of channel ", c, " hold no samples (count 0)"));
    mean.push_back(stats.channel(c).mean);
    sd.push_back(stats.channel(c).stddev());
  }
  return zscore(mean, sd, channels);
}

Normalizer Normalizer::minmax_from_stats(const StatsAccumulator& stats, int channels,
                                         bool per_channel, bool clamp) {
  if (!per_channel) {
    Moments g = stats.global();
    if (g.count == 0) throw Error("statistics file holds no samples (count 0)");
    return minmax({{g.min, g.max}}, channels, clamp);
  }
  if (stats.channels() != channels)
    throw Error(msg("per-channel statistics have ", stats.channels(), " channels, the stream has ",
                    channels));
  std::vector<Range> ranges;
  for (int c = 0; c < channels; ++c) {
    if (stats.channel(c).count == 0)
      throw Error(msg("statistics of channel ", c, " hold no samples (count 0)"));
    ranges.push_back({stats.channel(c).min, stats.channel(c).max});
  }
  return minmax(ranges, channels, clamp);
}

void Normalizer::apply(float* data, size_t frames) const { apply(data, data, frames); }

void Normalizer::apply(const float* in, float* out, size_t frames) const {
  const size_t ch = scale_.size();
  const size_t count = frames * ch;
  if (count == 0) return;  // an empty buffer may map to null pointers
  if (!uniform_ && in != out) {
    // Per-channel maps run in place: copy first (the uniform loops read in and write out).
    std::memcpy(out, in, count * sizeof(float));
    in = out;
  }
#if defined(EDGE_SIGNAL_NEON)
  // NEON on ARM: bit-identical to the scalar loops (normalize_neon.h).
  static const bool neon = detail::normalize_neon_available();
  if (neon) {
    if (uniform_) {
      detail::affine_uniform_neon(in, out, count, scale_[0], offset_[0], clamp_);
    } else {
      detail::affine_channels_neon(out, frames, ch, scale_.data(), offset_.data(), clamp_);
    }
    return;
  }
#endif
#if defined(EDGE_SIGNAL_X86)
  static const bool avx2 = detail::normalize_avx2_available();
  if (avx2 && uniform_) {
    detail::affine_uniform_avx2(in, out, count, scale_[0], offset_[0], clamp_);
    return;
  }
#endif
  if (uniform_) {
    // One map for every value: one flat loop.
    detail::affine_uniform_scalar(in, out, count, scale_[0], offset_[0], clamp_);
  } else {
    detail::affine_channels_scalar(out, frames, ch, scale_.data(), offset_.data(), clamp_);
  }
}

}  // namespace edge::signal
