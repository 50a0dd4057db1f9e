// Training speed on one thread (results in docs/benchmarks.md, "Training").
//
// BM_GestureDense600Epochs: the paper's 180-50-15-2 network, RMSprop, batch 1,
//   600 epochs over all 60 bundled punch/flex recordings (28 800 steps).
// BM_SqueezeNetForward / BM_SqueezeNetTrainStep: the SqueezeNet-style audio
//   CNN (core/learn/train/architectures.h) on 173x173x1 inputs, batch 25: forward
//   only (training mode), and forward + backward + Adam step. Counters:
//   images/s and GEMM GFLOP/s = matrix-product FLOPs (forward F, training
//   step 3F: forward plus input- and weight-gradient products) / wall time.
// BM_SqueezeNetEpoch500: one epoch over 500 images (the size of the
//   UrbanSound8K subset in ../shared/data), batch 25, 20 steps. The inputs are
//   seeded random 173x173 images: the arithmetic does not depend on values.
// BM_GemmForward / BM_GemmWeightGrad / BM_GemmInputGrad: the three products of
//   fire2's 3x3 expand convolution for one image in isolation
//   ([1764 x 144] x [144 x 32] and its transposes), Eigen's raw throughput.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "tools/experiments/gesture_experiment.h"
#include "train/architectures.h"
#include "train/trainer.h"

namespace {

using namespace edge::train;

std::string source_root() {
  if (const char* env = std::getenv("EDGE_SOURCE_ROOT")) return env;
  return EDGE_SOURCE_ROOT_DIR;  // set by bench/meson.build
}

void BM_GestureDense600Epochs(benchmark::State& state) {
  const std::string dir = source_root() + "/datasets/gesture-punch-flex/";
  GestureData data;
  try {
    data = load_gesture_classes({{"punch", dir + "punch.csv"}, {"flex", dir + "flex.csv"}});
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    Model model = make_gesture_dense_model(180, 2);
    model.initialize(1);
    RmsProp rms;
    FitOptions options;
    options.epochs = 600;
    options.batch_size = 1;
    options.threads = 1;
    Trainer trainer(model, rms, options);
    const History history = trainer.fit(data.data);
    benchmark::DoNotOptimize(history.epochs.back().loss);
  }
  state.counters["steps/s"] =
      benchmark::Counter(600.0 * data.data.size(), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GestureDense600Epochs)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr int kBatch = 25;

Dataset random_images(int count) {
  Dataset d;
  d.x.resize({count, 173, 173, 1});
  Rng rng(7);
  for (int64_t i = 0; i < d.x.size(); ++i) d.x[i] = float(rng.normal());
  for (int i = 0; i < count; ++i) d.labels.push_back(i % 10);
  return d;
}

void set_cnn_counters(benchmark::State& state, int images, double flops_per_iteration) {
  state.counters["images/s"] =
      benchmark::Counter(images, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GEMM_GFLOP/s"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SqueezeNetForward(benchmark::State& state) {
  Model model = make_squeezenet_audio();
  model.initialize(1);
  const Dataset data = random_images(kBatch);
  Context ctx{true, 1, 1.0f};
  for (auto _ : state) benchmark::DoNotOptimize(model.forward(data.x, ctx).data());
  set_cnn_counters(state, kBatch, double(model.forward_gemm_flops(kBatch)));
}
BENCHMARK(BM_SqueezeNetForward)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SqueezeNetTrainStep(benchmark::State& state) {
  Model model = make_squeezenet_audio();
  model.initialize(1);
  const Dataset data = random_images(kBatch);
  Adam adam;
  FitOptions options;
  options.threads = 1;
  options.shards = 1;
  Trainer trainer(model, adam, options);
  std::vector<int> indices(kBatch);
  for (int i = 0; i < kBatch; ++i) indices[size_t(i)] = i;
  int64_t step = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(trainer.train_step(data, indices.data(), kBatch, step++));
  set_cnn_counters(state, kBatch, 3.0 * double(model.forward_gemm_flops(kBatch)));
  state.counters["GEMM_GFLOP"] = 3e-9 * double(model.forward_gemm_flops(kBatch));
}
BENCHMARK(BM_SqueezeNetTrainStep)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SqueezeNetEpoch500(benchmark::State& state) {
  const Dataset data = random_images(500);
  for (auto _ : state) {
    state.PauseTiming();
    Model model = make_squeezenet_audio();
    model.initialize(1);
    Adam adam;
    FitOptions options;
    options.epochs = 1;
    options.batch_size = kBatch;
    options.threads = 1;
    options.shards = 1;
    Trainer trainer(model, adam, options);
    state.ResumeTiming();
    benchmark::DoNotOptimize(trainer.fit(data).epochs.back().loss);
  }
  const Model model = make_squeezenet_audio();
  set_cnn_counters(state, 500, 3.0 * double(model.forward_gemm_flops(500)));
}
BENCHMARK(BM_SqueezeNetEpoch500)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// fire2 expand 3x3 for one image: P [1764 x 144], W [32 x 144], dY [1764 x 32].
struct GemmShapes {
  RowMatrix patches = RowMatrix::Random(1764, 144);
  RowMatrix kernel = RowMatrix::Random(32, 144);
  RowMatrix out = RowMatrix::Zero(1764, 32);
  RowMatrix grad_out = RowMatrix::Random(1764, 32);
  RowMatrix kernel_grad = RowMatrix::Zero(32, 144);
  RowMatrix patch_grad = RowMatrix::Zero(1764, 144);
  static constexpr double kFlops = 2.0 * 1764 * 144 * 32;
};

void BM_GemmForward(benchmark::State& state) {
  GemmShapes g;
  for (auto _ : state) {
    g.out.noalias() = g.patches * g.kernel.transpose();
    benchmark::DoNotOptimize(g.out.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(GemmShapes::kFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GemmForward)->UseRealTime();

void BM_GemmWeightGrad(benchmark::State& state) {
  GemmShapes g;
  for (auto _ : state) {
    g.kernel_grad.noalias() += g.grad_out.transpose() * g.patches;
    benchmark::DoNotOptimize(g.kernel_grad.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(GemmShapes::kFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GemmWeightGrad)->UseRealTime();

void BM_GemmInputGrad(benchmark::State& state) {
  GemmShapes g;
  for (auto _ : state) {
    g.patch_grad.noalias() = g.grad_out * g.kernel;
    benchmark::DoNotOptimize(g.patch_grad.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(GemmShapes::kFlops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_GemmInputGrad)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
