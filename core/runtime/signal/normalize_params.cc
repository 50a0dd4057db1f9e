#include "signal/normalize_params.h"

#include "common/error.h"
#include "common/number_list.h"

namespace edge::signal {
namespace {

std::string check_numbers(const params::Value& v) {
  try {
    parse_number_list(v.s, "mean");
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

std::string check_deviations(const params::Value& v) {
  try {
    for (double d : parse_number_list(v.s, "std"))
      if (!(d > 0)) throw Error(msg("std: ", d, " is not > 0"));
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

std::string check_ranges(const params::Value& v) {
  try {
    parse_range_list(v.s, "ranges");
  } catch (const Error& e) {
    return e.what();
  }
  return std::string();
}

}  // namespace

Normalizer make_normalizer(const NormalizeSettings& s, int channels, const StatsAccumulator* file) {
  if (s.mode == NormalizeMode::kZscore)
    return file ? Normalizer::zscore_from_stats(*file, channels, s.per_channel)
                : Normalizer::zscore(parse_number_list(s.mean, "mean"),
                                     parse_number_list(s.std, "std"), channels);
  if (s.mode == NormalizeMode::kMinmax)
    return file ? Normalizer::minmax_from_stats(*file, channels, s.per_channel, s.clamp)
                : Normalizer::minmax(parse_range_list(s.ranges, "ranges"), channels, s.clamp);
  throw Error("mode=stats measures and does not normalize");
}

const params::Table& normalize_params() {
  static const params::Table table = [] {
    using S = NormalizeSettings;
    params::TableBuilder<S, NormalizeStatistics> b(
        "edgenormalize",
        "Z-score or min-max normalization of float32 audio or tensors, or a statistics pass");
    b.choice("mode", "Mode",
             "zscore: (x-mean)/std; minmax: (x-min)/(max-min) to [0,1]; stats: pass-through "
             "measuring the statistics file written at EOS",
             &S::mode, "GstEdgeNormalizeMode",
             {{int(NormalizeMode::kZscore), "zscore", "(x - mean) / std"},
              {int(NormalizeMode::kMinmax), "minmax", "(x - min) / (max - min)"},
              {int(NormalizeMode::kStats), "stats",
               "Pass-through that measures mean, std, min and max"}});
    b.text("mean", "Mean",
           "zscore mean, in the input's units: one number for all channels or one per channel, "
           "\"a,b,c\" (ignored when stats-file is set)",
           &S::mean)
        .check(check_numbers, "one number, or one per channel separated by commas");
    b.text("std", "Standard deviation",
           "zscore standard deviation (> 0): one number or one per channel (ignored when "
           "stats-file is set)",
           &S::std)
        .check(check_deviations, "one number > 0, or one per channel separated by commas");
    b.text("ranges", "Ranges",
           "minmax input ranges min:max, one for all channels or one per channel, e.g. "
           "\"-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000\" (g, deg/s); ignored when "
           "stats-file is set",
           &S::ranges)
        .check(check_ranges, "min:max with min < max, one or one per channel separated by commas");
    b.boolean("clamp", "Clamp",
              "minmax: clamp results to [0,1] (else values outside the ranges map linearly "
              "outside [0,1])",
              &S::clamp);
    b.text("stats-file", "Statistics file",
           "Statistics JSON file: read in zscore/minmax modes (mean/std or min/max, global or "
           "per-channel), written at EOS in stats mode",
           &S::stats_file);
    b.boolean("per-channel", "Per channel",
              "With stats-file: use each channel's statistics (else the global, pooled ones)",
              &S::per_channel);
    b.statistic("nonfinite", "Non-finite values",
                "mode=stats: NaN/Inf values refused (left out of the statistics) since start",
                &NormalizeStatistics::nonfinite);
    return b.build();
  }();
  return table;
}

}  // namespace edge::signal
