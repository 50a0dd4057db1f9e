#include "signal/mel.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace edge {

namespace {
// Slaney's scale: 200/3 Hz per mel up to 1 kHz (15 mel), then a log step that
// makes 6.4 kHz land 27 mel above it.
constexpr double kSlaneyHzPerMel = 200.0 / 3.0;
constexpr double kSlaneyLogStartHz = 1000.0;
constexpr double kSlaneyLogStartMel = kSlaneyLogStartHz / kSlaneyHzPerMel;
const double kSlaneyLogStep = std::log(6.4) / 27.0;
}  // namespace

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::kHtk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz < kSlaneyLogStartHz) return hz / kSlaneyHzPerMel;
  return kSlaneyLogStartMel + std::log(hz / kSlaneyLogStartHz) / kSlaneyLogStep;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::kHtk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel < kSlaneyLogStartMel) return mel * kSlaneyHzPerMel;
  return kSlaneyLogStartHz * std::exp(kSlaneyLogStep * (mel - kSlaneyLogStartMel));
}

std::vector<double> mel_band_edges(int n_mels, double fmin, double fmax, MelScale scale) {
  const int n = n_mels + 2;
  const double lo = hz_to_mel(fmin, scale);
  const double hi = hz_to_mel(fmax, scale);
  const double step = (hi - lo) / (n - 1);
  std::vector<double> edges(n);
  for (int i = 0; i < n; ++i) {
    // As numpy.linspace: start + i * step, the last point exactly `hi`.
    double mel = (i == n - 1) ? hi : lo + i * step;
    edges[i] = mel_to_hz(mel, scale);
  }
  return edges;
}

MelFilterbank::MelFilterbank(int sample_rate, int n_fft, int n_mels, double fmin, double fmax,
                             MelScale scale, MelNorm norm) {
  if (sample_rate <= 0)
    throw Error(msg("mel filterbank: sample rate must be > 0, got ", sample_rate));
  if (n_fft < 2 || n_fft % 2 != 0)
    throw Error(msg("mel filterbank: n-fft must be even and >= 2, got ", n_fft));
  if (n_mels < 1) throw Error(msg("mel filterbank: mel-bands must be >= 1, got ", n_mels));
  const double nyquist = sample_rate / 2.0;
  if (!(fmin >= 0.0) || !(fmax <= nyquist) || !(fmin < fmax))
    throw Error(msg("mel filterbank: need 0 <= fmin < fmax <= sample rate / 2 (", nyquist,
                    " Hz), got fmin=", fmin, " Hz, fmax=", fmax, " Hz"));

  bins_ = n_fft / 2 + 1;
  const std::vector<double> edges = mel_band_edges(n_mels, fmin, fmax, scale);
  first_bin_.assign(n_mels, 0);
  width_.assign(n_mels, 0);
  offset_.assign(n_mels, 0);
  for (int m = 0; m < n_mels; ++m) {
    const double left = edges[m], centre = edges[m + 1], right = edges[m + 2];
    // librosa: weights = max(0, min(rising, falling)), with the slopes taken
    // from the Hz spacing of adjacent edges, then the Slaney area normalisation.
    const double enorm = norm == MelNorm::kSlaney ? 2.0 / (right - left) : 1.0;
    int first = -1, last = -1;
    std::vector<float> band;
    for (int k = 0; k < bins_; ++k) {
      const double f = static_cast<double>(k) * sample_rate / n_fft;
      const double rising = (f - left) / (centre - left);
      const double falling = (right - f) / (right - centre);
      const double w = std::max(0.0, std::min(rising, falling)) * enorm;
      if (w > 0.0) {
        if (first < 0) first = k;
        // Keep interior zeros (cannot happen for a triangle, but stay exact).
        band.resize(k - first + 1, 0.0f);
        band[k - first] = static_cast<float>(w);
        last = k;
      }
    }
    offset_[m] = static_cast<int>(weights_.size());
    if (first >= 0) {
      first_bin_[m] = first;
      width_[m] = last - first + 1;
      weights_.insert(weights_.end(), band.begin(), band.end());
    }
  }
}

float MelFilterbank::weight(int m, int bin) const {
  if (bin < first_bin_[m] || bin >= first_bin_[m] + width_[m]) return 0.0f;
  return weights(m)[bin - first_bin_[m]];
}

int MelFilterbank::empty_bands() const {
  return static_cast<int>(std::count(width_.begin(), width_.end(), 0));
}

void MelFilterbank::apply(const float* spectrum, float* out) const {
  const int n = bands();
  for (int m = 0; m < n; ++m) {
    const float* w = weights_.data() + offset_[m];
    const float* s = spectrum + first_bin_[m];
    float sum = 0.0f;
    for (int i = 0; i < width_[m]; ++i) sum += w[i] * s[i];
    out[m] = sum;
  }
}

DctII::DctII(int n_in, int n_out) : n_in_(n_in), n_out_(n_out) {
  if (n_in < 1 || n_out < 1 || n_out > n_in)
    throw Error(msg("DCT-II: need 1 <= coefficients <= inputs, got ", n_out, " coefficients of ",
                    n_in, " inputs (n-mfcc must not exceed mel-bands)"));
  matrix_.resize(static_cast<size_t>(n_out) * n_in);
  const double pi = std::acos(-1.0);
  for (int k = 0; k < n_out; ++k) {
    const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / n_in);
    for (int n = 0; n < n_in; ++n)
      matrix_[static_cast<size_t>(k) * n_in + n] =
          static_cast<float>(scale * std::cos(pi * k * (2.0 * n + 1.0) / (2.0 * n_in)));
  }
}

void DctII::apply(const float* in, float* out) const {
  for (int k = 0; k < n_out_; ++k) {
    const float* row = matrix_.data() + static_cast<size_t>(k) * n_in_;
    float sum = 0.0f;
    for (int n = 0; n < n_in_; ++n) sum += row[n] * in[n];
    out[k] = sum;
  }
}

}  // namespace edge
