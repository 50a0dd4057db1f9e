// edgeinfer's parameters (declared once, see params/params.h) and statistics: what the element
// builds its nn::Classifier (nn/classifier.h) and remote inference (plugins/edgeinfer_remote.h)
// from, and what it reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/classifier.h"
#include "params/params.h"

namespace edge::nn {

// The kernel set as a parameter (an int-sized enum; the values are edgeinfer's GEnum values).
enum class KernelChoice { kFast = 0, kReference = 1 };

// edgeinfer's settings; the defaults are the declared defaults.
struct InferSettings {
  std::string model;   // .tflite path, read at start
  std::string labels;  // labels file; empty: the model's edgestream.labels
  uint32_t top_k = 5;
  KernelChoice kernels = KernelChoice::kFast;
  int32_t threads = 1;
  OutputType output_type = OutputType::kNative;
  std::string preprocess;  // the canonical preprocess text the graph runs ("": not stated)
  std::string statistics;  // statistics JSON the graph normalizes with ("": none)
  bool check_preprocess = true;
  // Remote inference (plugins/edgeinfer_remote.h); empty `remote`: local only.
  std::string remote;
  uint32_t remote_timeout_ms = 50;
  std::string remote_key;
  std::string remote_server_key;
  std::string remote_log;
};

// edgeinfer's statistics since start (the element publishes them under its object lock).
struct InferStatistics {
  double latency_last = 0.0;  // microseconds
  double latency_mean = 0.0;
  double latency_p99 = 0.0;
  double latency_max = 0.0;
  uint64_t invokes = 0;
  uint64_t arena_bytes = 0;
  uint64_t macs = 0;
  uint64_t remote_answered = 0;
  uint64_t local_fallbacks = 0;
  uint64_t late_replies = 0;
  uint64_t remote_rejected = 0;
};

const params::Table& infer_params();

// Invoke latencies since start: last, mean and maximum, and the 99th percentile (nearest rank)
// of the last kWindow. add() allocates nothing; publish() sorts a copy (for a reader).
// Not thread-safe: the element guards it with its object lock.
class InvokeLatencies {
 public:
  static constexpr size_t kWindow = 1024;
  InvokeLatencies() { reset(); }
  void reset();
  void add(uint64_t ns);
  // Writes the latency fields and invokes of *statistics (microseconds).
  void publish(InferStatistics* statistics) const;

 private:
  uint64_t invokes_ = 0, last_ns_ = 0, max_ns_ = 0;
  long double sum_ns_ = 0;
  std::vector<uint64_t> recent_;  // ring of the last kWindow latencies
  size_t next_ = 0;
};

// The Classifier's options from the settings.
ClassifierOptions classifier_options(const InferSettings& settings);

}  // namespace edge::nn
