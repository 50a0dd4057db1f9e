#include "signal/spectrum.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/error.h"

namespace edge {

namespace {

constexpr int kMaxFftSize = 1 << 20;
constexpr double kDbAmin = 1e-10;  // librosa.power_to_db's amin

int next_power_of_two(int n) {
  int p = 2;
  while (p < n) p *= 2;
  return p;
}

SpectrumConfig resolve(SpectrumConfig c) {
  if (c.sample_rate <= 0) throw Error(msg("sample rate must be > 0 Hz, got ", c.sample_rate));
  if (c.frame_size < 1 || c.frame_size > kMaxFftSize)
    throw Error(msg("frame-size must be 1..", kMaxFftSize, " samples, got ", c.frame_size));
  if (c.hop_size < 1) throw Error(msg("hop-size must be >= 1 sample, got ", c.hop_size));
  if (c.n_fft == 0) c.n_fft = next_power_of_two(c.frame_size);
  if (c.n_fft < c.frame_size || c.n_fft % 2 != 0 || c.n_fft > kMaxFftSize)
    throw Error(msg("n-fft must be even, >= frame-size (", c.frame_size, ") and <= ", kMaxFftSize,
                    ", got ", c.n_fft));
  const bool mel = c.mode == SpectrumMode::kLogMel || c.mode == SpectrumMode::kMfcc;
  if (mel) {
    const double nyquist = c.sample_rate / 2.0;
    if (c.fmax == 0.0) c.fmax = nyquist;
    if (c.mel_bands < 1 || c.mel_bands > c.n_fft / 2 + 1)
      throw Error(msg("mel-bands must be 1..", c.n_fft / 2 + 1, " (the FFT bins of n-fft ", c.n_fft,
                      "), got ", c.mel_bands));
    if (!(c.fmin >= 0.0) || !(c.fmin < nyquist))
      throw Error(msg("fmin must be in [0, ", nyquist, ") Hz, got ", c.fmin));
    if (!(c.fmax > c.fmin) || !(c.fmax <= nyquist))
      throw Error(msg("fmax must be in (fmin=", c.fmin, ", ", nyquist,
                      "] Hz (0: sample rate / 2), got ", c.fmax));
    if (c.log_scale == LogScale::kDecibel && !(c.top_db >= 0.0f && std::isfinite(c.top_db)))
      throw Error(msg("top-db must be >= 0 dB (0: no clamp), got ", c.top_db));
    if (c.log_scale == LogScale::kNatural && !(c.log_offset > 0.0f && std::isfinite(c.log_offset)))
      throw Error(msg("log-offset must be > 0, got ", c.log_offset));
    if (c.mode == SpectrumMode::kMfcc && (c.n_mfcc < 1 || c.n_mfcc > c.mel_bands))
      throw Error(msg("n-mfcc must be 1..mel-bands (", c.mel_bands, "), got ", c.n_mfcc));
  }
  return c;
}

// Index into a signal of n samples for a position that may lie in the padding,
// mirrored as numpy.pad(mode="reflect") does (period 2 * (n - 1)).
int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  int64_t r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

}  // namespace

std::vector<float> make_window(WindowFunction function, int n) {
  if (n < 1) throw Error(msg("window length must be >= 1, got ", n));
  std::vector<float> w(n, 1.0f);
  if (n == 1 || function == WindowFunction::kRectangular) return w;
  const double a0 = function == WindowFunction::kHann ? 0.5 : 0.54;
  const double two_pi = 2.0 * std::acos(-1.0);
  for (int i = 0; i < n; ++i) w[i] = static_cast<float>(a0 - (1.0 - a0) * std::cos(two_pi * i / n));
  return w;
}

int64_t spectrum_frames(const SpectrumConfig& config, int64_t n) {
  if (n <= 0) return 0;
  int64_t span = n;
  if (config.center != CenterPadding::kNone) span += 2 * (config.frame_size / 2);
  if (span < config.frame_size) return 0;
  return 1 + (span - config.frame_size) / config.hop_size;
}

Spectrogram::Spectrogram(const SpectrumConfig& config)
    : config_(resolve(config)), fft_(config_.n_fft) {
  const int spectrum_bins = config_.n_fft / 2 + 1;
  window_ = make_window(config_.window, config_.frame_size);
  fft_in_.assign(config_.n_fft, 0.0f);
  fft_out_.assign(spectrum_bins, {});
  power_.assign(spectrum_bins, 0.0f);
  frame_.assign(config_.frame_size, 0.0f);
  if (config_.mode == SpectrumMode::kLogMel || config_.mode == SpectrumMode::kMfcc)
    mel_ = MelFilterbank(config_.sample_rate, config_.n_fft, config_.mel_bands, config_.fmin,
                         config_.fmax, config_.mel_scale, config_.mel_norm);
  if (config_.mode == SpectrumMode::kMfcc) {
    dct_ = DctII(config_.mel_bands, config_.n_mfcc);
    clamped_.assign(config_.mel_bands, 0.0f);
  }
}

int Spectrogram::bins() const {
  switch (config_.mode) {
    case SpectrumMode::kMagnitude:
    case SpectrumMode::kPower:
      return config_.n_fft / 2 + 1;
    case SpectrumMode::kLogMel:
      return config_.mel_bands;
    case SpectrumMode::kMfcc:
      return config_.n_mfcc;
  }
  return 0;
}

int Spectrogram::stage_values() const {
  return config_.mode == SpectrumMode::kMfcc ? config_.mel_bands : bins();
}

void Spectrogram::analyze_frame(const float* frame, float* stage) {
  const int n = config_.frame_size;
  for (int i = 0; i < n; ++i) fft_in_[i] = frame[i] * window_[i];
  fft_.forward(fft_in_.data(), fft_out_.data());
  const int spectrum_bins = fft_.bins();
  if (config_.mode == SpectrumMode::kMagnitude) {
    for (int k = 0; k < spectrum_bins; ++k) stage[k] = std::abs(fft_out_[k]);
    return;
  }
  float* power = config_.mode == SpectrumMode::kPower ? stage : power_.data();
  for (int k = 0; k < spectrum_bins; ++k) {
    const float re = fft_out_[k].real(), im = fft_out_[k].imag();
    power[k] = re * re + im * im;
  }
  if (config_.mode == SpectrumMode::kPower) return;
  mel_.apply(power, stage);
  const int bands = config_.mel_bands;
  if (config_.log_scale == LogScale::kDecibel) {
    for (int m = 0; m < bands; ++m)
      stage[m] = 10.0f * std::log10(std::max(stage[m], static_cast<float>(kDbAmin)));
  } else {
    for (int m = 0; m < bands; ++m) stage[m] = std::log(stage[m] + config_.log_offset);
  }
}

void Spectrogram::finish(float* stage, int64_t frames, float* out) {
  const int values = stage_values();
  const size_t total = static_cast<size_t>(frames) * values;
  const bool mel = config_.mode == SpectrumMode::kLogMel || config_.mode == SpectrumMode::kMfcc;
  if (mel && config_.log_scale == LogScale::kDecibel && total > 0) {
    const float peak_db = *std::max_element(stage, stage + total);
    if (config_.top_db > 0.0f) {
      const float floor_db = peak_db - config_.top_db;
      for (size_t i = 0; i < total; ++i) stage[i] = std::max(stage[i], floor_db);
    }
    if (config_.db_reference == DbReference::kPeak)
      for (size_t i = 0; i < total; ++i) stage[i] -= peak_db;
  }
  if (config_.mode == SpectrumMode::kMfcc) {
    for (int64_t t = 0; t < frames; ++t)
      dct_.apply(stage + static_cast<size_t>(t) * values, out + static_cast<size_t>(t) * bins());
  } else if (out != stage) {
    std::copy(stage, stage + total, out);
  }
}

void Spectrogram::reserve(int64_t n) {
  const size_t stage = static_cast<size_t>(frames_for(n)) * stage_values();
  if (config_.mode == SpectrumMode::kMfcc) stage_block_.reserve(stage);
  previous_samples_.reserve(static_cast<size_t>(n));
  previous_stage_.reserve(stage);
}

void Spectrogram::compute(const float* samples, int64_t n, float* out) {
  forget_previous();  // its samples are not kept: the next compute_overlapping() starts afresh
  compute_frames(samples, n, out, 0, false);
}

void Spectrogram::compute_overlapping(const float* samples, int64_t n, int64_t shift, float* out) {
  // This window's frame t is the previous window's frame t + shift / hop when the shared
  // samples are equal (compute_frames() takes those that are unpadded in both).
  int64_t frame_shift = 0;
  const int hop = config_.hop_size;
  if (previous_n_ == n && shift > 0 && shift < n && shift % hop == 0 &&
      std::memcmp(samples, previous_samples_.data() + shift,
                  static_cast<size_t>(n - shift) * sizeof(float)) == 0) {
    frame_shift = shift / hop;
  }
  compute_frames(samples, n, out, frame_shift, true);
  previous_samples_.assign(samples, samples + n);
  previous_n_ = n;
}

void Spectrogram::compute_frames(const float* samples, int64_t n, float* out, int64_t frame_shift,
                                 bool keep_stage) {
  const int64_t frames = frames_for(n);
  if (frames == 0) return;
  float* stage = out;
  if (config_.mode == SpectrumMode::kMfcc) {
    stage_block_.resize(static_cast<size_t>(frames) * stage_values());  // no-op after reserve()
    stage = stage_block_.data();
  }
  const size_t values = static_cast<size_t>(stage_values());
  const int size = config_.frame_size;
  const int64_t pad = config_.center == CenterPadding::kNone ? 0 : size / 2;
  const int64_t shift_samples = frame_shift * config_.hop_size;
  for (int64_t t = 0; t < frames; ++t) {
    const int64_t start = t * config_.hop_size - pad;  // in signal coordinates
    // The frame is the previous window's frame t + frame_shift, unpadded in both windows.
    if (frame_shift > 0 && start >= 0 && start + shift_samples + size <= n &&
        t + frame_shift < frames) {
      std::memcpy(stage + static_cast<size_t>(t) * values,
                  previous_stage_.data() + static_cast<size_t>(t + frame_shift) * values,
                  values * sizeof(float));
      ++frames_reused_;
      continue;
    }
    const float* frame = samples + start;
    if (start < 0 || start + size > n) {
      // The frame reaches into the padding: build it sample by sample.
      for (int i = 0; i < size; ++i) {
        const int64_t at = start + i;
        if (at >= 0 && at < n)
          frame_[i] = samples[at];
        else if (config_.center == CenterPadding::kReflect)
          frame_[i] = samples[reflect_index(at, n)];
        else
          frame_[i] = 0.0f;
      }
      frame = frame_.data();
    }
    analyze_frame(frame, stage + static_cast<size_t>(t) * stage_values());
  }
  // Kept before finish() changes them (top_db, in place): the next window may reuse them.
  if (keep_stage) previous_stage_.assign(stage, stage + static_cast<size_t>(frames) * values);
  finish(stage, frames, out);
}

SpectrogramStream::SpectrogramStream(const SpectrumConfig& config, int patch_frames, int patch_hop)
    : spectrogram_(config), patch_frames_(patch_frames), patch_hop_(patch_hop) {
  if (patch_frames < 1) throw Error(msg("patch frames must be >= 1, got ", patch_frames));
  if (patch_hop < 1) throw Error(msg("patch hop must be >= 1 frame, got ", patch_hop));
  const size_t stage = static_cast<size_t>(patch_frames) * spectrogram_.stage_values();
  samples_.assign(spectrogram_.config().frame_size, 0.0f);
  ring_.assign(stage, 0.0f);
  ordered_.assign(stage, 0.0f);
  reset();
}

size_t SpectrogramStream::patch_values() const {
  return static_cast<size_t>(patch_frames_) * spectrogram_.bins();
}

void SpectrogramStream::reset() {
  filled_ = 0;
  skip_ = 0;
  ring_head_ = 0;
  frames_done_ = 0;
  frames_until_ready_ = patch_frames_;
}

size_t SpectrogramStream::push(const float* samples, size_t n) {
  const SpectrumConfig& c = spectrogram_.config();
  const int values = spectrogram_.stage_values();
  size_t used = 0;
  while (used < n && !ready()) {
    if (skip_ > 0) {  // hop longer than a frame: drop the gap
      const size_t drop = std::min<size_t>(static_cast<size_t>(skip_), n - used);
      skip_ -= static_cast<int64_t>(drop);
      used += drop;
      continue;
    }
    const size_t take = std::min<size_t>(static_cast<size_t>(c.frame_size - filled_), n - used);
    std::memcpy(samples_.data() + filled_, samples + used, take * sizeof(float));
    filled_ += static_cast<int>(take);
    used += take;
    if (filled_ < c.frame_size) break;

    spectrogram_.analyze_frame(samples_.data(),
                               ring_.data() + static_cast<size_t>(ring_head_) * values);
    ring_head_ = (ring_head_ + 1) % patch_frames_;
    ++frames_done_;
    --frames_until_ready_;
    // Keep the overlap for the next frame.
    if (c.hop_size < c.frame_size) {
      std::memmove(samples_.data(), samples_.data() + c.hop_size,
                   static_cast<size_t>(c.frame_size - c.hop_size) * sizeof(float));
      filled_ = c.frame_size - c.hop_size;
    } else {
      filled_ = 0;
      skip_ = c.hop_size - c.frame_size;
    }
  }
  return used;
}

int64_t SpectrogramStream::take(float* out) {
  const int values = spectrogram_.stage_values();
  // ring_head_ is the oldest slot once the ring has been filled.
  for (int i = 0; i < patch_frames_; ++i) {
    const int slot = (ring_head_ + i) % patch_frames_;
    std::copy_n(ring_.data() + static_cast<size_t>(slot) * values, values,
                ordered_.data() + static_cast<size_t>(i) * values);
  }
  spectrogram_.finish(ordered_.data(), patch_frames_, out);
  frames_until_ready_ = patch_hop_;
  return (frames_done_ - patch_frames_) * spectrogram_.config().hop_size;
}

}  // namespace edge
