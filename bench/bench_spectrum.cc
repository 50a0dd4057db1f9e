// Spectrum throughput on one core: FFT sizes, one log-mel frame, and whole 1 s windows of
// 16 kHz audio (keyword spotting: 30 ms frames, 20 ms hop, 512-point FFT, 40 mel bands,
// 49 frames). items_per_second counts frames; "x_realtime" is seconds of audio processed
// per second of CPU time (the real-time factor's inverse).
#include <benchmark/benchmark.h>

#include <cmath>
#include <complex>
#include <vector>

#include "signal/fft.h"
#include "signal/spectrum.h"

namespace {

std::vector<float> test_audio(size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i)
    x[i] = static_cast<float>(0.3 * std::sin(0.07 * i) + 0.1 * std::sin(0.0009 * i * i));
  return x;
}

void BM_RealFft(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  edge::RealFft fft(n);
  std::vector<float> x = test_audio(n);
  std::vector<std::complex<float>> X(fft.bins());
  for (auto _ : state) {
    fft.forward(x.data(), X.data());
    benchmark::DoNotOptimize(X.data());
  }
  state.SetItemsProcessed(state.iterations());
}
// 512: power of two; 480: 2^5 * 3 * 5; 462: 2 * 3 * 7 * 11 (generic radix stages).
BENCHMARK(BM_RealFft)->Arg(512)->Arg(480)->Arg(462)->Arg(2048);

edge::SpectrumConfig kws_config(edge::SpectrumMode mode) {
  edge::SpectrumConfig c;  // 16 kHz, frame 480, hop 320, n_fft 512, hann, 40 Slaney bands, dB
  c.mode = mode;
  return c;
}

void BM_Frame(benchmark::State& state) {
  const auto mode = static_cast<edge::SpectrumMode>(state.range(0));
  edge::Spectrogram s(kws_config(mode));
  std::vector<float> x = test_audio(480);
  std::vector<float> stage(s.stage_values()), out(s.bins());
  for (auto _ : state) {
    s.analyze_frame(x.data(), stage.data());
    s.finish(stage.data(), 1, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["x_realtime"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 320 / 16000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Frame)
    ->Arg(static_cast<int>(edge::SpectrumMode::kMagnitude))
    ->Arg(static_cast<int>(edge::SpectrumMode::kLogMel))
    ->Arg(static_cast<int>(edge::SpectrumMode::kMfcc))
    ->ArgName("mode(0=mag,2=logmel,3=mfcc)");

// What edgespectrum does per tensor window: 1 s of 16 kHz audio -> 49 frames, top_db over
// the window, DCT for MFCC.
void BM_Window1s(benchmark::State& state) {
  const auto mode = static_cast<edge::SpectrumMode>(state.range(0));
  edge::Spectrogram s(kws_config(mode));
  std::vector<float> x = test_audio(16000);
  std::vector<float> out(static_cast<size_t>(s.frames_for(16000)) * s.bins());
  s.reserve(16000);
  for (auto _ : state) {
    s.compute(x.data(), 16000, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * s.frames_for(16000));
  state.counters["x_realtime"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Window1s)
    ->Arg(static_cast<int>(edge::SpectrumMode::kLogMel))
    ->Arg(static_cast<int>(edge::SpectrumMode::kMfcc))
    ->ArgName("mode(2=logmel,3=mfcc)");

}  // namespace

BENCHMARK_MAIN();
