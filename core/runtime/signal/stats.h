// Running statistics of an interleaved float stream, global and per channel, and the
// statistics JSON file that carries them from a dataset pass to normalization. Moments is the
// one mean/variance type of the project: the dataset store's per-shard statistics and the
// dataset merge use it too (core/data/store/shard_store.h).
//
// Numerics: each add() call is cut into blocks of at most kBlockFrames frames; a block's
// mean and sum of squared deviations (M2) are computed in double with two passes over the
// block, then merged into the running moments with Chan et al.'s pairwise update
//   n = na + nb, d = mb - ma, mean = ma + d*nb/n, M2 = M2a + M2b + d^2*na*nb/n.
// This is stable over billions of samples (no catastrophic cancellation of sum-of-squares
// formulas), and merge() uses the same update, so statistics computed in parallel shards
// and merged equal (to rounding) the statistics of one pass. The standard deviation is the
// POPULATION one: sqrt(M2 / count).
//
// Non-finite input (NaN, +Inf, -Inf) is refused: the value is left out of every statistic
// and counted in nonfinite(), so one bad sample never poisons the file.
//
// Statistics file (JSON, UTF-8), written by to_json()/save() and read by from_json()/load():
//   {
//     "format": "edgestream-stats", "version": 1,
//     "std": "population",
//     "channels": 2,
//     "nonfinite": 0,                   // values refused (NaN/Inf), all channels
//     "global":      {"count": 6, "mean": 1.5, "std": 0.5, "min": 1, "max": 2},
//     "per_channel": [{"count": 3, "mean": 1.0, "std": 0.0, "min": 1, "max": 1},
//                     {"count": 3, "mean": 2.0, "std": 0.0, "min": 2, "max": 2}]
//   }
// "global" pools every value of every channel. count is an integer; mean/std/min/max are
// numbers (min/max absent when count is 0). Doubles are written with round-trip precision.
//
// Not thread safe; use one accumulator per thread and merge().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edge::signal {

struct Moments {
  uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;   // sum of squared deviations from the mean
  double min = 0.0;  // valid when count > 0
  double max = 0.0;

  double variance() const { return count ? m2 / static_cast<double>(count) : 0.0; }  // population
  double stddev() const;
  // One value, Welford's update (the caller keeps values finite).
  void add(double x);
  // `count` values, in blocks of StatsAccumulator::kBlockFrames: each block's mean and M2 in
  // double with two passes, merged with Chan's update (the numerics described above; several
  // times faster than one add() per value). Every value counts, finite or not.
  void add(const float* values, size_t count);
  // Chan's pairwise merge; exact in count, stable in mean and m2.
  void merge(const Moments& other);
};

class StatsAccumulator {
 public:
  static constexpr size_t kBlockFrames = 4096;

  // Throws edge::Error when channels < 1.
  explicit StatsAccumulator(int channels);

  int channels() const { return static_cast<int>(per_channel_.size()); }
  // Adds `frames` interleaved frames. Non-finite values are skipped and counted.
  void add(const float* data, size_t frames);
  // Adds the other accumulator's data; throws edge::Error when channel counts differ.
  void merge(const StatsAccumulator& other);
  void clear();

  const Moments& channel(int c) const { return per_channel_.at(static_cast<size_t>(c)); }
  Moments global() const;  // all channels pooled
  uint64_t nonfinite() const { return nonfinite_; }

  std::string to_json() const;
  // Parses a statistics file's text; `name` (a path) is used in error messages.
  static StatsAccumulator from_json(const std::string& text, const std::string& name);
  void save(const std::string& path) const;  // throws edge::Error naming the path
  static StatsAccumulator load(const std::string& path);

 private:
  std::vector<Moments> per_channel_;
  std::vector<double> block_sum_;  // scratch, sized once
  std::vector<uint64_t> block_count_;
  uint64_t nonfinite_ = 0;
};

}  // namespace edge::signal
