// Mel scales, mel filterbanks and the orthonormal DCT-II, as librosa defines
// them (librosa.mel_frequencies, librosa.filters.mel, scipy.fft.dct(type=2,
// norm="ortho")). Everything is computed in double and stored as float.
//
// Mel scales:
//   kSlaney  (librosa's default, htk=False; Slaney's Auditory Toolbox): linear
//            below 1 kHz, mel = f / (200/3), logarithmic above,
//            mel = 15 + ln(f / 1000) / (ln(6.4) / 27).
//   kHtk     mel = 2595 * log10(1 + f / 700).
// Filter normalisation:
//   kSlaney  each triangle is scaled by 2 / (f_right - f_left) (in Hz), so every
//            filter has the same area (librosa norm="slaney", the default).
//   kNone    triangles peak at 1 (HTK, TensorFlow's linear_to_mel_weight_matrix).
//
// Thread safety: all objects are immutable after construction and may be
// shared between threads; apply() writes only to its output.
#pragma once

#include <vector>

namespace edge {

enum class MelScale { kSlaney, kHtk };
enum class MelNorm { kSlaney, kNone };

double hz_to_mel(double hz, MelScale scale);
double mel_to_hz(double mel, MelScale scale);

// n_mels + 2 edge frequencies (Hz) equally spaced on the mel scale from fmin to
// fmax inclusive: filter m rises from edge m, peaks at m + 1, falls to m + 2.
std::vector<double> mel_band_edges(int n_mels, double fmin, double fmax, MelScale scale);

// A triangular mel filterbank over the bins of an n_fft-point real FFT
// (bin k at k * sample_rate / n_fft Hz, n_fft / 2 + 1 bins).
// Stored sparsely: filter m has non-zero weights only on bins
// [first_bin(m), first_bin(m) + width(m)).
class MelFilterbank {
 public:
  MelFilterbank() = default;
  // Throws edge::Error naming the parameter when sample_rate <= 0, n_fft is not
  // even and >= 2, n_mels < 1, or not 0 <= fmin < fmax <= sample_rate / 2.
  MelFilterbank(int sample_rate, int n_fft, int n_mels, double fmin, double fmax,
                MelScale scale = MelScale::kSlaney, MelNorm norm = MelNorm::kSlaney);

  int bands() const { return static_cast<int>(first_bin_.size()); }
  int bins() const { return bins_; }
  int first_bin(int m) const { return first_bin_[m]; }
  int width(int m) const { return width_[m]; }
  // Weights of filter m on its bins, width(m) values.
  const float* weights(int m) const { return weights_.data() + offset_[m]; }
  // Weight of filter m on any bin (0 outside the triangle).
  float weight(int m, int bin) const;
  // Number of filters with no non-zero weight (too many bands for the FFT
  // resolution); their output is always 0, as librosa's (which warns).
  int empty_bands() const;

  // out[m] = sum_k weight(m, k) * spectrum[k]; spectrum has bins() values,
  // out has bands() values. Allocates nothing.
  void apply(const float* spectrum, float* out) const;

 private:
  int bins_ = 0;
  std::vector<int> first_bin_, width_, offset_;
  std::vector<float> weights_;
};

// Orthonormal DCT-II, keeping the first n_out of n_in coefficients:
// out[k] = s_k * sum_n in[n] * cos(pi * k * (2n + 1) / (2 * n_in)),
// s_0 = sqrt(1 / n_in), s_k = sqrt(2 / n_in): scipy.fft.dct(type=2, norm="ortho")[:n_out].
class DctII {
 public:
  DctII() = default;
  // Throws edge::Error unless 1 <= n_out <= n_in.
  DctII(int n_in, int n_out);
  int inputs() const { return n_in_; }
  int outputs() const { return n_out_; }
  // in: inputs() values, out: outputs() values, not overlapping. Allocates nothing.
  void apply(const float* in, float* out) const;

 private:
  int n_in_ = 0, n_out_ = 0;
  std::vector<float> matrix_;  // n_out rows of n_in
};

}  // namespace edge
