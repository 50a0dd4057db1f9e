// edgespectrum's parameters (declared once, see params/params.h) and the spectrum
// configuration they give for a sample rate.
#pragma once

#include "params/params.h"
#include "signal/spectrum.h"

namespace edge {

// edgespectrum's settings; the defaults are the declared defaults.
struct SpectrumSettings {
  SpectrumMode mode = SpectrumMode::kLogMel;
  double frame_seconds = 0.03;
  int32_t frame_samples = 0;  // > 0 overrides frame_seconds
  double hop_seconds = 0.02;
  int32_t hop_samples = 0;  // > 0 overrides hop_seconds
  int32_t n_fft = 0;        // even; 0: the next power of two
  WindowFunction window = WindowFunction::kHann;
  CenterPadding center = CenterPadding::kNone;
  int32_t mel_bands = 40;
  double fmin = 0.0;
  double fmax = 0.0;
  MelScale mel_scale = MelScale::kSlaney;
  MelNorm mel_norm = MelNorm::kSlaney;
  LogScale log_scale = LogScale::kDecibel;
  double top_db = 80.0;
  DbReference db_reference = DbReference::kOne;
  double log_offset = 1e-6;
  int32_t n_mfcc = 13;
  int32_t sample_rate = 16000;  // of tensor input; audio caps carry their own
  int32_t patch_frames = 49;
  int32_t patch_hop = 0;  // 0: patch_frames
  bool mixdown = false;
};

const params::Table& spectrum_params();

// Largest frame, hop and FFT size in samples.
constexpr int kSpectrumMaxSamples = 1 << 20;

// The configuration `settings` give at `rate` Hz: frame and hop seconds rounded to samples
// (the *-samples settings override them). Throws edge::Error naming frame-size or hop-size
// when a length is outside 1..kSpectrumMaxSamples samples (NaN included). The Spectrogram
// built from it validates the rest.
SpectrumConfig spectrum_config(const SpectrumSettings& settings, int rate);

}  // namespace edge
