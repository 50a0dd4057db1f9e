// The resampler (signal/resample.h): the reference kernel against the formula written out
// here, every SIMD kernel this CPU runs against the reference bit for bit (ratios, channel
// counts, chunkings), clips resampled as if alone, output lengths, the filter's measured
// passband, stopband and image rejection, and the errors. On ARM the NEON kernel is the one
// checked (tools/run.sh runs this suite under qemu-aarch64).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "signal/resample.h"

namespace edge::signal {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::vector<float> noise(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

std::vector<uint32_t> bits(const std::vector<float>& v) {
  std::vector<uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

// The formula of resample.h, written out: zeros outside the clip, std::fma in tap order.
std::vector<float> by_formula(const Resampler& r, const std::vector<float>& in, int channels) {
  const int64_t frames = static_cast<int64_t>(in.size()) / channels;
  const int64_t outputs = r.output_frames(frames);
  const int64_t L = r.up(), M = r.down(), N = r.taps();
  std::vector<float> out(static_cast<size_t>(outputs * channels));
  for (int64_t k = 0; k < outputs; ++k) {
    const int64_t q = k * M / L;
    const float* h = r.phase(static_cast<int>(k * M % L));
    for (int c = 0; c < channels; ++c) {
      float acc = 0.0f;
      for (int64_t j = 0; j < N; ++j) {
        const int64_t i = q - N / 2 + 1 + j;
        const float x = i >= 0 && i < frames ? in[static_cast<size_t>(i * channels + c)] : 0.0f;
        acc = std::fma(x, h[j], acc);
      }
      out[static_cast<size_t>(k * channels + c)] = acc;
    }
  }
  return out;
}

// Streams `in` through `r` in chunks of `chunk` frames, then finish().
std::vector<float> stream(Resampler& r, const std::vector<float>& in, size_t chunk) {
  const int ch = r.channels();
  const size_t frames = in.size() / static_cast<size_t>(ch);
  std::vector<float> out, buffer(r.max_output(chunk) * static_cast<size_t>(ch));
  for (size_t at = 0; at < frames; at += chunk) {
    const size_t n = std::min(chunk, frames - at);
    const size_t got = r.process(in.data() + at * ch, n, buffer.data());
    EXPECT_LE(got, r.max_output(n));
    out.insert(out.end(), buffer.begin(), buffer.begin() + static_cast<long>(got * ch));
  }
  std::vector<float> tail(r.max_output(0) * static_cast<size_t>(ch));
  const size_t got = r.finish(tail.data());
  out.insert(out.end(), tail.begin(), tail.begin() + static_cast<long>(got * ch));
  return out;
}

std::vector<ResampleKernel> simd_kernels() {
  std::vector<ResampleKernel> kernels;
  for (ResampleKernel k : {ResampleKernel::kAvx512, ResampleKernel::kAvx2, ResampleKernel::kNeon})
    if (resample_kernel_supported(k)) kernels.push_back(k);
  return kernels;
}

struct Ratio {
  int in, out;
};
const Ratio kRatios[] = {{22050, 30000}, {44100, 16000}, {22050, 16000}, {48000, 16000},
                         {16000, 48000}, {8000, 16000},  {48000, 44100}, {11025, 16000},
                         {16000, 44100}, {30000, 22050}, {44100, 30000}, {96000, 16000}};

TEST(Resample, DesignOfTheThesisRatio) {
  Resampler r(22050, 30000, 1);
  EXPECT_EQ(r.up(), 200);
  EXPECT_EQ(r.down(), 147);
  EXPECT_EQ(r.taps(), 88);
  for (int p = 0; p < r.up(); ++p) {
    double sum = 0.0;
    for (int j = 0; j < r.taps(); ++j) sum += r.phase(p)[j];
    EXPECT_NEAR(sum, 1.0, 1e-6) << "phase " << p;
  }
  Resampler down(44100, 16000, 1);
  EXPECT_EQ(down.up(), 160);
  EXPECT_EQ(down.down(), 441);
  EXPECT_EQ(down.taps(), 244);
}

TEST(Resample, OutputLengthIsCeilOfTheRatio) {
  for (const Ratio& ratio : kRatios) {
    Resampler r(ratio.in, ratio.out, 1);
    for (size_t frames : {0, 1, 2, 7, 147, 4095, 4096, 4097, 88200, 20011}) {
      const std::vector<float> x = noise(frames, 1);
      const int64_t expected = (static_cast<int64_t>(frames) * r.up() + r.down() - 1) / r.down();
      EXPECT_EQ(r.output_frames(static_cast<int64_t>(frames)), expected);
      EXPECT_EQ(stream(r, x, 1000).size(), static_cast<size_t>(expected))
          << ratio.in << " -> " << ratio.out << ", " << frames << " frames";
    }
  }
  Resampler thesis(22050, 30000, 1);
  EXPECT_EQ(thesis.output_frames(88200), 120000);  // 4 s, as the windows expect
}

TEST(Resample, ReferenceIsTheFormula) {
  for (const Ratio& ratio : kRatios) {
    for (int channels : {1, 2}) {
      Resampler r(ratio.in, ratio.out, channels, {}, ResampleKernel::kReference);
      const std::vector<float> x = noise(static_cast<size_t>(3001 * channels), 2);
      EXPECT_EQ(bits(stream(r, x, 4096)), bits(by_formula(r, x, channels)))
          << ratio.in << " -> " << ratio.out << ", " << channels << " channels";
    }
  }
}

TEST(Resample, SimdKernelsEqualTheReferenceBitForBit) {
  const auto kernels = simd_kernels();
  if (kernels.empty()) GTEST_SKIP() << "no SIMD resampling kernel runs on this CPU";
  for (ResampleKernel kernel : kernels) {
    for (const Ratio& ratio : kRatios) {
      for (int channels : {1, 2, 3}) {
        const std::vector<float> x = noise(static_cast<size_t>(20011 * channels), 3);
        Resampler ref(ratio.in, ratio.out, channels, {}, ResampleKernel::kReference);
        const auto expected = bits(stream(ref, x, 4096));
        Resampler simd(ratio.in, ratio.out, channels, {}, kernel);
        for (size_t chunk : {size_t{1}, size_t{13}, size_t{4096}, size_t{100000}}) {
          EXPECT_EQ(bits(stream(simd, x, chunk)), expected)
              << resample_kernel_name(kernel) << " " << ratio.in << " -> " << ratio.out << ", "
              << channels << " channels, chunks of " << chunk;
        }
      }
    }
  }
}

TEST(Resample, AutoPicksTheFastestKernel) {
  Resampler r(22050, 30000, 1);
  const auto kernels = simd_kernels();
  EXPECT_EQ(r.kernel(), kernels.empty() ? ResampleKernel::kReference : kernels.front());
  EXPECT_NE(r.kernel(), ResampleKernel::kAuto);
}

TEST(Resample, EachClipAsIfAlone) {
  const std::vector<float> a = noise(88200, 4), b = noise(50000, 5);
  Resampler alone(22050, 30000, 1);
  const std::vector<float> b_alone = stream(alone, b, 4096);
  Resampler r(22050, 30000, 1);
  stream(r, a, 4096);  // clip A, finished
  EXPECT_EQ(bits(stream(r, b, 4096)), bits(b_alone)) << "clip B after clip A";
  // A clip dropped half-way leaves nothing behind either.
  std::vector<float> buffer(r.max_output(4096));
  r.process(a.data(), 4096, buffer.data());
  r.reset();
  EXPECT_EQ(bits(stream(r, b, 4096)), bits(b_alone)) << "clip B after reset()";
}

TEST(Resample, EqualRatesCopy) {
  Resampler r(16000, 16000, 2);
  EXPECT_EQ(r.taps(), 0);
  const std::vector<float> x = noise(2 * 5000, 6);
  EXPECT_EQ(bits(stream(r, x, 333)), bits(x));
}

TEST(Resample, DcPassesAtUnitGain) {
  for (const Ratio& ratio : kRatios) {
    Resampler r(ratio.in, ratio.out, 1);
    const std::vector<float> y = stream(r, std::vector<float>(20000, 1.0f), 4096);
    // Away from the clip's edges, where the zeros outside it are within reach.
    const size_t edge = static_cast<size_t>(r.output_frames(r.taps()));
    for (size_t k = edge; k + edge < y.size(); ++k)
      ASSERT_NEAR(y[k], 1.0f, 2e-6f) << ratio.in << " -> " << ratio.out << " at " << k;
  }
}

// Amplitude of the sinusoid at `freq` in y (least squares over the middle), and the RMS of
// what is left: images, aliases, rounding.
struct ToneFit {
  double gain_db, residual_db;
};
ToneFit fit_tone(const std::vector<float>& y, double rate, double freq, double amplitude) {
  const size_t skip = y.size() / 5;
  double ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
  for (size_t k = skip; k + skip < y.size(); ++k) {
    const double s = std::sin(2 * kPi * freq * k / rate), c = std::cos(2 * kPi * freq * k / rate);
    ss += s * s;
    sc += s * c;
    cc += c * c;
    ys += y[k] * s;
    yc += y[k] * c;
  }
  const double det = ss * cc - sc * sc;
  const double a = (ys * cc - yc * sc) / det, b = (yc * ss - ys * sc) / det;
  double residual = 0;
  for (size_t k = skip; k + skip < y.size(); ++k) {
    const double e =
        y[k] - a * std::sin(2 * kPi * freq * k / rate) - b * std::cos(2 * kPi * freq * k / rate);
    residual += e * e;
  }
  residual = std::sqrt(residual / static_cast<double>(y.size() - 2 * skip));
  return {20 * std::log10(std::hypot(a, b) / amplitude),
          20 * std::log10(residual / (amplitude / std::sqrt(2.0)))};
}

std::vector<float> tone(double rate, double freq, double seconds, double amplitude) {
  std::vector<float> x(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(amplitude * std::sin(2 * kPi * freq * i / rate));
  return x;
}

TEST(Resample, FlatPassbandAndDeepImageRejectionUp) {
  // 22.05 -> 30 kHz: flat to 0.87 x 11025 Hz; images (at 22050 - f, folded at 15 kHz) and
  // rounding at least 88 dB below the tone.
  Resampler r(22050, 30000, 1);
  for (double f : {50.0, 1000.0, 4000.0, 7000.0, 9000.0, 9500.0}) {
    const ToneFit fit = fit_tone(stream(r, tone(22050, f, 0.5, 0.5), 4096), 30000, f, 0.5);
    EXPECT_NEAR(fit.gain_db, 0.0, 0.001) << f << " Hz";
    EXPECT_LT(fit.residual_db, -88.0) << f << " Hz";
  }
}

TEST(Resample, DeepAliasRejectionDown) {
  // 44.1 -> 16 kHz: flat to 0.87 x 8 kHz; tones above 8 kHz at least 88 dB down.
  Resampler r(44100, 16000, 1);
  for (double f : {1000.0, 6900.0}) {
    const ToneFit fit = fit_tone(stream(r, tone(44100, f, 0.5, 0.5), 4096), 16000, f, 0.5);
    EXPECT_NEAR(fit.gain_db, 0.0, 0.001) << f << " Hz";
    EXPECT_LT(fit.residual_db, -88.0) << f << " Hz";
  }
  for (double f : {8100.0, 9000.0, 12000.0, 20000.0}) {
    const std::vector<float> y = stream(r, tone(44100, f, 0.5, 0.5), 4096);
    double power = 0;
    const size_t skip = y.size() / 5;
    for (size_t k = skip; k + skip < y.size(); ++k) power += double{y[k]} * y[k];
    const double level = 10 * std::log10(power / static_cast<double>(y.size() - 2 * skip) / 0.125);
    EXPECT_LT(level, -88.0) << f << " Hz aliases into the output";
  }
}

TEST(ClipConverter, MixesDownByTheMeanThenResamples) {
  ClipConverter c(16000, 1);
  const std::vector<float> stereo = noise(2 * 5000, 7);
  std::vector<float> mono(5000);
  for (size_t f = 0; f < mono.size(); ++f) mono[f] = (stereo[2 * f] + stereo[2 * f + 1]) * 0.5f;
  c.begin(48000, 2);
  EXPECT_EQ(c.rate(), 16000);
  EXPECT_EQ(c.channels(), 1);
  EXPECT_FALSE(c.identity());
  std::vector<float> out(c.max_output(5000));
  size_t n = c.process(stereo.data(), 5000, out.data());
  n += c.finish(out.data() + n);
  out.resize(n);
  EXPECT_EQ(bits(out), bits(resample_clip(mono.data(), mono.size(), 1, 48000, 16000)));
  // The same rate: only mixed; mono at the same rate: untouched.
  c.begin(16000, 2);
  std::vector<float> same(c.max_output(5000));
  EXPECT_EQ(c.process(stereo.data(), 5000, same.data()), 5000u);
  EXPECT_EQ(c.finish(same.data()), 0u);
  same.resize(5000);
  EXPECT_EQ(bits(same), bits(mono));
  // Three channels take the general loop: the same mean, summed in channel order.
  const std::vector<float> three = noise(3 * 1000, 9);
  std::vector<float> mono3(1000);
  for (size_t f = 0; f < mono3.size(); ++f)
    mono3[f] = (((0.0f + three[3 * f]) + three[3 * f + 1]) + three[3 * f + 2]) * (1.0f / 3.0f);
  c.begin(16000, 3);
  std::vector<float> same3(c.max_output(1000));
  EXPECT_EQ(c.process(three.data(), 1000, same3.data()), 1000u);
  same3.resize(1000);
  EXPECT_EQ(bits(same3), bits(mono3));
  c.begin(16000, 1);
  EXPECT_TRUE(c.identity());
  ClipConverter keep(0, 0);
  keep.begin(44100, 6);
  EXPECT_TRUE(keep.identity());
  EXPECT_EQ(keep.rate(), 44100);
  EXPECT_EQ(keep.channels(), 6);
}

// The stereo mixdown (SIMD where the CPU has it) gives the general loop's bits: -0.0 pairs
// become +0.0, NaN stays NaN, any frame count.
TEST(ClipConverter, StereoMixdownEqualsTheGeneralLoopBitForBit) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t frames : {size_t{1}, size_t{3}, size_t{4}, size_t{7}, size_t{1001}}) {
    std::vector<float> stereo = noise(2 * frames, 11);
    stereo[0] = -0.0f;
    stereo[1] = -0.0f;
    if (frames > 2) stereo[5] = nan;
    std::vector<float> expected(frames);
    for (size_t f = 0; f < frames; ++f)
      expected[f] = ((0.0f + stereo[2 * f]) + stereo[2 * f + 1]) * 0.5f;
    ClipConverter c(16000, 1);
    c.begin(16000, 2);
    std::vector<float> got(c.max_output(frames));
    ASSERT_EQ(c.process(stereo.data(), frames, got.data()), frames);
    got.resize(frames);
    EXPECT_EQ(bits(got), bits(expected)) << frames << " frames";
    EXPECT_FALSE(std::signbit(got[0]));
  }
}

TEST(ClipConverter, Errors) {
  EXPECT_THROW(ClipConverter(16000, 2), Error);
  EXPECT_THROW(ClipConverter(-1, 1), Error);
  ClipConverter c(16000, 1);
  EXPECT_THROW(c.begin(44101, 1), Error);
  EXPECT_THROW(c.begin(16000, 0), Error);
}

TEST(Resample, Errors) {
  auto message = [](auto make) -> std::string {
    try {
      make();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message([] { Resampler(0, 16000, 1); }).find("input rate 0 Hz"), std::string::npos);
  EXPECT_NE(message([] { Resampler(16000, -5, 1); }).find("output rate -5 Hz"), std::string::npos);
  EXPECT_NE(message([] { Resampler(16000, 8000, 0); }).find("0 channels"), std::string::npos);
  EXPECT_NE(message([] { Resampler(44101, 16000, 1); }).find("reduces to 16000/44101"),
            std::string::npos);
  ResampleFilter bad;
  bad.passband = 1.1;
  EXPECT_NE(message([&] { Resampler(16000, 8000, 1, bad); }).find("passband 1.1"),
            std::string::npos);
  bad = ResampleFilter();
  bad.attenuation_db = 10;
  EXPECT_NE(message([&] { Resampler(16000, 8000, 1, bad); }).find("attenuation 10 dB"),
            std::string::npos);
  for (ResampleKernel k : {ResampleKernel::kAvx512, ResampleKernel::kAvx2, ResampleKernel::kNeon}) {
    if (resample_kernel_supported(k)) continue;
    EXPECT_NE(message([&] { Resampler(16000, 8000, 1, {}, k); }).find("does not run on this CPU"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace edge::signal
