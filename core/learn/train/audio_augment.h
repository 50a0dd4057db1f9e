// Augmentation of log-mel windows in the trainer's input pipeline (FitOptions::log_mel): each
// training sample is perturbed afresh every time it is drawn; nothing is stored in the dataset,
// validation and evaluation data are never augmented.
//
// A sample is read as T x F row-major: T frames (time, the model input's first axis) of F mel
// bands in dB (10 log10 of the mel power; e.g. [49, 40, 1] from `edgespectrum mode=logmel`).
// In this order, each with its own draws:
//   time shift   by k in [-time_shift, time_shift] frames; the vacated frames take the
//                window's lowest value (its silence floor: the sound starts a little
//                earlier or later, nothing wraps around);
//   freq shift   every frame's bands moved by s in [-freq_shift, freq_shift] bands, the
//                vacated bands set to the window's lowest value: on the mel scale a small
//                shift approximates a pitch shift, the augmentation Salamon & Bello (2017)
//                found most useful on UrbanSound8K (drawn only when freq_shift > 0, so
//                settings without it draw exactly as before);
//   gain         one offset in [-gain_db, gain_db] dB added to every value (the source
//                nearer or farther, a louder or quieter microphone);
//   equalization a smooth random curve over the bands added to every frame,
//                a1 cos(pi u) + a2 cos(2 pi u) with u = band / (bands - 1) and a1, a2 drawn in
//                [-eq_db / 2, eq_db / 2] (so within +-eq_db): another microphone's or room's
//                frequency response (drawn only when eq_db > 0);
//   noise        with probability noise_probability, one window of the noise bank (log-mel
//                dB windows of recorded background clips made by the same preprocessing) is
//                mixed in the power domain at an SNR drawn in [snr_min_db, snr_max_db]:
//                  y = 10 log10(10^(x/10) + g 10^(n/10)),  g = (P_x / P_n) 10^(-snr/10)
//                where P_x and P_n are the window's summed mel powers (sum of 10^(v/10));
//   time masks   time_masks masks, each of a width drawn in [0, time_mask] frames at a random
//                start, set to the window's mean (SpecAugment, Park et al. 2019);
//   freq masks   freq_masks masks of up to freq_mask bands, likewise.
// Freq-MixStyle (Kim et al. 2022; Schmid et al., DCASE 2022) also works on a batch: with
// probability freq_mixstyle per batch shard, every sample's bands are normalized by their own
// mean and standard deviation over time and given the statistics of a mix of themselves and
// another sample's, lambda ~ Beta(freq_mixstyle_alpha, freq_mixstyle_alpha), labels unchanged:
// the recording's spectral colouring (device, room, distance) is exchanged while the sound's
// shape in time stays. The trainer applies it before mixup.
// Mixup (Zhang et al. 2018) mixes pairs of samples of a batch, so the trainer applies it
// (trainer.h): x = lambda x_i + (1 - lambda) x_j with lambda ~ Beta(mixup, mixup), the targets
// mixed the same way (the loss takes soft targets).
//
// Determinism: the draws come only from the Rng given, which the trainer seeds per step and
// shard, so results do not depend on threads. apply() allocates nothing.
#pragma once

#include <cstdint>

#include "train/rng.h"
#include "train/tensor.h"

namespace edge::train {

struct LogMelAugmentation {
  int time_shift = 0;  // frames
  int freq_shift = 0;  // bands
  float gain_db = 0.0f;
  float noise_probability = 0.0f;  // [0, 1]
  float snr_min_db = 0.0f, snr_max_db = 20.0f;
  int time_masks = 0, time_mask = 0;  // count, widest width in frames
  int freq_masks = 0, freq_mask = 0;  // count, widest width in bands
  float mixup = 0.0f;                 // Beta(alpha, alpha); 0 = off
  float eq_db = 0.0f;                 // equalization curve within +-eq_db; 0 = off
  float freq_mixstyle = 0.0f;         // probability per batch shard; 0 = off
  float freq_mixstyle_alpha = 0.3f;   // Beta(alpha, alpha) of its mixing weight
  // Noise bank: [K, ...] windows with the samples' number of values (not owned; must outlive
  // the trainer). Needed when noise_probability > 0.
  const Tensor* noise = nullptr;

  // Per-sample transforms (everything but mixup).
  bool per_sample() const {
    return time_shift > 0 || freq_shift > 0 || gain_db > 0.0f || eq_db > 0.0f ||
           noise_probability > 0.0f || (time_masks > 0 && time_mask > 0) ||
           (freq_masks > 0 && freq_mask > 0);
  }
  bool enabled() const { return per_sample() || mixup > 0.0f || freq_mixstyle > 0.0f; }
  // Throws edge::Error naming the setting that is out of range or does not fit windows of
  // `frames` x `bands`, or a noise bank that is missing, empty, of another window size or holds
  // a non-finite value.
  void check(int64_t frames, int64_t bands) const;
  // Perturbs one sample of frames x bands values in place.
  void apply(float* sample, int64_t frames, int64_t bands, Rng& rng) const;
};

// Mixes `noise` into `signal` (both n log-mel values in dB) in the power domain at `snr_db`
// (formula above), in place. A signal or noise of zero power leaves the signal unchanged.
void mix_log_mel_noise(float* signal, const float* noise, int64_t n, float snr_db);

// Mixup of a batch of n samples of per_sample values (x, in place) with class indices `labels`
// into soft targets [n, classes] (overwritten): each sample i is mixed with a random sample j of
// the batch (possibly itself), x_i = lambda x_i + (1 - lambda) x_j, targets_i = lambda
// onehot(y_i) + (1 - lambda) onehot(y_j), lambda ~ Beta(alpha, alpha); every target row sums
// to 1. `scratch` holds n * per_sample floats (the unmixed samples).
void mix_up(float* x, const int32_t* labels, int n, int64_t per_sample, int classes, float alpha,
            Rng& rng, float* scratch, float* targets);

// Freq-MixStyle (above) of n samples of frames x bands values (x, in place): each sample takes
// a random partner j of the batch (possibly itself) and lambda ~ Beta(alpha, alpha); band f of
// sample i becomes (x - mu_if) / sigma_if * (lambda sigma_if + (1 - lambda) sigma_jf) + lambda
// mu_if + (1 - lambda) mu_jf, with mu and sigma = sqrt(variance + 1e-6) over the frames.
// `stats` holds 2 * n * bands floats (scratch).
void freq_mix_style(float* x, int n, int64_t frames, int64_t bands, float alpha, Rng& rng,
                    float* stats);

// Beta(a, b) variate (a, b > 0) from two Gamma variates (Marsaglia and Tsang 2000).
double beta_variate(Rng& rng, double a, double b);

}  // namespace edge::train
