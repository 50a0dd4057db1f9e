// Resamplers side by side: edgestream's own (signal/resample.h, each kernel), GStreamer's
// (GstAudioResampler, the engine of audioresample, at the element's defaults), libsoxr,
// libsamplerate and speexdsp (Debian's libsoxr-dev, libsamplerate0-dev, libspeexdsp-dev:
// each is compiled in when found, for this comparison only; the product links none of them).
//
//   bench_resample [Google Benchmark flags]      speed: one iteration = one 4 s clip, reset
//                                                before it, pushed in chunks of kChunkFrames
//                                                (EDGE_RESAMPLE_CHUNK=N: N frames)
//   bench_resample convert ENGINE IN_RATE OUT_RATE < in.f32 > out.f32
//                                                one mono clip (raw float32) through ENGINE,
//                                                for bench/resample_quality.py
//   bench_resample engines                       the ENGINE names built in
//
// ENGINE: edge, edge-reference, edge-avx512, edge-avx2, edge-neon, gst:Q (audioresample's kaiser
// method, quality Q 0..10, default 4), soxr:LQ|MQ|HQ|VHQ|edge (edge: soxr set to edgestream's
// filter spec, passband 0.87, stopband 1.0, 15 bits), src:fastest|medium|best, speex:Q (0..10).
// Results and commands: docs/benchmarks.md, "Resampling".
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "signal/resample.h"

#if defined(EDGE_HAVE_GST_AUDIO)
#include <gst/audio/audio.h>
#endif
#if defined(EDGE_HAVE_SOXR)
#include <soxr.h>
#endif
#if defined(EDGE_HAVE_SAMPLERATE)
#include <samplerate.h>
#endif
#if defined(EDGE_HAVE_SPEEXDSP)
#include <speex/speex_resampler.h>
#endif

namespace {

// Input frames per call: EDGE_RESAMPLE_CHUNK, default Resampler::kChunkFrames.
const size_t kChunk = [] {
  const char* text = std::getenv("EDGE_RESAMPLE_CHUNK");
  return text ? static_cast<size_t>(std::stoul(text)) : edge::signal::Resampler::kChunkFrames;
}();

// One engine: resamples clip after clip, each from a clean state; output aligned with the
// input where the library can do it (the quality script also aligns by correlation).
class Engine {
 public:
  virtual ~Engine() = default;
  // Appends the clip's output to `out`.
  virtual void clip(const float* in, size_t frames, std::vector<float>* out) = 0;
};

class EdgeEngine : public Engine {
 public:
  EdgeEngine(int in_rate, int out_rate, edge::signal::ResampleKernel kernel)
      : r_(in_rate, out_rate, 1, {}, kernel), buffer_(r_.max_output(kChunk)) {}
  void clip(const float* in, size_t frames, std::vector<float>* out) override {
    for (size_t at = 0; at < frames; at += kChunk) {
      const size_t n = r_.process(in + at, std::min(kChunk, frames - at), buffer_.data());
      out->insert(out->end(), buffer_.begin(), buffer_.begin() + static_cast<long>(n));
    }
    const size_t n = r_.finish(buffer_.data());
    out->insert(out->end(), buffer_.begin(), buffer_.begin() + static_cast<long>(n));
  }

 private:
  edge::signal::Resampler r_;
  std::vector<float> buffer_;
};

#if defined(EDGE_HAVE_GST_AUDIO)
// GstAudioResampler as audioresample sets it up: kaiser, the quality's cutoff, attenuation
// and transition, F32 interleaved, filter mode auto. A reset resampler starts aligned with
// its input (its history starts with zeros); `latency` zeros pushed at the end drain the
// tail, as the element does at EOS.
class GstEngine : public Engine {
 public:
  GstEngine(int in_rate, int out_rate, int quality) {
    GstStructure* options = gst_structure_new_empty("resampler");
    gst_audio_resampler_options_set_quality(GST_AUDIO_RESAMPLER_METHOD_KAISER, quality, in_rate,
                                            out_rate, options);
    r_ = gst_audio_resampler_new(GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
                                 GST_AUDIO_FORMAT_F32, 1, in_rate, out_rate, options);
    gst_structure_free(options);
    if (!r_) throw std::runtime_error("gst_audio_resampler_new failed");
    latency_ = gst_audio_resampler_get_max_latency(r_);
  }
  ~GstEngine() override { gst_audio_resampler_free(r_); }
  void clip(const float* in, size_t frames, std::vector<float>* out) override {
    gst_audio_resampler_reset(r_);
    std::vector<float> zeros(latency_, 0.0f);
    auto push = [&](const float* data, size_t n) {
      const size_t produced = gst_audio_resampler_get_out_frames(r_, n);
      buffer_.resize(produced);
      gpointer ins[1] = {const_cast<float*>(data)};
      gpointer outs[1] = {buffer_.data()};
      gst_audio_resampler_resample(r_, ins, n, outs, produced);
      out->insert(out->end(), buffer_.begin(), buffer_.end());
    };
    for (size_t at = 0; at < frames; at += kChunk) push(in + at, std::min(kChunk, frames - at));
    push(zeros.data(), zeros.size());
  }

 private:
  GstAudioResampler* r_ = nullptr;
  size_t latency_ = 0;
  std::vector<float> buffer_;
};
#endif

#if defined(EDGE_HAVE_SOXR)
class SoxrEngine : public Engine {
 public:
  SoxrEngine(int in_rate, int out_rate, const std::string& quality) {
    unsigned long recipe = SOXR_HQ;
    if (quality == "LQ")
      recipe = SOXR_LQ;
    else if (quality == "MQ")
      recipe = SOXR_MQ;
    else if (quality == "HQ")
      recipe = SOXR_HQ;
    else if (quality == "VHQ")
      recipe = SOXR_VHQ;
    else if (quality != "edge")
      throw std::runtime_error("soxr quality: LQ, MQ, HQ, VHQ or edge");
    soxr_quality_spec_t q = soxr_quality_spec(quality == "edge" ? SOXR_16_BITQ : recipe, 0);
    if (quality == "edge") {
      q.precision = 15;  // 90 dB
      q.passband_end = 0.87;
      q.stopband_begin = 1.0;
    }
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_error_t error = nullptr;
    s_ = soxr_create(in_rate, out_rate, 1, &error, &io, &q, &rt);
    if (error) throw std::runtime_error(std::string("soxr_create: ") + error);
    ratio_ = static_cast<double>(out_rate) / in_rate;
  }
  ~SoxrEngine() override { soxr_delete(s_); }
  void clip(const float* in, size_t frames, std::vector<float>* out) override {
    soxr_clear(s_);
    buffer_.resize(static_cast<size_t>(kChunk * ratio_) + 64);
    for (size_t at = 0; at < frames;) {
      size_t used = 0, made = 0;
      soxr_process(s_, in + at, std::min(kChunk, frames - at), &used, buffer_.data(),
                   buffer_.size(), &made);
      out->insert(out->end(), buffer_.begin(), buffer_.begin() + static_cast<long>(made));
      at += used;
    }
    for (;;) {
      size_t made = 0;
      soxr_process(s_, nullptr, 0, nullptr, buffer_.data(), buffer_.size(), &made);
      if (made == 0) break;
      out->insert(out->end(), buffer_.begin(), buffer_.begin() + static_cast<long>(made));
    }
  }

 private:
  soxr_t s_ = nullptr;
  double ratio_ = 1;
  std::vector<float> buffer_;
};
#endif

#if defined(EDGE_HAVE_SAMPLERATE)
class SrcEngine : public Engine {
 public:
  SrcEngine(int in_rate, int out_rate, const std::string& quality) {
    int type = SRC_SINC_FASTEST;
    if (quality == "medium")
      type = SRC_SINC_MEDIUM_QUALITY;
    else if (quality == "best")
      type = SRC_SINC_BEST_QUALITY;
    else if (quality != "fastest")
      throw std::runtime_error("src quality: fastest, medium, best");
    int error = 0;
    s_ = src_new(type, 1, &error);
    if (!s_) throw std::runtime_error(src_strerror(error));
    ratio_ = static_cast<double>(out_rate) / in_rate;
  }
  ~SrcEngine() override { src_delete(s_); }
  void clip(const float* in, size_t frames, std::vector<float>* out) override {
    src_reset(s_);
    buffer_.resize(static_cast<size_t>(kChunk * ratio_) + 64);
    size_t at = 0;
    for (;;) {
      SRC_DATA d{};
      d.data_in = in + at;
      d.input_frames = static_cast<long>(std::min(kChunk, frames - at));
      d.data_out = buffer_.data();
      d.output_frames = static_cast<long>(buffer_.size());
      d.src_ratio = ratio_;
      d.end_of_input = at + static_cast<size_t>(d.input_frames) >= frames;
      src_process(s_, &d);
      out->insert(out->end(), buffer_.begin(), buffer_.begin() + d.output_frames_gen);
      at += static_cast<size_t>(d.input_frames_used);
      if (d.end_of_input && d.input_frames_used == d.input_frames && d.output_frames_gen == 0)
        break;
    }
  }

 private:
  SRC_STATE* s_ = nullptr;
  double ratio_ = 1;
  std::vector<float> buffer_;
};
#endif

#if defined(EDGE_HAVE_SPEEXDSP)
// speexdsp's output lags by its input latency: skip_zeros() drops it at the start and the
// same number of zeros pushed at the end drains the tail.
class SpeexEngine : public Engine {
 public:
  SpeexEngine(int in_rate, int out_rate, int quality) {
    int error = 0;
    s_ = speex_resampler_init(1, static_cast<spx_uint32_t>(in_rate),
                              static_cast<spx_uint32_t>(out_rate), quality, &error);
    if (!s_) throw std::runtime_error("speex_resampler_init failed");
    ratio_ = static_cast<double>(out_rate) / in_rate;
  }
  ~SpeexEngine() override { speex_resampler_destroy(s_); }
  void clip(const float* in, size_t frames, std::vector<float>* out) override {
    speex_resampler_reset_mem(s_);
    speex_resampler_skip_zeros(s_);
    buffer_.resize(static_cast<size_t>(kChunk * ratio_) + 64);
    std::vector<float> zeros(static_cast<size_t>(speex_resampler_get_input_latency(s_)), 0.0f);
    auto push = [&](const float* data, size_t n) {
      for (size_t at = 0; at < n;) {
        spx_uint32_t used = static_cast<spx_uint32_t>(std::min(kChunk, n - at));
        spx_uint32_t made = static_cast<spx_uint32_t>(buffer_.size());
        speex_resampler_process_interleaved_float(s_, data + at, &used, buffer_.data(), &made);
        out->insert(out->end(), buffer_.begin(), buffer_.begin() + made);
        at += used;
      }
    };
    push(in, frames);
    push(zeros.data(), zeros.size());
  }

 private:
  SpeexResamplerState* s_ = nullptr;
  double ratio_ = 1;
  std::vector<float> buffer_;
};
#endif

std::unique_ptr<Engine> make_engine(const std::string& spec, int in_rate, int out_rate) {
  using edge::signal::ResampleKernel;
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (spec == "edge") return std::make_unique<EdgeEngine>(in_rate, out_rate, ResampleKernel::kAuto);
  if (spec == "edge-reference")
    return std::make_unique<EdgeEngine>(in_rate, out_rate, ResampleKernel::kReference);
  if (spec == "edge-avx2")
    return std::make_unique<EdgeEngine>(in_rate, out_rate, ResampleKernel::kAvx2);
  if (spec == "edge-avx512")
    return std::make_unique<EdgeEngine>(in_rate, out_rate, ResampleKernel::kAvx512);
  if (spec == "edge-neon")
    return std::make_unique<EdgeEngine>(in_rate, out_rate, ResampleKernel::kNeon);
#if defined(EDGE_HAVE_GST_AUDIO)
  if (name == "gst")
    return std::make_unique<GstEngine>(in_rate, out_rate, arg.empty() ? 4 : std::stoi(arg));
#endif
#if defined(EDGE_HAVE_SOXR)
  if (name == "soxr")
    return std::make_unique<SoxrEngine>(in_rate, out_rate, arg.empty() ? "HQ" : arg);
#endif
#if defined(EDGE_HAVE_SAMPLERATE)
  if (name == "src")
    return std::make_unique<SrcEngine>(in_rate, out_rate, arg.empty() ? "fastest" : arg);
#endif
#if defined(EDGE_HAVE_SPEEXDSP)
  if (name == "speex")
    return std::make_unique<SpeexEngine>(in_rate, out_rate, arg.empty() ? 4 : std::stoi(arg));
#endif
  throw std::runtime_error("unknown or not built engine: " + spec);
}

std::vector<std::string> engine_names() {
  std::vector<std::string> names = {"edge", "edge-reference"};
  using edge::signal::ResampleKernel;
  if (edge::signal::resample_kernel_supported(ResampleKernel::kAvx512))
    names.push_back("edge-avx512");
  if (edge::signal::resample_kernel_supported(ResampleKernel::kAvx2)) names.push_back("edge-avx2");
  if (edge::signal::resample_kernel_supported(ResampleKernel::kNeon)) names.push_back("edge-neon");
#if defined(EDGE_HAVE_GST_AUDIO)
  names.push_back("gst:4");
  names.push_back("gst:0");
#endif
#if defined(EDGE_HAVE_SOXR)
  for (const char* q : {"soxr:LQ", "soxr:MQ", "soxr:HQ", "soxr:VHQ", "soxr:edge"})
    names.push_back(q);
#endif
#if defined(EDGE_HAVE_SAMPLERATE)
  for (const char* q : {"src:fastest", "src:medium", "src:best"}) names.push_back(q);
#endif
#if defined(EDGE_HAVE_SPEEXDSP)
  for (const char* q : {"speex:3", "speex:4", "speex:6", "speex:8"}) names.push_back(q);
#endif
  return names;
}

int convert(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: bench_resample convert ENGINE IN_RATE OUT_RATE < in.f32 > out.f32\n";
    return 2;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  std::vector<float> in(bytes.size() / sizeof(float));
  std::memcpy(in.data(), bytes.data(), in.size() * sizeof(float));
  auto engine = make_engine(argv[2], std::stoi(argv[3]), std::stoi(argv[4]));
  std::vector<float> out;
  engine->clip(in.data(), in.size(), &out);
  std::fwrite(out.data(), sizeof(float), out.size(), stdout);
  return 0;
}

// ---- speed -------------------------------------------------------------------------------

std::vector<float> clip_audio(int rate) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.2f);
  std::vector<float> v(static_cast<size_t>(4 * rate));
  for (float& x : v) x = dist(rng);
  return v;
}

void run(benchmark::State& state, const std::string& spec, int in_rate, int out_rate) {
  std::unique_ptr<Engine> engine;
  try {
    engine = make_engine(spec, in_rate, out_rate);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::vector<float> audio = clip_audio(in_rate);
  std::vector<float> out;
  out.reserve(static_cast<size_t>(5.0 * out_rate) + 100000);
  for (auto _ : state) {
    out.clear();
    engine->clip(audio.data(), audio.size(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["x_realtime"] = benchmark::Counter(4.0 * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}

void register_all() {
  const int ratios[][2] = {
      {22050, 30000}, {44100, 16000}, {22050, 16000}, {48000, 16000}, {44100, 30000}};
  for (const auto& ratio : ratios) {
    for (const std::string& spec : engine_names()) {
      const std::string name =
          "resample/" + spec + "/" + std::to_string(ratio[0]) + "->" + std::to_string(ratio[1]);
      benchmark::RegisterBenchmark(name.c_str(), [spec, ratio](benchmark::State& s) {
        run(s, spec, ratio[0], ratio[1]);
      })->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(EDGE_HAVE_GST_AUDIO)
  gst_init(nullptr, nullptr);
#endif
  try {
    if (argc > 1 && std::string(argv[1]) == "convert") return convert(argc, argv);
    if (argc > 1 && std::string(argv[1]) == "engines") {
      for (const auto& n : engine_names()) std::cout << n << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_resample: " << e.what() << "\n";
    return 1;
  }
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
