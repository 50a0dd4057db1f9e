// core/signal fft, mel and spectrum: hand-checkable cases, edge cases, invalid
// configurations, and goldens computed with numpy/scipy by
// tests/golden/spectrum_golden.py (tests/data/spectrum).
#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "signal/fft.h"
#include "signal/mel.h"
#include "signal/spectrum.h"
#include "signal/spectrum_params.h"
#include "tests/common/test_util.h"

namespace edge {
namespace {

const double kPi = std::acos(-1.0);

std::vector<float> sine(int n, double cycles_per_sample, double amplitude, double phase = 0.0) {
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i)
    x[i] = static_cast<float>(amplitude * std::sin(2.0 * kPi * cycles_per_sample * i + phase));
  return x;
}

// Expects `what` to throw edge::Error whose message contains `needle`.
template <typename F>
void expect_error_naming(F what, const std::string& needle) {
  try {
    what();
    ADD_FAILURE() << "expected edge::Error naming " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not name " << needle;
  }
}

// ---------------------------------------------------------------- FFT

TEST(RealFft, ImpulseGivesFlatSpectrum) {
  RealFft fft(8);
  std::vector<float> x(8, 0.0f);
  x[0] = 1.0f;
  std::vector<std::complex<float>> X(fft.bins());
  fft.forward(x.data(), X.data());
  ASSERT_EQ(fft.bins(), 5);
  for (const auto& v : X) {
    EXPECT_FLOAT_EQ(v.real(), 1.0f);
    EXPECT_NEAR(v.imag(), 0.0f, 1e-7);
  }
}

TEST(RealFft, DcAndNyquistUnscaled) {
  RealFft fft(16);
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = 2.0f + (i % 2 ? -1.0f : 1.0f);  // 2 + cos(pi i)
  std::vector<std::complex<float>> X(fft.bins());
  fft.forward(x.data(), X.data());
  EXPECT_NEAR(X[0].real(), 32.0f, 1e-5);  // sum = 16 * 2
  EXPECT_NEAR(X[8].real(), 16.0f, 1e-5);  // Nyquist: 16 * 1
  for (int k = 1; k < 8; ++k) EXPECT_NEAR(std::abs(X[k]), 0.0f, 1e-5) << "bin " << k;
}

TEST(RealFft, InverseReturnsSizeTimesInput) {
  RealFft fft(12);  // not a power of two
  std::vector<float> x = {1, -2, 3, 0.5f, 0, 7, -1, 2, 2, 4, -3, 1};
  std::vector<std::complex<float>> X(fft.bins());
  std::vector<float> y(12);
  fft.forward(x.data(), X.data());
  fft.inverse(X.data(), y.data());
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(y[i], 12.0f * x[i], 1e-4) << i;
}

// Every even size, including ones with large prime factors (generic radix),
// against a direct DFT in double.
TEST(RealFft, MatchesDirectDftForAnyEvenSize) {
  for (int n : {2, 4, 6, 10, 14, 30, 64, 98, 250, 462, 2 * 101}) {
    RealFft fft(n);
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = static_cast<float>(std::sin(0.37 * i * i + 0.1) + 0.25);
    std::vector<std::complex<float>> X(fft.bins());
    fft.forward(x.data(), X.data());
    for (int k = 0; k <= n / 2; ++k) {
      std::complex<double> ref = 0.0;
      for (int t = 0; t < n; ++t)
        ref += static_cast<double>(x[t]) * std::polar(1.0, -2.0 * kPi * k * t / n);
      EXPECT_NEAR(X[k].real(), ref.real(), 2e-5 * n) << "n=" << n << " k=" << k;
      EXPECT_NEAR(X[k].imag(), ref.imag(), 2e-5 * n) << "n=" << n << " k=" << k;
    }
  }
}

TEST(RealFft, RefusesOddAndTinySizes) {
  expect_error_naming([] { RealFft fft(7); }, "even");
  expect_error_naming([] { RealFft fft(0); }, "even");
  expect_error_naming([] { RealFft fft(-4); }, "even");
}

TEST(RealFft, NextFastSize) {
  EXPECT_EQ(RealFft::next_fast_size(1), 2);
  EXPECT_EQ(RealFft::next_fast_size(400), 400);  // 2^4 * 5^2
  EXPECT_EQ(RealFft::next_fast_size(401), 432);  // 2^4 * 3^3
  EXPECT_EQ(RealFft::next_fast_size(7), 8);
  EXPECT_EQ(RealFft::next_fast_size(14), 16);
  EXPECT_TRUE(RealFft::is_power_of_two(512));
  EXPECT_FALSE(RealFft::is_power_of_two(480));
}

// ---------------------------------------------------------------- windows

TEST(Window, PeriodicHannHammingRect) {
  // scipy.signal.get_window("hann", 4, fftbins=True) = [0, 0.5, 1, 0.5]
  std::vector<float> hann = make_window(WindowFunction::kHann, 4);
  std::vector<float> expected_hann = {0.0f, 0.5f, 1.0f, 0.5f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(hann[i], expected_hann[i], 1e-7);
  // hamming: [0.08, 0.54, 1.0, 0.54]
  std::vector<float> hamming = make_window(WindowFunction::kHamming, 4);
  std::vector<float> expected_hamming = {0.08f, 0.54f, 1.0f, 0.54f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(hamming[i], expected_hamming[i], 1e-7);
  for (float v : make_window(WindowFunction::kRectangular, 5)) EXPECT_EQ(v, 1.0f);
  EXPECT_EQ(make_window(WindowFunction::kHann, 1), std::vector<float>{1.0f});
  expect_error_naming([] { make_window(WindowFunction::kHann, 0); }, "window length");
}

// ---------------------------------------------------------------- mel

TEST(Mel, ScalesMatchLibrosaDocumentation) {
  // librosa.hz_to_mel(60) = 0.9, hz_to_mel([110, 220, 440]) = [1.65, 3.3, 6.6]
  EXPECT_NEAR(hz_to_mel(60.0, MelScale::kSlaney), 0.9, 1e-12);
  EXPECT_NEAR(hz_to_mel(440.0, MelScale::kSlaney), 6.6, 1e-12);
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::kSlaney), 15.0, 1e-12);
  EXPECT_NEAR(hz_to_mel(6400.0, MelScale::kSlaney), 42.0, 1e-9);  // 15 + 27
  EXPECT_NEAR(hz_to_mel(700.0, MelScale::kHtk), 2595.0 * std::log10(2.0), 1e-9);
  for (double f : {0.0, 55.0, 999.0, 1000.0, 4321.0, 11025.0}) {
    EXPECT_NEAR(mel_to_hz(hz_to_mel(f, MelScale::kSlaney), MelScale::kSlaney), f, 1e-9);
    EXPECT_NEAR(mel_to_hz(hz_to_mel(f, MelScale::kHtk), MelScale::kHtk), f, 1e-9);
  }
  // librosa.mel_frequencies(n_mels=40) (fmax 11025): 0, 85.317, ..., 1024.856, 1119.114
  std::vector<double> edges = mel_band_edges(38, 0.0, 11025.0, MelScale::kSlaney);
  ASSERT_EQ(edges.size(), 40u);
  EXPECT_NEAR(edges[1], 85.317, 1e-3);
  EXPECT_NEAR(edges[12], 1024.856, 1e-3);
  EXPECT_NEAR(edges[13], 1119.114, 1e-3);
  EXPECT_DOUBLE_EQ(edges.back(), 11025.0);
}

TEST(Mel, SlaneyFiltersHaveUnitAreaAndHtkPeaksAtOne) {
  const int sr = 16000, n_fft = 4096;
  MelFilterbank slaney(sr, n_fft, 20, 0.0, 8000.0);
  const double hz_per_bin = static_cast<double>(sr) / n_fft;
  for (int m = 0; m < slaney.bands(); ++m) {
    double area = 0.0;
    for (int k = 0; k < slaney.bins(); ++k) area += slaney.weight(m, k) * hz_per_bin;
    EXPECT_NEAR(area, 1.0, 0.02) << "band " << m;  // triangle: (2 / width) * width / 2
  }
  MelFilterbank htk(sr, n_fft, 20, 0.0, 8000.0, MelScale::kHtk, MelNorm::kNone);
  for (int m = 0; m < htk.bands(); ++m) {
    float peak = 0.0f;
    for (int k = 0; k < htk.bins(); ++k) peak = std::max(peak, htk.weight(m, k));
    EXPECT_LE(peak, 1.0f);
    EXPECT_GT(peak, 0.9f) << "band " << m;
  }
  EXPECT_EQ(slaney.empty_bands(), 0);
}

TEST(Mel, ApplyIsTheWeightedSumAndCountsEmptyBands) {
  // 8-point FFT at 8 kHz: bins at 0, 1000, 2000, 3000, 4000 Hz; HTK, no norm.
  MelFilterbank fb(8000, 8, 2, 0.0, 4000.0, MelScale::kHtk, MelNorm::kNone);
  std::vector<float> spectrum = {1, 2, 3, 4, 5};
  std::vector<float> out(2);
  fb.apply(spectrum.data(), out.data());
  for (int m = 0; m < 2; ++m) {
    float expected = 0.0f;
    for (int k = 0; k < 5; ++k) expected += fb.weight(m, k) * spectrum[k];
    EXPECT_FLOAT_EQ(out[m], expected);
  }
  // Far more bands than bins: some triangles fall between bins.
  MelFilterbank crowded(8000, 8, 30, 0.0, 4000.0);
  EXPECT_GT(crowded.empty_bands(), 0);
}

TEST(Mel, RefusesBadParameters) {
  expect_error_naming([] { MelFilterbank(16000, 512, 0, 0, 8000); }, "mel-bands");
  expect_error_naming([] { MelFilterbank(16000, 511, 40, 0, 8000); }, "n-fft");
  expect_error_naming([] { MelFilterbank(16000, 512, 40, 0, 9000); }, "fmax");
  expect_error_naming([] { MelFilterbank(16000, 512, 40, 500, 400); }, "fmin");
  expect_error_naming([] { MelFilterbank(0, 512, 40, 0, 8000); }, "sample rate");
}

TEST(Dct, OrthonormalDctTwo) {
  // A constant vector has only a DC coefficient: c * sqrt(N).
  DctII dct(4, 4);
  std::vector<float> in = {2, 2, 2, 2}, out(4);
  dct.apply(in.data(), out.data());
  EXPECT_NEAR(out[0], 4.0f, 1e-6);
  for (int k = 1; k < 4; ++k) EXPECT_NEAR(out[k], 0.0f, 1e-6);
  // scipy.fft.dct([1, 2, 3, 4], norm="ortho") = [5, -2.2304425, 0, -0.15851267]
  std::vector<float> ramp = {1, 2, 3, 4};
  dct.apply(ramp.data(), out.data());
  EXPECT_NEAR(out[0], 5.0f, 1e-6);
  EXPECT_NEAR(out[1], -2.2304425f, 1e-6);
  EXPECT_NEAR(out[2], 0.0f, 1e-6);
  EXPECT_NEAR(out[3], -0.15851267f, 1e-6);
  // Orthonormal: energy is kept.
  float energy = 0.0f;
  for (float v : out) energy += v * v;
  EXPECT_NEAR(energy, 30.0f, 1e-4);
  DctII first_two(4, 2);
  std::vector<float> two(2);
  first_two.apply(ramp.data(), two.data());
  EXPECT_NEAR(two[1], -2.2304425f, 1e-6);
  expect_error_naming([] { DctII(10, 11); }, "n-mfcc");
  expect_error_naming([] { DctII(10, 0); }, "n-mfcc");
}

// ---------------------------------------------------------------- spectrogram

SpectrumConfig linear_config(SpectrumMode mode, WindowFunction window, int frame) {
  SpectrumConfig c;
  c.mode = mode;
  c.window = window;
  c.frame_size = frame;
  c.hop_size = frame;
  c.n_fft = frame;
  return c;
}

// A sine on a bin centre puts A * N / 2 times the window's mean into that bin;
// a periodic hann also leaks A * N / 8 into each neighbour, hamming 0.23 * A * N / 2.
TEST(Spectrogram, SineAtBinCentrePeaksWithWindowGain) {
  const int n = 512, bin = 32;
  const float amplitude = 0.8f;
  const std::vector<float> x = sine(n, static_cast<double>(bin) / n, amplitude);
  struct Case {
    WindowFunction window;
    double centre, neighbour;  // expected magnitudes
  } cases[] = {
      {WindowFunction::kRectangular, amplitude * n / 2.0, 0.0},
      {WindowFunction::kHann, amplitude * n / 4.0, amplitude * n / 8.0},
      {WindowFunction::kHamming, 0.54 * amplitude * n / 2.0, 0.23 * amplitude * n / 2.0},
  };
  for (const Case& c : cases) {
    Spectrogram s(linear_config(SpectrumMode::kMagnitude, c.window, n));
    ASSERT_EQ(s.frames_for(n), 1);
    ASSERT_EQ(s.bins(), n / 2 + 1);
    std::vector<float> out(s.bins());
    s.compute(x.data(), n, out.data());
    EXPECT_NEAR(out[bin], c.centre, 1e-3);
    EXPECT_NEAR(out[bin - 1], c.neighbour, 1e-3);
    EXPECT_NEAR(out[bin + 1], c.neighbour, 1e-3);
    for (int k = 0; k < s.bins(); ++k) {
      if (std::abs(k - bin) > 1) {
        EXPECT_NEAR(out[k], 0.0f, 1e-3) << "bin " << k;
      }
    }
    // Power is the square.
    Spectrogram p(linear_config(SpectrumMode::kPower, c.window, n));
    std::vector<float> power(p.bins());
    p.compute(x.data(), n, power.data());
    EXPECT_NEAR(power[bin], c.centre * c.centre, c.centre * c.centre * 1e-5);
  }
}

TEST(Spectrogram, DcInput) {
  const int n = 64;
  std::vector<float> x(n, 0.25f);
  Spectrogram rect(linear_config(SpectrumMode::kMagnitude, WindowFunction::kRectangular, n));
  std::vector<float> out(rect.bins());
  rect.compute(x.data(), n, out.data());
  EXPECT_NEAR(out[0], 0.25f * n, 1e-5);
  for (int k = 1; k < rect.bins(); ++k) EXPECT_NEAR(out[k], 0.0f, 1e-5);
  Spectrogram hann(linear_config(SpectrumMode::kMagnitude, WindowFunction::kHann, n));
  hann.compute(x.data(), n, out.data());
  EXPECT_NEAR(out[0], 0.25f * n / 2, 1e-5);
  EXPECT_NEAR(out[1], 0.25f * n / 4, 1e-5);
  EXPECT_NEAR(out[2], 0.0f, 1e-5);
}

TEST(Spectrogram, ZerosGiveTheLogFloor) {
  std::vector<float> x(1600, 0.0f);
  SpectrumConfig c;  // log-mel, dB, top_db 80
  Spectrogram s(c);
  const int64_t frames = s.frames_for(1600);
  ASSERT_EQ(frames, 1 + (1600 - 480) / 320);
  std::vector<float> out(frames * s.bins(), 1.0f);
  s.compute(x.data(), 1600, out.data());
  for (float v : out) EXPECT_FLOAT_EQ(v, -100.0f);  // 10 log10(1e-10)
  c.log_scale = LogScale::kNatural;
  Spectrogram natural(c);
  natural.compute(x.data(), 1600, out.data());
  for (float v : out) EXPECT_NEAR(v, std::log(1e-6f), 1e-5);
  c.mode = SpectrumMode::kMfcc;
  Spectrogram mfcc(c);
  std::vector<float> coefficients(frames * mfcc.bins());
  mfcc.compute(x.data(), 1600, coefficients.data());
  // A constant log-mel frame: only c0 = value * sqrt(bands).
  for (int64_t t = 0; t < frames; ++t) {
    EXPECT_NEAR(coefficients[t * 13], std::log(1e-6f) * std::sqrt(40.0f), 1e-3);
    for (int k = 1; k < 13; ++k) EXPECT_NEAR(coefficients[t * 13 + k], 0.0f, 1e-3);
  }
}

// db-reference=peak: every value of an output has its peak subtracted after the top-db
// clamp, so the loudest bin is 0 dB, the floor -top_db, and a gain change is not seen.
TEST(Spectrogram, PeakReferenceSubtractsEachOutputsPeak) {
  const int n = 4000;
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i)
    x[i] = 0.3f * std::sin(2.0f * 3.14159265f * 440.0f * i / 16000.0f) +
           0.01f * std::sin(2.0f * 3.14159265f * 3000.0f * i / 16000.0f);
  SpectrumConfig c;  // log-mel, dB, top_db 80
  Spectrogram one(c);
  const size_t values = static_cast<size_t>(one.frames_for(n)) * one.bins();
  std::vector<float> absolute(values), relative(values), louder(values);
  one.compute(x.data(), n, absolute.data());
  c.db_reference = DbReference::kPeak;
  Spectrogram peak(c);
  peak.compute(x.data(), n, relative.data());
  const float peak_db = *std::max_element(absolute.begin(), absolute.end());
  for (size_t i = 0; i < values; ++i) EXPECT_NEAR(relative[i], absolute[i] - peak_db, 1e-4);
  EXPECT_FLOAT_EQ(*std::max_element(relative.begin(), relative.end()), 0.0f);
  EXPECT_GE(*std::min_element(relative.begin(), relative.end()), -80.0f);
  // 20 dB louder: the same features (within float rounding of the log).
  std::vector<float> x10(x);
  for (float& v : x10) v *= 10.0f;
  peak.compute(x10.data(), n, louder.data());
  for (size_t i = 0; i < values; ++i) EXPECT_NEAR(louder[i], relative[i], 1e-3);
  // MFCC: the DCT of the referenced log-mel frame.
  c.mode = SpectrumMode::kMfcc;
  Spectrogram mfcc_peak(c);
  c.db_reference = DbReference::kOne;
  Spectrogram mfcc_one(c);
  const size_t coefficients = static_cast<size_t>(mfcc_one.frames_for(n)) * mfcc_one.bins();
  std::vector<float> m_one(coefficients), m_peak(coefficients);
  mfcc_one.compute(x.data(), n, m_one.data());
  mfcc_peak.compute(x.data(), n, m_peak.data());
  // Only c0 moves: by -peak * sqrt(bands) (the orthonormal DCT of a constant).
  for (size_t t = 0; t < coefficients; t += 13) {
    EXPECT_NEAR(m_peak[t], m_one[t] - peak_db * std::sqrt(40.0f), 2e-2);
    for (size_t k = 1; k < 13; ++k) EXPECT_NEAR(m_peak[t + k], m_one[t + k], 1e-3);
  }
}

TEST(Spectrogram, FrameCountsOneFrameShortAndEmpty) {
  SpectrumConfig c;  // frame 480, hop 320, no centre
  EXPECT_EQ(spectrum_frames(c, 0), 0);
  EXPECT_EQ(spectrum_frames(c, 1), 0);
  EXPECT_EQ(spectrum_frames(c, 479), 0);
  EXPECT_EQ(spectrum_frames(c, 480), 1);
  EXPECT_EQ(spectrum_frames(c, 799), 1);
  EXPECT_EQ(spectrum_frames(c, 800), 2);
  EXPECT_EQ(spectrum_frames(c, 16000), 49);  // micro_speech: 49 x 40
  c.center = CenterPadding::kReflect;
  EXPECT_EQ(spectrum_frames(c, 0), 0);
  EXPECT_EQ(spectrum_frames(c, 1), 1);
  EXPECT_EQ(spectrum_frames(c, 300), 1);
  EXPECT_EQ(spectrum_frames(c, 16000), 51);  // 1 + 16000 / 320

  // Shorter than a frame, no centre: nothing is written.
  Spectrogram s(SpectrumConfig{});
  std::vector<float> x(100, 0.5f), out(40, 7.0f);
  s.compute(x.data(), 100, out.data());
  for (float v : out) EXPECT_EQ(v, 7.0f);
  s.compute(nullptr, 0, out.data());

  // One sample with reflect padding repeats it: the same as a constant frame.
  c.mode = SpectrumMode::kMagnitude;
  c.window = WindowFunction::kRectangular;
  c.n_fft = 480;  // no zero padding: a constant frame is pure DC
  Spectrogram one(c);
  std::vector<float> sample = {0.5f}, spectrum(one.bins());
  one.compute(sample.data(), 1, spectrum.data());
  EXPECT_NEAR(spectrum[0], 0.5f * 480, 1e-3);
  EXPECT_NEAR(spectrum[1], 0.0f, 1e-3);
}

// NaN and Inf are not checked on the hot path: they spoil only the frames
// that contain them (no crash, the other frames stay exact).
TEST(Spectrogram, NonFiniteSamplesStayInTheirFrames) {
  SpectrumConfig c = linear_config(SpectrumMode::kMagnitude, WindowFunction::kHann, 64);
  Spectrogram s(c);
  std::vector<float> x = sine(256, 0.1, 1.0);
  std::vector<float> clean(4 * s.bins()), dirty(4 * s.bins());
  s.compute(x.data(), 256, clean.data());
  x[70] = std::numeric_limits<float>::quiet_NaN();
  x[200] = std::numeric_limits<float>::infinity();
  s.compute(x.data(), 256, dirty.data());
  for (int k = 0; k < s.bins(); ++k) {
    EXPECT_EQ(dirty[k], clean[k]);                 // frame 0
    EXPECT_TRUE(std::isnan(dirty[s.bins() + k]));  // frame 1 holds the NaN
    EXPECT_EQ(dirty[2 * s.bins() + k], clean[2 * s.bins() + k]);
  }
}

TEST(Spectrogram, DefaultsResolve) {
  Spectrogram s(SpectrumConfig{});
  EXPECT_EQ(s.config().n_fft, 512);  // next power of two over 480
  EXPECT_EQ(s.config().fmax, 8000.0);
  EXPECT_EQ(s.bins(), 40);
}

TEST(Spectrogram, RefusesInvalidConfigurationNamingTheProperty) {
  auto with = [](auto change) {
    SpectrumConfig c;
    change(c);
    return [c] { Spectrogram s(c); };
  };
  expect_error_naming(with([](SpectrumConfig& c) { c.frame_size = 0; }), "frame-size");
  expect_error_naming(with([](SpectrumConfig& c) { c.hop_size = 0; }), "hop-size");
  expect_error_naming(with([](SpectrumConfig& c) { c.n_fft = 256; }), "n-fft");
  expect_error_naming(with([](SpectrumConfig& c) { c.n_fft = 513; }), "n-fft");
  expect_error_naming(with([](SpectrumConfig& c) { c.mel_bands = 0; }), "mel-bands");
  expect_error_naming(with([](SpectrumConfig& c) { c.mel_bands = 300; }), "mel-bands");
  expect_error_naming(with([](SpectrumConfig& c) { c.fmin = -1; }), "fmin");
  expect_error_naming(with([](SpectrumConfig& c) { c.fmin = 8000; }), "fmin");
  expect_error_naming(with([](SpectrumConfig& c) { c.fmax = 9000; }), "fmax");
  expect_error_naming(with([](SpectrumConfig& c) { c.fmin = 500, c.fmax = 400; }), "fmax");
  expect_error_naming(with([](SpectrumConfig& c) { c.fmin = std::nan(""); }), "fmin");
  expect_error_naming(with([](SpectrumConfig& c) { c.top_db = -1; }), "top-db");
  expect_error_naming(
      with([](SpectrumConfig& c) { c.log_scale = LogScale::kNatural, c.log_offset = 0; }),
      "log-offset");
  expect_error_naming(with([](SpectrumConfig& c) { c.mode = SpectrumMode::kMfcc, c.n_mfcc = 41; }),
                      "n-mfcc");
  expect_error_naming(with([](SpectrumConfig& c) { c.sample_rate = 0; }), "sample rate");
}

// ---------------------------------------------------------------- stream

// A stream cut into patches gives exactly what compute() gives on each
// patch's samples, whatever the input buffer sizes.
// Overlapping windows of one stream: the frames two windows share are reused only when their
// samples are equal, and the output is compute()'s bit for bit, in every mode and padding.
TEST(Spectrogram, OverlappingWindowsReuseSharedFramesAndEqualCompute) {
  std::vector<float> stream(16000 * 4);
  uint32_t state = 7;
  for (size_t i = 0; i < stream.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    stream[i] = 0.3f * std::sin(0.05f * float(i)) + float(int32_t(state >> 9) % 1000) * 1e-4f;
  }
  for (auto mode : {edge::SpectrumMode::kMagnitude, edge::SpectrumMode::kPower,
                    edge::SpectrumMode::kLogMel, edge::SpectrumMode::kMfcc}) {
    for (auto center : {edge::CenterPadding::kNone, edge::CenterPadding::kReflect}) {
      edge::SpectrumConfig c;
      c.mode = mode;
      c.center = center;
      edge::Spectrogram reference(c), overlapping(c);
      const int64_t n = 16000, hop = 8000;  // 1 s windows every 0.5 s
      const size_t values = static_cast<size_t>(reference.frames_for(n)) * reference.bins();
      std::vector<float> expected(values), got(values);
      std::vector<float> window(stream.begin(), stream.begin() + n);
      // Windows at 0, 0.5, 1.0 s; then one at 1.0 s again with a changed shared sample (no
      // reuse may happen), a shift that is no multiple of the frame hop, an unknown shift,
      // and a padded tail (zeros after 0.75 s; the shared first half is real data).
      struct Step {
        int64_t start, shift;
        bool poke, tail;
      } steps[] = {{0, -1, false, false},      {8000, hop, false, false},
                   {16000, hop, false, false}, {24000, hop, true, false},
                   {24100, 100, false, false}, {32000, -1, false, false},
                   {40000, 8000, false, true}};
      int64_t reused_before = 0;
      for (const Step& step : steps) {
        std::copy(stream.begin() + step.start, stream.begin() + step.start + n, window.begin());
        if (step.poke) window[100] += 1.0f;
        if (step.tail) std::fill(window.begin() + 12000, window.end(), 0.0f);
        reference.compute(window.data(), n, expected.data());
        overlapping.compute_overlapping(window.data(), n, step.shift, got.data());
        ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), values * sizeof(float)))
            << "mode " << int(mode) << " center " << int(center) << " start " << step.start;
        const int64_t reused = overlapping.frames_reused() - reused_before;
        reused_before = overlapping.frames_reused();
        if (step.shift == hop && !step.poke) {
          EXPECT_GE(reused, 20) << "start " << step.start;  // 24 of 49 frames share samples
        } else {
          EXPECT_EQ(reused, 0) << "start " << step.start;
        }
      }
    }
  }
}

TEST(SpectrogramStream, PatchesEqualComputeOverTheSameSamples) {
  for (SpectrumMode mode : {SpectrumMode::kLogMel, SpectrumMode::kMfcc, SpectrumMode::kPower}) {
    SpectrumConfig c;
    c.mode = mode;
    const int patch_frames = 5, patch_hop = 3;
    SpectrogramStream stream(c, patch_frames, patch_hop);
    Spectrogram reference(c);
    std::vector<float> x(6000);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = static_cast<float>(0.3 * std::sin(0.05 * i) + 0.2 * std::sin(0.0007 * i * i));
    const size_t chunks[] = {1, 7, 333, 1000, 2};
    size_t at = 0, chunk = 0;
    std::vector<float> patch(stream.patch_values());
    std::vector<int64_t> starts;
    while (at < x.size()) {
      size_t n = std::min(chunks[chunk++ % 5], x.size() - at);
      while (n > 0) {
        size_t used = stream.push(x.data() + at, n);
        at += used;
        n -= used;
        if (stream.ready()) {
          int64_t start = stream.take(patch.data());
          starts.push_back(start);
          const int64_t span = (patch_frames - 1) * c.hop_size + c.frame_size;
          std::vector<float> expected(stream.patch_values());
          ASSERT_EQ(reference.frames_for(span), patch_frames);
          reference.compute(x.data() + start, span, expected.data());
          for (size_t i = 0; i < patch.size(); ++i)
            ASSERT_NEAR(patch[i], expected[i], 1e-4 * (1.0f + std::abs(expected[i])))
                << "patch at " << start << " value " << i;
        }
      }
    }
    // 1 + (6000 - 480) / 320 = 18 frames: patches end at frames 5, 8, 11, 14, 17.
    ASSERT_EQ(starts.size(), 5u);
    for (size_t i = 0; i < starts.size(); ++i)
      EXPECT_EQ(starts[i], static_cast<int64_t>(i) * patch_hop * c.hop_size);
  }
}

TEST(SpectrogramStream, HopLongerThanFrameAndReset) {
  SpectrumConfig c = linear_config(SpectrumMode::kMagnitude, WindowFunction::kRectangular, 4);
  c.hop_size = 6;  // 2 samples skipped between frames
  SpectrogramStream stream(c, 2, 2);
  std::vector<float> x = {1, 1, 1, 1, 9, 9, 2, 2, 2, 2, 9, 9, 3, 3, 3, 3};
  std::vector<float> patch(stream.patch_values());
  EXPECT_EQ(stream.push(x.data(), x.size()), 10u);  // stops once 2 frames are in
  ASSERT_TRUE(stream.ready());
  EXPECT_EQ(stream.take(patch.data()), 0);
  EXPECT_NEAR(patch[0], 4.0f, 1e-6);  // DC of frame {1,1,1,1}
  EXPECT_NEAR(patch[3], 8.0f, 1e-6);  // DC of frame {2,2,2,2}
  stream.reset();
  EXPECT_EQ(stream.push(x.data() + 12, 4), 4u);
  EXPECT_FALSE(stream.ready());
  expect_error_naming([&] { SpectrogramStream bad(c, 0, 1); }, "patch frames");
  expect_error_naming([&] { SpectrogramStream bad(c, 1, 0); }, "patch hop");
}

// patch_hop > patch_frames: frames between patches are skipped, starts stay on the grid.
TEST(SpectrogramStream, SparsePatches) {
  SpectrumConfig c = linear_config(SpectrumMode::kMagnitude, WindowFunction::kRectangular, 4);
  c.hop_size = 2;
  SpectrogramStream stream(c, 2, 3);
  std::vector<float> x(40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  std::vector<float> patch(stream.patch_values());
  std::vector<int64_t> starts;
  size_t at = 0;
  while (at < x.size()) {
    at += stream.push(x.data() + at, x.size() - at);
    if (stream.ready()) {
      starts.push_back(stream.take(patch.data()));
      // DC bin of the first frame = sum of its 4 samples.
      const float first = static_cast<float>(starts.back());
      EXPECT_NEAR(patch[0], 4 * first + 6, 1e-4);
    }
  }
  // 1 + (40 - 4) / 2 = 19 frames; patches end at frames 2, 5, 8, ..., 17.
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 6, 12, 18, 24, 30}));
}

// ---------------------------------------------------------------- goldens

struct Golden {
  std::string name, input;
  int64_t input_samples = 0, frames = 0, values = 0;
  SpectrumConfig config;
  std::vector<float> data;
};

std::vector<float> read_f32(const std::string& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(msg(path, ": cannot open"));
  std::vector<float> data(count);
  in.read(reinterpret_cast<char*>(data.data()),
          static_cast<std::streamsize>(count * sizeof(float)));
  if (static_cast<size_t>(in.gcount()) != count * sizeof(float))
    throw Error(msg(path, ": expected ", count, " float32 values"));
  return data;  // the fixtures are little-endian, as every supported target
}

std::vector<float> read_wav(const std::string& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) throw Error(msg(path, ": ", sf_strerror(nullptr)));
  std::vector<float> samples(static_cast<size_t>(info.frames));
  sf_count_t got = sf_readf_float(file, samples.data(), info.frames);
  sf_close(file);
  if (info.channels != 1 || got != info.frames) throw Error(msg(path, ": expected mono"));
  return samples;
}

SpectrumConfig config_from_json(const nlohmann::json& p) {
  SpectrumConfig c;
  c.sample_rate = p.at("sample_rate");
  c.frame_size = p.at("frame_size");
  c.hop_size = p.at("hop_size");
  c.n_fft = p.at("n_fft");
  const std::string window = p.at("window"), center = p.at("center"), mode = p.at("mode");
  c.window = window == "hann"      ? WindowFunction::kHann
             : window == "hamming" ? WindowFunction::kHamming
                                   : WindowFunction::kRectangular;
  c.center = center == "none"      ? CenterPadding::kNone
             : center == "reflect" ? CenterPadding::kReflect
                                   : CenterPadding::kConstant;
  c.mode = mode == "magnitude" ? SpectrumMode::kMagnitude
           : mode == "power"   ? SpectrumMode::kPower
           : mode == "logmel"  ? SpectrumMode::kLogMel
                               : SpectrumMode::kMfcc;
  c.mel_bands = p.at("mel_bands");
  c.fmin = p.at("fmin");
  c.fmax = p.at("fmax");
  c.mel_scale = p.at("mel_scale") == "htk" ? MelScale::kHtk : MelScale::kSlaney;
  c.mel_norm = p.at("mel_norm") == "none" ? MelNorm::kNone : MelNorm::kSlaney;
  c.log_scale = p.at("log") == "natural" ? LogScale::kNatural : LogScale::kDecibel;
  c.top_db = p.at("top_db");
  c.log_offset = p.at("log_offset");
  c.n_mfcc = p.at("n_mfcc");
  return c;
}

std::vector<Golden> load_goldens(nlohmann::json* index) {
  const std::string dir = test::fixtures_root() + "/spectrum/";
  std::ifstream in(dir + "cases.json");
  if (!in) throw Error(msg(dir, "cases.json: cannot open"));
  in >> *index;
  std::vector<Golden> goldens;
  for (const auto& j : index->at("cases")) {
    Golden g;
    g.name = j.at("name");
    g.input = j.at("input");
    g.input_samples = j.at("input_samples");
    g.frames = j.at("frames");
    g.values = j.at("values");
    g.config = config_from_json(j.at("params"));
    g.data =
        read_f32(dir + j.at("file").get<std::string>(), static_cast<size_t>(g.frames * g.values));
    goldens.push_back(std::move(g));
  }
  return goldens;
}

// Tolerances. The reference is float64; we compute in float32.
// - Linear spectra (magnitude, power): a float32 FFT of n points carries
//   rounding noise of about 1e-7 * log2(n) relative to the frame's largest
//   bin, so small bins are compared against the spectrum's peak:
//   |got - want| <= 1e-4 * |want| + 1e-5 * peak (1e-5 * peak^2 for power).
// - dB and natural-log values: an absolute error. The mel sums keep ~1e-6
//   relative accuracy, i.e. ~5e-6 dB, but bands near the -80 dB top_db floor
//   sum bins whose own noise is ~1e-7 of the peak magnitude (-140 dB in
//   power), so allow 2e-3 dB (4.6e-4 in natural log units).
// - MFCC: a DCT sums mel_bands log values with weights up to sqrt(2/n), so
//   its error is at most sqrt(2 * n) times the log error: 2e-3 * sqrt(2 n).
void expect_matches_golden(const Golden& g, const std::vector<float>& got) {
  ASSERT_EQ(got.size(), g.data.size());
  float peak = 0.0f;
  for (float v : g.data) peak = std::max(peak, std::abs(v));
  double worst = 0.0;
  size_t worst_at = 0;
  int failures = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double want = g.data[i], err = std::abs(got[i] - want);
    double tolerance = 0.0;
    switch (g.config.mode) {
      case SpectrumMode::kMagnitude:
        tolerance = 1e-4 * std::abs(want) + 1e-5 * peak;
        break;
      case SpectrumMode::kPower:
        tolerance = 1e-4 * std::abs(want) + 1e-5 * peak;
        break;
      case SpectrumMode::kLogMel:
        tolerance = 2e-3;
        break;
      case SpectrumMode::kMfcc:
        tolerance = 2e-3 * std::sqrt(2.0 * g.config.mel_bands);
        break;
    }
    if (err > worst) worst = err, worst_at = i;
    if (err > tolerance && failures++ < 5)
      ADD_FAILURE() << g.name << ": frame " << i / g.values << " value " << i % g.values << ": got "
                    << got[i] << ", numpy " << want << " (tolerance " << tolerance << ")";
  }
  std::cout << "[ golden   ] " << g.name << ": " << g.frames << " x " << g.values
            << ", max abs error " << worst << " at frame " << worst_at / g.values << " value "
            << worst_at % g.values << " (peak " << peak << ")\n";
}

TEST(SpectrumGolden, SyntheticSignalMatchesNumpy) {
  nlohmann::json index;
  std::vector<Golden> goldens = load_goldens(&index);
  const auto& input = index.at("synthetic_input");
  std::vector<float> synthetic =
      read_f32(test::fixtures_root() + "/spectrum/" + input.at("file").get<std::string>(),
               input.at("samples").get<size_t>());
  int checked = 0;
  for (const Golden& g : goldens) {
    if (g.input != "synthetic") continue;
    SCOPED_TRACE(g.name);
    Spectrogram s(g.config);
    ASSERT_EQ(s.frames_for(g.input_samples), g.frames);
    ASSERT_EQ(s.bins(), g.values);
    std::vector<float> got(static_cast<size_t>(g.frames * g.values));
    s.compute(synthetic.data(), g.input_samples, got.data());
    expect_matches_golden(g, got);
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

TEST(SpectrumGolden, RealSpeechCommandsClipsMatchNumpy) {
  EDGE_REQUIRE_SHARED(speech, "speech/speech-commands-sample");
  nlohmann::json index;
  std::vector<Golden> goldens = load_goldens(&index);
  int checked = 0;
  for (const Golden& g : goldens) {
    if (g.input == "synthetic") continue;
    SCOPED_TRACE(g.name);
    std::vector<float> x = read_wav(test::shared_data_root() + "/" + g.input);
    ASSERT_EQ(static_cast<int64_t>(x.size()), g.input_samples);
    Spectrogram s(g.config);
    ASSERT_EQ(s.frames_for(g.input_samples), g.frames);
    std::vector<float> got(static_cast<size_t>(g.frames * g.values));
    s.compute(x.data(), g.input_samples, got.data());
    expect_matches_golden(g, got);
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(SpectrumParams, SettingsGiveTheConfigForARate) {
  SpectrumSettings s;  // 30 ms frames every 20 ms
  SpectrumConfig c = spectrum_config(s, 16000);
  EXPECT_EQ(c.sample_rate, 16000);
  EXPECT_EQ(c.frame_size, 480);
  EXPECT_EQ(c.hop_size, 320);
  EXPECT_EQ(c.mode, SpectrumMode::kLogMel);
  EXPECT_FLOAT_EQ(c.top_db, 80.0f);
  s.frame_samples = 400;  // samples override seconds
  EXPECT_EQ(spectrum_config(s, 16000).frame_size, 400);
  s.hop_seconds = 1e-6;
  try {
    spectrum_config(s, 16000);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "hop-size=1e-06 s at 16000 Hz is 0 samples; expected 1..1048576");
  }
  const params::Param& n_fft = *spectrum_params().find("n-fft");
  EXPECT_EQ(params::parse(n_fft, "511", nullptr), "511 is odd");
  EXPECT_EQ(params::parse(n_fft, "512", nullptr), "");
}

}  // namespace
}  // namespace edge
