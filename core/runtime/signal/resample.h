// Sample-rate conversion of interleaved float audio by a rational ratio, clip by clip.
//
// out_rate / in_rate reduces to L / M (L = up(), M = down()). Output frame k is the input,
// band-limited, evaluated at input time k * M / L, per channel:
//   y[k] = sum_{j=0}^{N-1} h_r[j] * x[q - N/2 + 1 + j],   q = floor(k M / L), r = k M mod L
// where h_r is phase r of a Kaiser-windowed sinc of N taps (N counted in input samples),
// normalized to a DC gain of exactly 1 per phase (in double, then rounded to float).
// Samples before the first and after the last frame of a clip are zero: a clip is resampled
// as if it were alone, whatever came before it, and gives exactly ceil(frames * L / M) output
// frames, aligned with the input (no delay: output frame 0 is input time 0). Equal rates copy
// the input unchanged.
//
// Filter (ResampleFilter): flat up to `passband`, at least `attenuation_db` down from
// `stopband` on, both fractions of the lower of the two Nyquist frequencies. The default
// (0.87, 1.0, 90 dB) has a wider flat band, a deeper stopband and less aliasing than
// GStreamer's audioresample at its default quality (measured in docs/benchmarks.md,
// "Resampling"); 22.05 -> 30 kHz uses 88 taps, 44.1 -> 16 kHz 244.
//
// Arithmetic, the same on every machine: each output is one float accumulator that starts at
// +0 and takes one fused multiply-add per tap in tap order (j = 0..N-1). The reference
// kernel does exactly that with std::fma; the SIMD kernels (x86-64 AVX-512 or AVX2+FMA, ARM
// NEON, picked at run time) compute 16 or 8 outputs at once with the same operations per output, so
// every kernel, every chunking of the input and every CPU give bit-identical results for
// finite input. (A NaN or Inf sample makes the outputs that reach it non-finite; the SIMD
// kernels also spread it to up to 15 neighbours of those outputs.)
//
// Use:
//   Resampler r(22050, 30000, 1);
//   std::vector<float> out(r.max_output(chunk));
//   per clip: for each chunk: n = r.process(in, frames, out.data());   // n frames ready
//             at the end:     n = r.finish(out.data());                // the clip's rest
//   finish() starts the next clip; reset() drops a clip half-way.
//
// Memory: tables and buffers are allocated in the constructor; process, finish and reset
// never allocate. A Resampler is not thread safe (one streaming thread owns it); distinct
// Resamplers are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace edge::signal {

struct ResampleFilter {
  double passband = 0.87;        // end of the flat band, fraction of the lower Nyquist
  double stopband = 1.0;         // start of the stopband, fraction of the lower Nyquist
  double attenuation_db = 90.0;  // stopband attenuation (also sets the passband ripple)
};

enum class ResampleKernel {
  kAuto,       // the fastest this CPU runs: AVX-512, AVX2+FMA, NEON, else the reference
  kReference,  // one output at a time, std::fma in tap order: the truth
  kAvx2,       // x86-64 with AVX2 and FMA
  kAvx512,     // x86-64 with AVX-512F: 16 outputs per block instead of 8
  kNeon,       // AArch64, or 32-bit ARM with NEON and VFPv4 (fused multiply-add)
};

const char* resample_kernel_name(ResampleKernel kernel);
// Whether `kernel` runs on this CPU (kAuto and kReference always do).
bool resample_kernel_supported(ResampleKernel kernel);

class Resampler {
 public:
  static constexpr int kMaxRate = 10000000;  // Hz
  static constexpr int kMaxChannels = 256;
  static constexpr int kMaxPhases = 2048;        // L after reduction
  static constexpr size_t kChunkFrames = 32768;  // input frames per inner pass (and a good chunk)

  // Throws edge::Error naming the value for a rate outside [1, kMaxRate], a channel count
  // outside [1, kMaxChannels], a filter outside 0 < passband < stopband <= 1 with
  // attenuation in [40, 200] dB, a ratio that does not reduce to at most kMaxPhases phases
  // (e.g. 44101 -> 16000), or one that needs more than 16 M filter coefficients; and for an
  // explicit kernel this CPU cannot run.
  Resampler(int in_rate, int out_rate, int channels, const ResampleFilter& filter = {},
            ResampleKernel kernel = ResampleKernel::kAuto);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }
  int channels() const { return channels_; }
  int up() const { return up_; }      // L
  int down() const { return down_; }  // M
  int taps() const { return taps_; }  // N, in input samples (0 when the rates are equal)
  ResampleKernel kernel() const { return kernel_; }
  const ResampleFilter& filter() const { return filter_; }

  // Output frames of a clip of `in_frames` input frames: ceil(in_frames * L / M).
  int64_t output_frames(int64_t in_frames) const;
  // Input frames an output waits for after its own time (its filter's second half, and the
  // rest of its block of 8): what a live pipeline adds as latency.
  int64_t latency_frames() const;
  // Input frames of the current clip so far.
  int64_t clip_frames() const { return clip_frames_; }
  // Room `out` needs (in frames) for process(in, frames, out) or, with 0, for finish(out).
  size_t max_output(size_t frames) const;

  // Takes `frames` interleaved input frames of the current clip and writes the output frames
  // that are now complete, interleaved; returns how many (they follow the ones before).
  size_t process(const float* in, size_t frames, float* out);
  // Ends the clip: writes its remaining output frames and returns how many. Over a clip,
  // process() and finish() together write exactly output_frames(input frames). The next
  // process() starts a new clip.
  size_t finish(float* out);
  // Drops the current clip (its pending input and output): the next frame starts a new clip.
  void reset();

  // Phase r (0 <= r < up()) of the filter: taps() coefficients, tap j applied to input
  // q - taps()/2 + 1 + j (see the formula above). For tests and measurements.
  const float* phase(int r) const;

 private:
  void feed(const float* in, size_t frames);  // nullptr: zeros
  size_t emit(int64_t block_end, int64_t frame_end, float* out);
  void compact();
  int64_t ready_blocks() const;

  int in_rate_, out_rate_, channels_;
  int up_ = 1, down_ = 1, taps_ = 0;
  ResampleFilter filter_;
  ResampleKernel kernel_;

  // Filter tables.
  std::vector<float> phases_;        // [L][N]
  std::vector<float> blocks_;        // [G][T][8]: 8 consecutive outputs of a block pattern
  std::vector<int64_t> block_base_;  // [G]: first input of pattern g's window, per period
  int lanes_ = 8;                    // outputs per block: 16 for AVX-512, else 8
  int patterns_ = 0;                 // G
  int block_taps_ = 0;               // T (a multiple of 4)
  int64_t period_inputs_ = 0;        // inputs per G blocks

  // Clip state. Input index i of the clip sits at history_[c][i - origin_].
  std::vector<std::vector<float>> history_;
  size_t history_capacity_ = 0;
  int64_t origin_ = 0;       // input index of history position 0
  int64_t fill_end_ = 0;     // input index after the last one in history (zeros included)
  int64_t clip_frames_ = 0;  // real input frames of the clip so far
  int64_t next_block_ = 0;   // next block of 8 outputs to compute, after rebased_blocks_
  int64_t rebased_blocks_ = 0;
  std::vector<float> scratch_;  // planar block outputs before interleaving
};

// Clips of any rate and channel count to one rate and channel count, clip by clip: channels
// are kept, or mixed down to mono by their mean (out_channels = 1); then resampled as above
// (each clip as if alone). A dataset source holds one, for clips of mixed formats.
//
// Use: begin(rate, channels) per clip, then process() and finish() as for a Resampler.
// Resamplers are built the first time an input rate appears (tables for that ratio) and kept.
class ClipConverter {
 public:
  // out_rate 0: keep each clip's rate; out_channels 0: keep its channels, 1: mono. Throws
  // edge::Error for a rate outside [0, Resampler::kMaxRate] or channels other than 0 and 1.
  ClipConverter(int out_rate, int out_channels, const ResampleFilter& filter = {});
  ~ClipConverter();

  // Starts a clip of `rate` Hz and `channels` channels (ends the one before without its
  // tail: call finish() first to get it). Throws edge::Error when the ratio cannot be
  // resampled (Resampler's errors) or the channel count is outside 1..Resampler::kMaxChannels.
  void begin(int rate, int channels);
  int rate() const { return out_rate_ ? out_rate_ : in_rate_; }  // of the output
  int channels() const { return out_channels_ ? out_channels_ : in_channels_; }
  // Whether the current clip passes through unchanged (same rate, channels kept).
  bool identity() const { return !resampler_ && (out_channels_ == 0 || in_channels_ == 1); }

  int64_t output_frames(int64_t in_frames) const;
  // Room `out` needs (frames of channels()) for process(frames) followed by finish().
  size_t max_output(size_t frames) const;
  size_t process(const float* in, size_t frames, float* out);
  size_t finish(float* out);

 private:
  int out_rate_, out_channels_;
  ResampleFilter filter_;
  int in_rate_ = 0, in_channels_ = 0;
  Resampler* resampler_ = nullptr;  // of the current clip; nullptr when the rates are equal
  std::map<std::pair<int, int>, std::unique_ptr<Resampler>> resamplers_;  // (rate, channels)
  std::vector<float> mixed_;                                              // one chunk mixed down
};

// Resamples one whole clip (convenience for tools and tests): interleaved in, interleaved out,
// output_frames(frames) frames.
std::vector<float> resample_clip(const float* in, size_t frames, int channels, int in_rate,
                                 int out_rate, const ResampleFilter& filter = {},
                                 ResampleKernel kernel = ResampleKernel::kAuto);

}  // namespace edge::signal
