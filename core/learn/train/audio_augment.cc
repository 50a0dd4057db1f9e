#include "train/audio_augment.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"

namespace edge::train {
namespace {

// Marsaglia and Tsang's Gamma(shape, 1) for shape >= 1; shape < 1 via Gamma(shape + 1) U^(1/shape).
double gamma_variate(Rng& rng, double shape) {
  if (shape < 1.0) {
    const double u = std::max(rng.uniform(), 1e-300);
    return gamma_variate(rng, shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(std::max(u, 1e-300)) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double power_sum(const float* db, int64_t n) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::pow(10.0, double(db[i]) / 10.0);
  return sum;
}

}  // namespace

double beta_variate(Rng& rng, double a, double b) {
  const double x = gamma_variate(rng, a), y = gamma_variate(rng, b);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

void mix_up(float* x, const int32_t* labels, int n, int64_t per_sample, int classes, float alpha,
            Rng& rng, float* scratch, float* targets) {
  std::memcpy(scratch, x, sizeof(float) * size_t(n) * size_t(per_sample));
  std::fill(targets, targets + int64_t(n) * classes, 0.0f);
  for (int i = 0; i < n; ++i) {
    const int j = int(rng.below(uint64_t(n)));
    const float lambda = float(beta_variate(rng, alpha, alpha));
    float* sample = x + i * per_sample;
    const float* other = scratch + j * per_sample;
    for (int64_t e = 0; e < per_sample; ++e)
      sample[e] = lambda * sample[e] + (1.0f - lambda) * other[e];
    targets[int64_t(i) * classes + labels[i]] += lambda;
    targets[int64_t(i) * classes + labels[j]] += 1.0f - lambda;
  }
}

void freq_mix_style(float* x, int n, int64_t frames, int64_t bands, float alpha, Rng& rng,
                    float* stats) {
  float* mean = stats;
  float* deviation = stats + int64_t(n) * bands;
  for (int i = 0; i < n; ++i) {
    const float* sample = x + i * frames * bands;
    for (int64_t f = 0; f < bands; ++f) {
      double sum = 0.0;
      for (int64_t t = 0; t < frames; ++t) sum += sample[t * bands + f];
      const double mu = sum / double(frames);
      double squares = 0.0;
      for (int64_t t = 0; t < frames; ++t) {
        const double d = sample[t * bands + f] - mu;
        squares += d * d;
      }
      mean[i * bands + f] = float(mu);
      deviation[i * bands + f] = float(std::sqrt(squares / double(frames) + 1e-6));
    }
  }
  for (int i = 0; i < n; ++i) {
    const int j = int(rng.below(uint64_t(n)));
    const float lambda = float(beta_variate(rng, alpha, alpha));
    float* sample = x + i * frames * bands;
    for (int64_t f = 0; f < bands; ++f) {
      const float mu = mean[i * bands + f], sigma = deviation[i * bands + f];
      const float mixed_mu = lambda * mu + (1.0f - lambda) * mean[j * bands + f];
      const float mixed_sigma = lambda * sigma + (1.0f - lambda) * deviation[j * bands + f];
      const float scale = mixed_sigma / sigma;
      for (int64_t t = 0; t < frames; ++t) {
        float& v = sample[t * bands + f];
        v = (v - mu) * scale + mixed_mu;
      }
    }
  }
}

void mix_log_mel_noise(float* signal, const float* noise, int64_t n, float snr_db) {
  const double signal_power = power_sum(signal, n), noise_power = power_sum(noise, n);
  if (!(signal_power > 0.0) || !(noise_power > 0.0)) return;
  const double g = signal_power / noise_power * std::pow(10.0, -double(snr_db) / 10.0);
  for (int64_t i = 0; i < n; ++i)
    signal[i] = float(10.0 * std::log10(std::pow(10.0, double(signal[i]) / 10.0) +
                                        g * std::pow(10.0, double(noise[i]) / 10.0)));
}

void LogMelAugmentation::check(int64_t frames, int64_t bands) const {
  const char* where = "augment (log-mel)";
  if (frames < 1 || bands < 1)
    throw Error(msg(where, ": windows of ", frames, " x ", bands, " cannot be augmented"));
  if (time_shift < 0 || time_shift >= frames)
    throw Error(msg(where, ": time_shift must be in [0, ", frames - 1, "] (the window has ", frames,
                    " frames), got ", time_shift));
  if (freq_shift < 0 || freq_shift >= bands)
    throw Error(msg(where, ": freq_shift must be in [0, ", bands - 1, "] (the window has ", bands,
                    " bands), got ", freq_shift));
  if (!(gain_db >= 0.0f && gain_db <= 120.0f))
    throw Error(msg(where, ": gain_db must be in [0, 120], got ", gain_db));
  if (!(noise_probability >= 0.0f && noise_probability <= 1.0f))
    throw Error(msg(where, ": noise_probability must be in [0, 1], got ", noise_probability));
  if (!(std::isfinite(snr_min_db) && std::isfinite(snr_max_db) && snr_min_db <= snr_max_db))
    throw Error(msg(where, ": noise_snr_db must be [min, max] with min <= max, got [", snr_min_db,
                    ", ", snr_max_db, "]"));
  if (time_masks < 0 || time_masks > 64)
    throw Error(msg(where, ": time_masks must be in [0, 64], got ", time_masks));
  if (freq_masks < 0 || freq_masks > 64)
    throw Error(msg(where, ": freq_masks must be in [0, 64], got ", freq_masks));
  if (time_mask < 0 || time_mask >= frames)
    throw Error(msg(where, ": time_mask must be in [0, ", frames - 1, "] (the window has ", frames,
                    " frames), got ", time_mask));
  if (freq_mask < 0 || freq_mask >= bands)
    throw Error(msg(where, ": freq_mask must be in [0, ", bands - 1, "] (the window has ", bands,
                    " bands), got ", freq_mask));
  if (!(mixup >= 0.0f && mixup <= 100.0f))
    throw Error(
        msg(where, ": mixup (the Beta distribution's alpha) must be in [0, 100], got ", mixup));
  if (!(eq_db >= 0.0f && eq_db <= 60.0f))
    throw Error(msg(where, ": eq_db must be in [0, 60], got ", eq_db));
  if (!(freq_mixstyle >= 0.0f && freq_mixstyle <= 1.0f))
    throw Error(msg(where, ": freq_mixstyle (a probability per batch) must be in [0, 1], got ",
                    freq_mixstyle));
  if (!(freq_mixstyle_alpha > 0.0f && freq_mixstyle_alpha <= 100.0f))
    throw Error(msg(where, ": freq_mixstyle_alpha (the Beta distribution's alpha) must be in (0, ",
                    "100], got ", freq_mixstyle_alpha));
  if (noise_probability > 0.0f) {
    if (!noise || noise->rank() < 1 || noise->dim(0) == 0)
      throw Error(msg(where, ": noise_probability ", noise_probability,
                      " needs a noise bank: windows of recorded background noise made by the "
                      "application's preprocessing (edgestream train --noise DIR)"));
    if (noise->inner_size() != frames * bands)
      throw Error(msg(where, ": the noise windows have ", noise->inner_size(),
                      " values, the training windows ", frames * bands, " (", frames, " x ", bands,
                      "): make the noise dataset with the same application"));
    for (int64_t i = 0; i < noise->size(); ++i)
      if (!std::isfinite((*noise)[i]))
        throw Error(msg(where, ": noise window ", i / noise->inner_size(),
                        " has a non-finite value at element ", i % noise->inner_size()));
  }
}

void LogMelAugmentation::apply(float* x, int64_t frames, int64_t bands, Rng& rng) const {
  const int64_t n = frames * bands;
  if (time_shift > 0) {
    const int64_t k = int64_t(rng.below(uint64_t(2 * time_shift + 1))) - time_shift;
    if (k != 0) {
      const float floor = *std::min_element(x, x + n);
      const int64_t m = k > 0 ? k : -k;
      const size_t moved = sizeof(float) * size_t((frames - m) * bands);
      if (k > 0) {  // later: frames move down, the first k become the floor
        std::memmove(x + m * bands, x, moved);
        std::fill(x, x + m * bands, floor);
      } else {  // earlier: frames move up, the last m become the floor
        std::memmove(x, x + m * bands, moved);
        std::fill(x + (frames - m) * bands, x + n, floor);
      }
    }
  }
  if (freq_shift > 0) {
    const int64_t s = int64_t(rng.below(uint64_t(2 * freq_shift + 1))) - freq_shift;
    if (s != 0) {
      const float floor = *std::min_element(x, x + n);
      const int64_t m = s > 0 ? s : -s;
      for (int64_t t = 0; t < frames; ++t) {
        float* frame = x + t * bands;
        const size_t moved = sizeof(float) * size_t(bands - m);
        if (s > 0) {  // up: bands move to higher indices, the lowest m become the floor
          std::memmove(frame + m, frame, moved);
          std::fill(frame, frame + m, floor);
        } else {  // down: the highest m become the floor
          std::memmove(frame, frame + m, moved);
          std::fill(frame + bands - m, frame + bands, floor);
        }
      }
    }
  }
  if (gain_db > 0.0f) {
    const float offset = gain_db * float(2.0 * rng.uniform() - 1.0);
    for (int64_t i = 0; i < n; ++i) x[i] += offset;
  }
  if (eq_db > 0.0f) {
    const float a1 = eq_db * float(rng.uniform() - 0.5), a2 = eq_db * float(rng.uniform() - 0.5);
    const double pi = 3.14159265358979323846;
    for (int64_t f = 0; f < bands; ++f) {
      const double u = bands > 1 ? double(f) / double(bands - 1) : 0.0;
      const float offset = a1 * float(std::cos(pi * u)) + a2 * float(std::cos(2.0 * pi * u));
      for (int64_t t = 0; t < frames; ++t) x[t * bands + f] += offset;
    }
  }
  if (noise_probability > 0.0f && rng.uniform() < double(noise_probability)) {
    const int64_t window = int64_t(rng.below(uint64_t(noise->dim(0))));
    const float snr = snr_min_db + (snr_max_db - snr_min_db) * float(rng.uniform());
    mix_log_mel_noise(x, noise->data() + window * n, n, snr);
  }
  const bool time = time_masks > 0 && time_mask > 0, freq = freq_masks > 0 && freq_mask > 0;
  if (time || freq) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    const float mean = float(sum / double(n));
    for (int m = 0; time && m < time_masks; ++m) {
      const int64_t width = int64_t(rng.below(uint64_t(time_mask) + 1));
      const int64_t start = int64_t(rng.below(uint64_t(frames - width) + 1));
      std::fill(x + start * bands, x + (start + width) * bands, mean);
    }
    for (int m = 0; freq && m < freq_masks; ++m) {
      const int64_t width = int64_t(rng.below(uint64_t(freq_mask) + 1));
      const int64_t start = int64_t(rng.below(uint64_t(bands - width) + 1));
      for (int64_t t = 0; t < frames; ++t)
        std::fill(x + t * bands + start, x + t * bands + start + width, mean);
    }
  }
}

}  // namespace edge::train
