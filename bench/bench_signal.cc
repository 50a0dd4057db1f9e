// Signal path benchmarks: the thesis's preprocessing of 30 kHz mono audio (1 s windows every
// 0.5 s, z-score, 173x173 square) in the core, against a plain memcpy of the same bytes.
//
// One iteration processes one 4 s clip (120,000 samples) pushed in 1024-frame chunks, as an
// audio source delivers it, into 7 windows. Counters: `x_realtime` is seconds of audio
// processed per second of wall time. Results and commands: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "signal/normalize.h"
#include "signal/reshape.h"
#include "signal/stats.h"
#include "signal/window.h"

namespace {

constexpr int kRate = 30000;
constexpr size_t kClipFrames = 4 * kRate;  // 4 s, as every UrbanSound8K copy here
constexpr size_t kChunk = 1024;
constexpr double kClipSeconds = 4.0;

std::vector<float> make_audio(size_t n, int channels = 1) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.2f);
  std::vector<float> v(n * static_cast<size_t>(channels));
  for (float& x : v) x = dist(rng);
  return v;
}

void set_realtime(benchmark::State& state, double seconds_per_iteration) {
  state.counters["x_realtime"] = benchmark::Counter(
      seconds_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One clip through `windower` in kChunk-frame pushes, emit() at every ready window.
template <typename Emit>
void window_clip(edge::signal::SlidingWindower& windower, const std::vector<float>& audio,
                 Emit emit) {
  windower.reset();
  for (size_t pos = 0; pos < audio.size(); pos += kChunk) {
    const float* p = audio.data() + pos;
    size_t n = std::min(kChunk, audio.size() - pos);
    while (n > 0) {
      const size_t used = windower.push(p, n);
      p += used;
      n -= used;
      if (windower.window_ready()) emit();
    }
  }
  while (windower.finish()) emit();
}

// The whole core path: window + z-score + square reshape (floor: a prefix, no copy). `views`:
// the window as the elements take it since issue 15, a view of the windower's storage (no
// copy) normalized once into the output window (edgenormalize's read-only input path); else
// copied out, then normalized in place.
void window_zscore_square(benchmark::State& state, bool views) {
  const std::vector<float> audio = make_audio(kClipFrames);
  edge::signal::SlidingWindower windower({1, kRate, kRate / 2, edge::signal::TailPolicy::kPad});
  const auto normalizer = edge::signal::Normalizer::zscore({-0.0008}, {0.2161}, 1);
  const auto plan = edge::signal::plan_square(kRate, 1, edge::signal::ReshapeMode::kSquareFloor);
  std::vector<float> window(kRate);
  size_t windows = 0;
  auto emit = [&] {
    if (views) {
      edge::signal::WindowView view;
      windower.pop_view(&view);
      normalizer.apply(reinterpret_cast<const float*>(view.data), window.data(), window.size());
    } else {
      windower.pop(window.data());
      normalizer.apply(window.data(), window.size());
    }
    edge::signal::reshape_apply(plan, window.data(), window.data());
    benchmark::DoNotOptimize(window.data());
    ++windows;
  };
  for (auto _ : state) {
    window_clip(windower, audio, emit);
    benchmark::ClobberMemory();
  }
  if (windows != 7 * static_cast<size_t>(state.iterations()))
    state.SkipWithError("not 7 windows per clip");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kClipFrames * sizeof(float)));
  set_realtime(state, kClipSeconds);
}
void BM_WindowZScoreSquare(benchmark::State& state) { window_zscore_square(state, false); }
BENCHMARK(BM_WindowZScoreSquare)->Unit(benchmark::kMicrosecond);
void BM_WindowViewZScoreSquare(benchmark::State& state) { window_zscore_square(state, true); }
BENCHMARK(BM_WindowViewZScoreSquare)->Unit(benchmark::kMicrosecond);

// memcpy of the clip's input bytes (120,000 floats), in the same 1024-frame chunks.
void BM_MemcpyInputBytes(benchmark::State& state) {
  const std::vector<float> audio = make_audio(kClipFrames);
  std::vector<float> dst(kClipFrames);
  for (auto _ : state) {
    for (size_t pos = 0; pos < kClipFrames; pos += kChunk)
      std::memcpy(dst.data() + pos, audio.data() + pos, std::min(kChunk, kClipFrames - pos) * 4);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kClipFrames * sizeof(float)));
  set_realtime(state, kClipSeconds);
}
BENCHMARK(BM_MemcpyInputBytes)->Unit(benchmark::kMicrosecond);

// memcpy of the clip's output bytes: 7 windows of 30,000 floats (overlap doubles them).
void BM_MemcpyOutputBytes(benchmark::State& state) {
  const std::vector<float> audio = make_audio(kClipFrames);
  std::vector<float> dst(kRate);
  for (auto _ : state) {
    for (size_t w = 0; w < 7; ++w) {
      std::memcpy(dst.data(), audio.data() + w * kRate / 2, kRate * sizeof(float));
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 7 * kRate * sizeof(float)));
  set_realtime(state, kClipSeconds);
}
BENCHMARK(BM_MemcpyOutputBytes)->Unit(benchmark::kMicrosecond);

// The parts alone.
void BM_SlidingWindowOnly(benchmark::State& state) {
  const std::vector<float> audio = make_audio(kClipFrames);
  edge::signal::SlidingWindower windower({1, kRate, kRate / 2, edge::signal::TailPolicy::kPad});
  std::vector<float> window(kRate);
  for (auto _ : state) {
    windower.reset();
    const float* p = audio.data();
    size_t n = kClipFrames;
    while (n > 0) {
      size_t used = windower.push(p, std::min(n, kChunk));
      p += used;
      n -= used;
      if (windower.window_ready()) windower.pop(window.data());
    }
    while (windower.finish()) windower.pop(window.data());
    benchmark::DoNotOptimize(window.data());
  }
  set_realtime(state, kClipSeconds);
}
BENCHMARK(BM_SlidingWindowOnly)->Unit(benchmark::kMicrosecond);

void BM_ZScoreOnly(benchmark::State& state) {
  std::vector<float> data = make_audio(static_cast<size_t>(state.range(0)));
  const auto normalizer = edge::signal::Normalizer::zscore({-0.0008}, {0.2161}, 1);
  for (auto _ : state) {
    normalizer.apply(data.data(), data.size());
    benchmark::DoNotOptimize(data.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size() * sizeof(float)));
}
BENCHMARK(BM_ZScoreOnly)->Arg(30000);

void BM_MinMaxPerChannelImu(benchmark::State& state) {
  std::vector<float> data = make_audio(30, 6);  // one gesture window
  const auto normalizer = edge::signal::Normalizer::minmax(
      {{-4, 4}, {-4, 4}, {-4, 4}, {-2000, 2000}, {-2000, 2000}, {-2000, 2000}}, 6, false);
  for (auto _ : state) {
    normalizer.apply(data.data(), 30);
    benchmark::DoNotOptimize(data.data());
  }
}
BENCHMARK(BM_MinMaxPerChannelImu);

// Triggered windowing of 6-channel IMU frames at 100 Hz (the paper's gesture stream).
void BM_TriggeredImu(benchmark::State& state) {
  const size_t frames = 6000;  // one minute at 100 Hz
  std::vector<float> imu = make_audio(frames, 6);
  for (size_t f = 0; f < frames; f += 97) imu[f * 6] = 3.0f;  // a punch now and then
  edge::signal::TriggeredWindowConfig c;
  c.channels = 6;
  c.length = 30;
  c.threshold = 2.5;
  c.trigger_channels = {0, 1, 2};
  edge::signal::TriggeredWindower windower(c);
  std::vector<float> window(30 * 6);
  for (auto _ : state) {
    windower.reset();
    const float* p = imu.data();
    size_t n = frames;
    while (n > 0) {
      size_t used = windower.push(p, n);
      p += used * 6;
      n -= used;
      if (windower.window_ready()) windower.pop(window.data());
    }
    while (windower.finish()) windower.pop(window.data());
    benchmark::DoNotOptimize(window.data());
  }
  set_realtime(state, 60.0);
}
BENCHMARK(BM_TriggeredImu)->Unit(benchmark::kMicrosecond);

// Statistics pass over one clip.
void BM_StatsAccumulate(benchmark::State& state) {
  const std::vector<float> audio = make_audio(kClipFrames);
  edge::signal::StatsAccumulator acc(1);
  for (auto _ : state) {
    acc.add(audio.data(), kClipFrames);
    benchmark::DoNotOptimize(acc.channel(0).mean);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kClipFrames * sizeof(float)));
  set_realtime(state, kClipSeconds);
}
BENCHMARK(BM_StatsAccumulate)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
