// Model-level inference benchmarks: one nn::Classifier::classify() per iteration on one
// thread (a window in the input's own type copied in, invoke, output 0 read as scores, the
// best class picked: what edgeinfer does per buffer), with the reference and the fast kernel
// sets. Counters: invokes/s, MACs/s (MACs as Interpreter::macs() counts them), arena bytes.
//
// Real models come from ../shared/data/models/tflm (EDGE_SHARED_DATA or the path
// beside the source tree); a missing model skips its benchmark with a message.
// EDGE_BENCH_MODELS=a.tflite:b.tflite adds the fast-kernel benchmark of each file
// (models written by `edgestream train/optimize`, docs/results.md's latencies).
// The paper's 180-50-15-2 dense network (gesture classifier: 30 samples x 6 IMU
// channels in, RELU hidden layers, softmax over 2 classes) is built here through
// the model IR directly, with fixed pseudo-random int8 weights: the speed does not
// depend on the weight values, only on the shapes and types.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nn/classifier.h"
#include "nn/tflite_reader.h"

namespace {

using namespace edge;
using namespace edge::nn;

std::string model_path(const char* name) {
  const char* env = std::getenv("EDGE_SHARED_DATA");
  // Default: ../shared/data beside the source tree (this file is <source>/bench/...).
  std::string self = __FILE__;
  const std::string source_root = self.substr(0, self.rfind("/bench/"));
  std::string root = env ? env : source_root + "/../shared/data";
  return root + "/models/tflm/" + name;
}

Tensor make_tensor(const char* name, DType type, Shape shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant.scale = {scale};
  t.quant.zero_point = {zp};
  return t;
}

// 180-50-15-2 int8 dense network with RELU hidden layers and a softmax output.
Model dense_180_50_15_2() {
  Model m;
  m.set_source("<dense-180-50-15-2>");
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> weight(-127, 127);
  std::uniform_int_distribution<int> bias_value(-2000, 2000);
  const int sizes[] = {180, 50, 15, 2};
  float in_scale = 0.05f;
  int32_t prev = m.add_tensor(make_tensor("input", DType::kInt8, {1, 180}, in_scale, 0));
  m.set_inputs({prev});
  for (int layer = 0; layer < 3; ++layer) {
    const int in_n = sizes[layer], out_n = sizes[layer + 1];
    std::vector<int8_t> w(static_cast<size_t>(in_n * out_n));
    for (auto& v : w) v = static_cast<int8_t>(weight(rng));
    std::vector<int32_t> b(static_cast<size_t>(out_n));
    for (auto& v : b) v = bias_value(rng);
    const float w_scale = 0.01f;
    const int32_t wi = m.add_constant(make_tensor("w", DType::kInt8, {out_n, in_n}, w_scale, 0),
                                      w.data(), w.size());
    const int32_t bi = m.add_constant(
        make_tensor("b", DType::kInt32, {out_n}, in_scale * w_scale, 0), b.data(), b.size() * 4);
    const float out_scale = 0.1f;
    const int32_t oi =
        m.add_tensor(make_tensor("act", DType::kInt8, {1, out_n}, out_scale, layer < 2 ? -128 : 0));
    Operator op;
    op.op = Op::kFullyConnected;
    op.inputs = {prev, wi, bi};
    op.outputs = {oi};
    FullyConnectedOptions options;
    options.activation = layer < 2 ? Activation::kRelu : Activation::kNone;
    op.options = options;
    m.add_operator(op);
    prev = oi;
    in_scale = out_scale;
  }
  const int32_t out = m.add_tensor(make_tensor("probs", DType::kInt8, {1, 2}, 1.f / 256, -128));
  Operator softmax;
  softmax.op = Op::kSoftmax;
  softmax.inputs = {prev};
  softmax.outputs = {out};
  softmax.options = SoftmaxOptions{};
  m.add_operator(softmax);
  m.set_outputs({out});
  m.validate();
  return m;
}

void run(benchmark::State& state, const Model& model, KernelSet kernels) {
  ClassifierOptions options;
  options.kernels = kernels;
  options.top_k = 1;
  Classifier classifier(model, options);
  // A fixed pattern in the input's own type: the time of these kernels does not depend on it.
  std::vector<uint8_t> window(classifier.stream_bytes());
  for (size_t i = 0; i < window.size(); ++i) window[i] = static_cast<uint8_t>(i * 37 % 251);
  for (auto _ : state) {
    benchmark::DoNotOptimize(classifier.classify(window.data()).top.data());
  }
  const Interpreter& interpreter = classifier.interpreter();
  const double invokes = static_cast<double>(state.iterations());
  state.counters["invokes/s"] = benchmark::Counter(invokes, benchmark::Counter::kIsRate);
  state.counters["MACs/s"] = benchmark::Counter(invokes * static_cast<double>(interpreter.macs()),
                                                benchmark::Counter::kIsRate);
  state.counters["MACs"] = static_cast<double>(interpreter.macs());
  state.counters["arena_bytes"] = static_cast<double>(interpreter.arena_bytes());
}

// `name`: a file of ../shared/data/models/tflm, or a path when it holds a '/'.
void bench_file(benchmark::State& state, const std::string& name, KernelSet kernels) {
  static std::map<std::string, std::unique_ptr<Model>> cache;
  auto& slot = cache[name];
  if (!slot) {
    try {
      ReadOptions options;
      options.allow_unsupported = true;  // SVDF state in the keyword model
      const std::string path =
          name.find('/') != std::string::npos ? name : model_path(name.c_str());
      slot = std::make_unique<Model>(read_tflite_file(path, options));
    } catch (const Error& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
  run(state, *slot, kernels);
}

void bench_dense(benchmark::State& state, KernelSet kernels) {
  static const Model model = dense_180_50_15_2();
  run(state, model, kernels);
}

#define EDGE_MODEL_BENCH(label, file)                                     \
  BENCHMARK_CAPTURE(bench_file, label##_ref, file, KernelSet::kReference) \
      ->Unit(benchmark::kMicrosecond);                                    \
  BENCHMARK_CAPTURE(bench_file, label##_fast, file, KernelSet::kFast)->Unit(benchmark::kMicrosecond)

EDGE_MODEL_BENCH(person_detect, "person_detect.tflite");
EDGE_MODEL_BENCH(micro_speech_quantized, "micro_speech_quantized.tflite");
EDGE_MODEL_BENCH(hello_world_int8, "hello_world_int8.tflite");
EDGE_MODEL_BENCH(keyword_scrambled, "keyword_scrambled.tflite");
BENCHMARK_CAPTURE(bench_dense, dense_180_50_15_2_ref, KernelSet::kReference)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(bench_dense, dense_180_50_15_2_fast, KernelSet::kFast)
    ->Unit(benchmark::kNanosecond);

void register_files_from_environment() {
  const char* list = std::getenv("EDGE_BENCH_MODELS");
  if (!list) return;
  std::string rest = list;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string path = rest.substr(0, colon);
    rest = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (path.empty()) continue;
    const std::string label = "bench_file/" + path.substr(path.rfind('/') + 1) + "_fast";
    benchmark::RegisterBenchmark(label.c_str(), [path](benchmark::State& state) {
      bench_file(state, path, KernelSet::kFast);
    })->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_files_from_environment();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
