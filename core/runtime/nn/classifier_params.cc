#include "nn/classifier_params.h"

#include <algorithm>

#include "net/socket.h"

namespace edge::nn {
namespace {

std::string check_endpoint(const params::Value& v) {
  return v.s.empty() ? std::string() : net::endpoint_problem(v.s);
}

}  // namespace

const params::Table& infer_params() {
  static const params::Table table = [] {
    using S = InferSettings;
    using T = InferStatistics;
    params::TableBuilder<S, T> b(
        "edgeinfer",
        "Runs a .tflite model on a tensor stream with edgestream's own engine (nn::Classifier)");
    b.text("model", "Model", "Path of the .tflite model (read and verified at start)", &S::model);
    b.text("labels", "Labels file",
           "Labels, one per line, for the values of output 0; empty: the model's "
           "edgestream.labels metadata (or no labels)",
           &S::labels);
    b.number("top-k", "Top k", "Number of best classes of output 0 in the classification meta",
             &S::top_k, 1u, 1000u);
    b.choice(
        "kernels", "Kernels", "Kernel set of the engine", &S::kernels, "GstEdgeInferKernels",
        {{int(KernelChoice::kFast), "fast",
          "Fast kernels (Eigen GEMM for float, vectorized int8), bit-exact with ref"},
         {int(KernelChoice::kReference), "ref", "Reference kernels (plain loops, the truth)"}});
    b.number("threads", "Threads",
             "Threads the convolution and fully connected kernels split their work over, per "
             "invoke",
             &S::threads, 1, 64);
    b.choice(
        "output-type", "Output type",
        "Type of the output tensors: as the model gives them, or float32", &S::output_type,
        "GstEdgeInferOutputType",
        {{int(OutputType::kNative), "native", "The model's output types as they are (e.g. int8)"},
         {int(OutputType::kFloat32), "float32", "Every output dequantized to float32"}});
    b.text("preprocess", "Preprocess",
           "The canonical preprocess segment this graph runs (edgestream launch fills it); "
           "compared at start with the model's edgestream.preprocess metadata. Empty: not "
           "checked",
           &S::preprocess);
    b.text("statistics", "Statistics file",
           "Normalization statistics JSON the graph's preprocessing uses; compared at start with "
           "the model's edgestream.statistics metadata. Empty: the graph uses none",
           &S::statistics);
    b.boolean("check-preprocess", "Check preprocess",
              "Refuse to start when preprocess/statistics differ from the model's (false: only a "
              "warning)",
              &S::check_preprocess);
    b.statistic("latency-last", "Last latency", "Duration of the last invoke, in microseconds",
                &T::latency_last);
    b.statistic("latency-mean", "Mean latency", "Mean invoke duration since start, in microseconds",
                &T::latency_mean);
    b.statistic("latency-p99", "99th percentile latency",
                "99th percentile of the last 1024 invoke durations, in microseconds",
                &T::latency_p99);
    b.statistic("latency-max", "Maximum latency", "Longest invoke since start, in microseconds",
                &T::latency_max);
    b.statistic("invokes", "Invokes", "Invokes since start", &T::invokes);
    b.statistic("arena-bytes", "Arena bytes", "Bytes of the planned tensor arena (0 before start)",
                &T::arena_bytes);
    b.statistic("macs", "MACs", "Multiply-accumulates per invoke (0 before start)", &T::macs);
    b.text("remote", "Remote server",
           "ZeroMQ endpoint of a remote-inference server (edgezmqsrc mode=router), e.g. "
           "tcp://server:5560; each window goes there first and the local model answers when the "
           "server does not in time (unset: local only)",
           &S::remote)
        .nullable()
        .check(check_endpoint, "a ZeroMQ endpoint such as tcp://server:5560, or nothing");
    b.number("remote-timeout-ms", "Remote timeout (ms)",
             "Longest wait for the server's reply to a window, in milliseconds, before the local "
             "model answers",
             &S::remote_timeout_ms, 1u, 60000u);
    b.text("remote-key", "Remote key",
           "CURVE: this device's secret certificate file (NAME.key_secret); needs "
           "'remote-server-key'",
           &S::remote_key)
        .nullable();
    b.text("remote-server-key", "Remote server key",
           "CURVE: the server's public certificate file (NAME.key); needs 'remote-key'",
           &S::remote_server_key)
        .nullable();
    b.text("remote-log", "Remote log file",
           "Write one JSON line per window (request id, which model answered, why it fell back, "
           "wait in ms), per late reply, and a summary at stop",
           &S::remote_log)
        .nullable();
    b.statistic("remote-answered", "Remote answers",
                "Windows answered by the server in time since start", &T::remote_answered);
    b.statistic("local-fallbacks", "Local fallbacks",
                "Windows the local model answered because the server was not connected, did not "
                "reply in time or replied unusably",
                &T::local_fallbacks);
    b.statistic("late-replies", "Late replies",
                "Server replies that came after their window's deadline (discarded)",
                &T::late_replies);
    b.statistic("remote-rejected", "Rejected replies",
                "Server messages refused: malformed, not a reply, or tensors that do not fit this "
                "model's outputs",
                &T::remote_rejected);
    return b.build();
  }();
  return table;
}

void InvokeLatencies::reset() {
  invokes_ = last_ns_ = max_ns_ = 0;
  sum_ns_ = 0;
  recent_.assign(kWindow, 0);
  next_ = 0;
}

void InvokeLatencies::add(uint64_t ns) {
  ++invokes_;
  last_ns_ = ns;
  max_ns_ = std::max(max_ns_, ns);
  sum_ns_ += ns;
  recent_[next_] = ns;
  next_ = (next_ + 1) % recent_.size();
}

void InvokeLatencies::publish(InferStatistics* out) const {
  params::publish(&out->invokes, invokes_);
  params::publish(&out->latency_last, double(last_ns_) / 1000.0);
  params::publish(&out->latency_max, double(max_ns_) / 1000.0);
  params::publish(&out->latency_mean,
                  invokes_ ? static_cast<double>(sum_ns_ / invokes_) / 1000.0 : 0.0);
  const size_t n = static_cast<size_t>(std::min<uint64_t>(invokes_, recent_.size()));
  double p99 = 0.0;
  if (n > 0) {
    std::vector<uint64_t> sorted(recent_.begin(), recent_.begin() + static_cast<long>(n));
    // Nearest rank: the smallest value with at least 99 % of them at or below it.
    const size_t rank = (99 * n + 99) / 100;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(rank - 1), sorted.end());
    p99 = double(sorted[rank - 1]) / 1000.0;
  }
  params::publish(&out->latency_p99, p99);
}

ClassifierOptions classifier_options(const InferSettings& s) {
  ClassifierOptions options;
  options.kernels = s.kernels == KernelChoice::kFast ? KernelSet::kFast : KernelSet::kReference;
  options.threads = s.threads;
  options.top_k = s.top_k;
  options.output_type = s.output_type;
  options.labels_file = s.labels;
  return options;
}

}  // namespace edge::nn
