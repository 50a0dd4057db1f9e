// Export-step benchmarks: calibration + integer quantization of the paper's
// 180-50-15-2 dense network and the small Fire-module CNN (64 representative
// samples), float16 conversion, and writing the .tflite bytes. One model per
// iteration on one thread. Results in docs/export.md.
#include <benchmark/benchmark.h>

#include "nn/tflite_writer.h"
#include "optimize/float16.h"
#include "optimize/ptq.h"
#include "tests/core/optimize_test_models.h"

namespace {

using namespace edge;

nn::Model make(int which) {
  return which == 0 ? test::dense_gesture_model() : test::small_cnn_model();
}

void BM_QuantizeIntegerOnly(benchmark::State& state) {
  const nn::Model model = make(static_cast<int>(state.range(0)));
  optimize::PtqOptions options;
  options.mode = optimize::QuantMode::kIntegerOnly;
  options.representative = test::random_samples(model, 64, 1);
  for (auto _ : state) {
    optimize::PtqResult result = optimize::quantize(model, options);
    benchmark::DoNotOptimize(result.model.tensors().data());
  }
  state.SetLabel(state.range(0) == 0 ? "dense 180-50-15-2, 64 samples" : "cnn, 64 samples");
}
BENCHMARK(BM_QuantizeIntegerOnly)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Float16(benchmark::State& state) {
  const nn::Model model = make(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nn::Model half = optimize::convert_to_float16(model);
    benchmark::DoNotOptimize(half.tensors().data());
  }
  state.SetLabel(state.range(0) == 0 ? "dense 180-50-15-2" : "cnn");
}
BENCHMARK(BM_Float16)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_WriteTflite(benchmark::State& state) {
  const nn::Model model = make(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    const std::vector<uint8_t> out = nn::write_tflite(model);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetLabel(state.range(0) == 0 ? "dense 180-50-15-2 float32" : "cnn float32");
}
BENCHMARK(BM_WriteTflite)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
