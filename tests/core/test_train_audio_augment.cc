// Log-mel augmentation (core/learn/train/audio_augment.h), mixup's soft-target loss and their
// place in the trainer and the model file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "train/audio_augment.h"
#include "train/loss.h"
#include "train/model_spec.h"
#include "train/trainer.h"

namespace edge::train {
namespace {

constexpr int kFrames = 12, kBands = 8;

// A window of distinct dB values between -80 and 0 (frame t, band f).
std::vector<float> ramp() {
  std::vector<float> x(size_t(kFrames * kBands));
  for (int t = 0; t < kFrames; ++t)
    for (int f = 0; f < kBands; ++f) x[size_t(t * kBands + f)] = -80.0f + float(t * kBands + f);
  return x;
}

std::string error_of(const LogMelAugmentation& g, int64_t frames = kFrames,
                     int64_t bands = kBands) {
  try {
    g.check(frames, bands);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LogMelAugment, TimeShiftMovesFramesAndFillsWithTheFloor) {
  const std::vector<float> base = ramp();
  LogMelAugmentation g;
  g.time_shift = 3;
  ASSERT_EQ(error_of(g), "(no error)");
  bool shifted = false;
  for (uint64_t seed = 1; seed < 30; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    g.apply(x.data(), kFrames, kBands, rng);
    ASSERT_EQ(x.size(), base.size());
    int found = -99;
    for (int k = -3; k <= 3; ++k) {
      bool same = true;
      for (int t = 0; t < kFrames && same; ++t)
        for (int f = 0; f < kBands; ++f) {
          const int from = t - k;
          const float expected =
              from >= 0 && from < kFrames ? base[size_t(from * kBands + f)] : -80.0f;
          same = same && x[size_t(t * kBands + f)] == expected;
        }
      if (same) found = k;
    }
    EXPECT_NE(found, -99) << "seed " << seed << ": not a time shift filled with the floor";
    shifted = shifted || found != 0;
  }
  EXPECT_TRUE(shifted);
}

TEST(LogMelAugment, FreqShiftMovesBandsAndFillsWithTheFloor) {
  const std::vector<float> base = ramp();
  LogMelAugmentation g;
  g.freq_shift = 2;
  ASSERT_EQ(error_of(g), "(no error)");
  std::vector<int> seen;
  for (uint64_t seed = 1; seed < 40; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    g.apply(x.data(), kFrames, kBands, rng);
    int found = -99;
    for (int s = -2; s <= 2; ++s) {
      bool same = true;
      for (int t = 0; t < kFrames && same; ++t)
        for (int f = 0; f < kBands; ++f) {
          const int from = f - s;  // every frame moved by the same s, nothing wraps
          const float expected =
              from >= 0 && from < kBands ? base[size_t(t * kBands + from)] : -80.0f;
          same = same && x[size_t(t * kBands + f)] == expected;
        }
      if (same) found = s;
    }
    ASSERT_NE(found, -99) << "seed " << seed << ": not a band shift filled with the floor";
    seen.push_back(found);
  }
  // Every shift in [-2, 2] is drawn.
  for (int s = -2; s <= 2; ++s)
    EXPECT_NE(std::find(seen.begin(), seen.end(), s), seen.end()) << "shift " << s;
}

TEST(LogMelAugment, SettingsWithoutFreqShiftDrawAsBefore) {
  // freq_shift draws only when set: a recipe without it keeps its random stream (the
  // results of docs/results.md reproduce bit for bit).
  LogMelAugmentation g;
  g.time_shift = 3;
  g.gain_db = 6.0f;
  std::vector<float> x = ramp();
  Rng rng(5);
  g.apply(x.data(), kFrames, kBands, rng);
  Rng after_apply(5);
  after_apply.below(7);   // the time shift's draw
  after_apply.uniform();  // the gain's draw
  EXPECT_EQ(rng.below(1u << 30), after_apply.below(1u << 30));
}

TEST(LogMelAugment, GainAddsOneOffsetWithinTheRange) {
  const std::vector<float> base = ramp();
  LogMelAugmentation g;
  g.gain_db = 6.0f;
  for (uint64_t seed = 1; seed < 10; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    g.apply(x.data(), kFrames, kBands, rng);
    const float offset = x[0] - base[0];
    EXPECT_LE(std::fabs(offset), 6.0f);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i] - base[i], offset, 1e-4f);
  }
}

TEST(LogMelAugment, EqualizationAddsOneSmoothCurveToEveryFrame) {
  const std::vector<float> base = ramp();
  LogMelAugmentation g;
  g.eq_db = 6.0f;
  for (uint64_t seed = 1; seed < 20; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    g.apply(x.data(), kFrames, kBands, rng);
    // The two cosine amplitudes, drawn as apply() draws them.
    Rng again(seed);
    const double a1 = 6.0 * (again.uniform() - 0.5), a2 = 6.0 * (again.uniform() - 0.5);
    for (int f = 0; f < kBands; ++f) {
      const double u = double(f) / (kBands - 1);
      const double expected = a1 * std::cos(M_PI * u) + a2 * std::cos(2.0 * M_PI * u);
      EXPECT_LE(std::fabs(expected), 6.0);
      for (int t = 0; t < kFrames; ++t) {
        const size_t i = size_t(t * kBands + f);
        EXPECT_NEAR(x[i] - base[i], expected, 1e-4) << "seed " << seed << " frame " << t;
      }
    }
  }
}

// Freq-MixStyle keeps each band's course in time (its normalized values) and gives it a mean
// and spread between those of the batch's samples; a batch of one, or of samples with the same
// band statistics, is left as it is.
TEST(LogMelAugment, FreqMixStyleExchangesBandStatisticsOnly) {
  constexpr int n = 4;
  std::vector<float> batch;
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < kFrames; ++t)
      for (int f = 0; f < kBands; ++f)
        batch.push_back(-60.0f + 10.0f * float(i) + float((t * 7 + f * 3 + i) % 11) * (1.0f + f));
  auto stats = [&](const std::vector<float>& x, int i, int f, double* mean, double* deviation) {
    double sum = 0.0, squares = 0.0;
    for (int t = 0; t < kFrames; ++t) sum += x[size_t((i * kFrames + t) * kBands + f)];
    *mean = sum / kFrames;
    for (int t = 0; t < kFrames; ++t) {
      const double d = x[size_t((i * kFrames + t) * kBands + f)] - *mean;
      squares += d * d;
    }
    *deviation = std::sqrt(squares / kFrames + 1e-6);
  };
  std::vector<float> x = batch, scratch(size_t(2 * n * kBands));
  Rng rng(3);
  freq_mix_style(x.data(), n, kFrames, kBands, 0.3f, rng, scratch.data());
  EXPECT_NE(x, batch);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < kBands; ++f) {
      double mean0, dev0, mean1, dev1, lo = 1e9, hi = -1e9, dlo = 1e9, dhi = -1e9;
      stats(batch, i, f, &mean0, &dev0);
      stats(x, i, f, &mean1, &dev1);
      for (int j = 0; j < n; ++j) {
        double m, d;
        stats(batch, j, f, &m, &d);
        lo = std::min(lo, m), hi = std::max(hi, m), dlo = std::min(dlo, d), dhi = std::max(dhi, d);
      }
      EXPECT_GE(mean1, lo - 1e-3);
      EXPECT_LE(mean1, hi + 1e-3);
      EXPECT_GE(dev1, dlo - 1e-3);
      EXPECT_LE(dev1, dhi + 1e-3);
      for (int t = 0; t < kFrames; ++t) {
        const size_t k = size_t((i * kFrames + t) * kBands + f);
        EXPECT_NEAR((x[k] - mean1) / dev1, (batch[k] - mean0) / dev0, 1e-3);
      }
    }
  std::vector<float> one(batch.begin(), batch.begin() + kFrames * kBands);
  const std::vector<float> one_before = one;
  freq_mix_style(one.data(), 1, kFrames, kBands, 0.3f, rng, scratch.data());
  for (size_t k = 0; k < one.size(); ++k) EXPECT_NEAR(one[k], one_before[k], 1e-4);
}

TEST(LogMelAugment, NoiseMixesInThePowerDomain) {
  // Hand-computed: signal 0 dB and 10 dB (powers 1 and 10, sum 11), noise 0 dB twice (sum 2);
  // at SNR 10 dB, g = 11 / 2 / 10 = 0.55: 10 log10(1.55) = 1.903317 dB,
  // 10 log10(10.55) = 10.232525 dB.
  float signal[2] = {0.0f, 10.0f};
  const float noise[2] = {0.0f, 0.0f};
  mix_log_mel_noise(signal, noise, 2, 10.0f);
  EXPECT_NEAR(signal[0], 1.903317f, 1e-4f);
  EXPECT_NEAR(signal[1], 10.232525f, 1e-4f);
  // The result's SNR is the one asked: P(y) = P(x) (1 + 10^(-snr/10)).
  std::vector<float> x = ramp(), n(x.size(), -30.0f);
  double before = 0.0, after = 0.0;
  for (float v : x) before += std::pow(10.0, v / 10.0);
  mix_log_mel_noise(x.data(), n.data(), int64_t(x.size()), 3.0f);
  for (float v : x) after += std::pow(10.0, v / 10.0);
  EXPECT_NEAR(after / before, 1.0 + std::pow(10.0, -0.3), 1e-5);
  // Through apply(): probability 1 always mixes, from the bank.
  Tensor bank({2, kFrames * kBands});
  std::fill(bank.data(), bank.data() + bank.size(), -20.0f);
  LogMelAugmentation g;
  g.noise_probability = 1.0f;
  g.snr_min_db = g.snr_max_db = 5.0f;
  g.noise = &bank;
  ASSERT_EQ(error_of(g), "(no error)");
  std::vector<float> y = ramp(), z = ramp();
  Rng rng(3);
  g.apply(y.data(), kFrames, kBands, rng);
  mix_log_mel_noise(z.data(), bank.data(), int64_t(z.size()), 5.0f);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], z[i], 1e-5f);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_GE(y[i], ramp()[i]);  // power only adds
}

// The rows (frames, by_frame) or columns (bands) of x that differ from base: each must differ
// entirely and hold `fill`, and together they must be one contiguous run.
std::vector<int> masked_lines(const std::vector<float>& x, const std::vector<float>& base,
                              bool by_frame, double fill) {
  const int lines = by_frame ? kFrames : kBands, length = by_frame ? kBands : kFrames;
  std::vector<int> masked;
  for (int a = 0; a < lines; ++a) {
    int changed = 0;
    for (int b = 0; b < length; ++b) {
      const size_t i = by_frame ? size_t(a * kBands + b) : size_t(b * kBands + a);
      if (x[i] != base[i]) {
        EXPECT_NEAR(x[i], fill, 1e-4);
        ++changed;
      }
    }
    EXPECT_TRUE(changed == 0 || changed == length)
        << (by_frame ? "frame " : "band ") << a << " partly masked";
    if (changed) masked.push_back(a);
  }
  if (!masked.empty()) {
    EXPECT_EQ(masked.back() - masked.front() + 1, int(masked.size())) << "not one run";
  }
  return masked;
}

TEST(LogMelAugment, MasksStayWithinTheirBounds) {
  const std::vector<float> base = ramp();
  double mean = 0.0;
  for (float v : base) mean += v;
  mean /= double(base.size());
  LogMelAugmentation time;
  time.time_masks = 1;
  time.time_mask = 4;
  LogMelAugmentation freq;
  freq.freq_masks = 1;
  freq.freq_mask = 3;
  bool masked_time = false, masked_freq = false;
  for (uint64_t seed = 1; seed < 50; ++seed) {
    std::vector<float> x = base;
    Rng rng(seed);
    time.apply(x.data(), kFrames, kBands, rng);
    const std::vector<int> frames = masked_lines(x, base, true, mean);
    EXPECT_LE(frames.size(), 4u);
    masked_time = masked_time || !frames.empty();
    x = base;
    Rng rng2(seed);
    freq.apply(x.data(), kFrames, kBands, rng2);
    const std::vector<int> bands = masked_lines(x, base, false, mean);
    EXPECT_LE(bands.size(), 3u);
    masked_freq = masked_freq || !bands.empty();
  }
  EXPECT_TRUE(masked_time);
  EXPECT_TRUE(masked_freq);
}

TEST(LogMelAugment, SameSeedSameResultAndShapeKept) {
  Tensor bank({3, kFrames * kBands});
  for (int64_t i = 0; i < bank.size(); ++i) bank[i] = -40.0f + float(i % 7);
  LogMelAugmentation all;
  all.time_shift = 2;
  all.gain_db = 6.0f;
  all.noise_probability = 0.5f;
  all.snr_min_db = 0.0f;
  all.snr_max_db = 20.0f;
  all.time_masks = 2;
  all.time_mask = 3;
  all.freq_masks = 2;
  all.freq_mask = 2;
  all.noise = &bank;
  ASSERT_EQ(error_of(all), "(no error)");
  std::vector<float> a = ramp(), b = ramp(), c = ramp();
  Rng ra(11), rb(11), rc(12);
  all.apply(a.data(), kFrames, kBands, ra);
  all.apply(b.data(), kFrames, kBands, rb);
  all.apply(c.data(), kFrames, kBands, rc);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, ramp());
  for (float v : a) EXPECT_TRUE(std::isfinite(v));
}

TEST(LogMelAugment, BadSettingsAreRefusedNamingThem) {
  LogMelAugmentation g;
  g.time_shift = kFrames;
  EXPECT_NE(error_of(g).find("time_shift must be in [0, 11] (the window has 12 frames), got 12"),
            std::string::npos)
      << error_of(g);
  g = LogMelAugmentation{};
  g.freq_shift = kBands;
  EXPECT_NE(error_of(g).find("freq_shift must be in [0, 7] (the window has 8 bands), got 8"),
            std::string::npos)
      << error_of(g);
  g = LogMelAugmentation{};
  g.freq_mask = kBands;
  EXPECT_NE(error_of(g).find("freq_mask must be in [0, 7]"), std::string::npos) << error_of(g);
  g = LogMelAugmentation{};
  g.time_mask = 40;
  EXPECT_NE(error_of(g).find("time_mask must be in [0, 11]"), std::string::npos);
  g = LogMelAugmentation{};
  g.noise_probability = 0.5f;
  EXPECT_NE(error_of(g).find("noise_probability 0.5 needs a noise bank"), std::string::npos);
  Tensor wrong({2, 5});
  g.noise = &wrong;
  EXPECT_NE(error_of(g).find("the noise windows have 5 values, the training windows 96"),
            std::string::npos)
      << error_of(g);
  g = LogMelAugmentation{};
  g.snr_min_db = 20.0f;
  g.snr_max_db = 0.0f;
  EXPECT_NE(error_of(g).find("noise_snr_db must be [min, max] with min <= max"), std::string::npos);
  g = LogMelAugmentation{};
  g.mixup = -1.0f;
  EXPECT_NE(error_of(g).find("mixup"), std::string::npos);
  g = LogMelAugmentation{};
  g.eq_db = 61.0f;
  EXPECT_NE(error_of(g).find("eq_db must be in [0, 60], got 61"), std::string::npos) << error_of(g);
  g = LogMelAugmentation{};
  g.freq_mixstyle = 1.5f;
  EXPECT_NE(error_of(g).find("freq_mixstyle (a probability per batch) must be in [0, 1]"),
            std::string::npos)
      << error_of(g);
  g = LogMelAugmentation{};
  g.freq_mixstyle_alpha = 0.0f;
  EXPECT_NE(error_of(g).find("freq_mixstyle_alpha"), std::string::npos) << error_of(g);
}

TEST(LogMelAugment, BetaVariatesLieInTheUnitIntervalWithMeanOneHalf) {
  for (double alpha : {0.2, 1.0, 4.0}) {
    Rng rng(5);
    double sum = 0.0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      const double v = beta_variate(rng, alpha, alpha);
      ASSERT_GE(v, 0.0);
      ASSERT_LE(v, 1.0);
      sum += v;
    }
    EXPECT_NEAR(sum / n, 0.5, 0.01) << "alpha " << alpha;
  }
  // Beta(0.2, 0.2) is U-shaped: most draws are near 0 or 1.
  Rng rng(6);
  int extreme = 0;
  for (int i = 0; i < 10000; ++i) {
    const double v = beta_variate(rng, 0.2, 0.2);
    extreme += v < 0.1 || v > 0.9;
  }
  EXPECT_GT(extreme, 6000);
}

TEST(LogMelAugment, MixupMixesPairsAndTheirTargetsSumToOne) {
  const int n = 5, k = 6;
  const int64_t per_sample = 3;
  std::vector<float> x(size_t(n * per_sample)), scratch(x.size()), targets(size_t(n * k));
  for (int i = 0; i < n; ++i)
    for (int e = 0; e < per_sample; ++e) x[size_t(i * per_sample + e)] = float(10 * i + e);
  const std::vector<float> before = x;
  const int32_t labels[n] = {0, 1, 2, 3, 5};  // distinct, so lambda shows in the targets
  Rng rng(4);
  mix_up(x.data(), labels, n, per_sample, k, 0.4f, rng, scratch.data(), targets.data());
  for (int i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int c = 0; c < k; ++c) {
      EXPECT_GE(targets[size_t(i * k + c)], 0.0f);
      sum += targets[size_t(i * k + c)];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << i;
    // x_i = lambda x_i + (1 - lambda) x_j for one partner j, lambda = the target of i's label.
    const double lambda = targets[size_t(i * k + labels[i])];
    bool explained = false;
    for (int j = 0; j < n && !explained; ++j) {
      if (j != i && std::fabs(targets[size_t(i * k + labels[j])] - (1.0 - lambda)) > 1e-6) continue;
      bool same = true;
      for (int e = 0; e < per_sample; ++e)
        same = same && std::fabs(x[size_t(i * per_sample + e)] -
                                 (lambda * before[size_t(i * per_sample + e)] +
                                  (1.0 - lambda) * before[size_t(j * per_sample + e)])) < 1e-3;
      explained = explained || same;
    }
    EXPECT_TRUE(explained) << "row " << i << " is not a mix of two samples";
  }
  std::vector<float> y = before, t2(targets.size());
  Rng again(4);
  mix_up(y.data(), labels, n, per_sample, k, 0.4f, again, scratch.data(), t2.data());
  EXPECT_EQ(x, y);
  EXPECT_EQ(targets, t2);
}

TEST(SoftTargetLoss, EqualsCrossEntropyForOneHotAndHasTheRightGradient) {
  Tensor logits({2, 3});
  const float z[6] = {0.5f, -1.0f, 2.0f, 0.1f, 0.3f, -0.7f};
  std::copy(z, z + 6, logits.data());
  const int32_t labels[2] = {2, 1};
  Tensor onehot({2, 3});
  std::fill(onehot.data(), onehot.data() + 6, 0.0f);
  onehot[2] = 1.0f;
  onehot[4] = 1.0f;
  Tensor g1, g2;
  const LossResult hard = softmax_cross_entropy(logits, labels, 0.5f, &g1);
  const LossResult soft = soft_target_cross_entropy(logits, onehot, 0.5f, &g2);
  EXPECT_NEAR(soft.loss_sum, hard.loss_sum, 1e-6);
  EXPECT_EQ(soft.correct, hard.correct);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(g2[i], g1[i], 1e-6f);
  // Mixed targets: central differences of the loss match the gradient.
  Tensor targets({2, 3});
  const float t[6] = {0.3f, 0.0f, 0.7f, 0.0f, 0.55f, 0.45f};
  std::copy(t, t + 6, targets.data());
  Tensor grad;
  soft_target_cross_entropy(logits, targets, 1.0f, &grad);
  for (int i = 0; i < 6; ++i) {
    Tensor plus = logits, minus = logits;
    plus[i] += 1e-3f;
    minus[i] -= 1e-3f;
    const double numeric = (soft_target_cross_entropy(plus, targets, 1.0f, nullptr).loss_sum -
                            soft_target_cross_entropy(minus, targets, 1.0f, nullptr).loss_sum) /
                           2e-3;
    EXPECT_NEAR(grad[i], numeric, 2e-3) << "logit " << i;
  }
  Tensor wrong({2, 4});
  EXPECT_THROW(soft_target_cross_entropy(logits, wrong, 1.0f, nullptr), Error);
}

// A small log-mel model and data set: class c has a bright band at 2c.
struct Toy {
  Model model;
  Dataset data;
  TrainingSpec training;
};

Toy make_toy(const std::string& augment) {
  const std::string text = R"(
default = "m"
[models.m]
input = [12, 8, 1]
layers = [
  { type = "conv2d", filters = 4, kernel = 3, padding = "same" },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "global_avg_pool" },
  { type = "dense", units = "classes" },
]
[models.m.training]
batch_size = 8
augment = )" + augment + "\n";
  const ModelFile file = parse_model_text(text, "toy.toml");
  Toy toy{build_model(file.find(""), 3), {}, file.find("").training};
  toy.model.initialize(1);
  const int n = 24;
  toy.data.x.resize({n, kFrames, kBands, 1});
  Rng rng(9);
  for (int i = 0; i < n; ++i) {
    toy.data.labels.push_back(i % 3);
    for (int t = 0; t < kFrames; ++t)
      for (int f = 0; f < kBands; ++f)
        toy.data.x[int64_t(i) * kFrames * kBands + t * kBands + f] =
            -60.0f + 5.0f * float(rng.normal()) + (f / 2 == i % 3 ? 40.0f : 0.0f);
  }
  return toy;
}

TEST(LogMelAugmentTraining, MixupAndAugmentationAreDeterministicWhateverTheThreads) {
  for (
      const std::string augment :
      {R"({ type = "log-mel", time_shift = 2, gain_db = 3, time_masks = 1, time_mask = 2, freq_masks = 1, freq_mask = 1, mixup = 0.4 })",
       R"({ type = "log-mel", time_shift = 2, gain_db = 3, eq_db = 6, freq_mixstyle = 1, mixup = 0.4 })"}) {
    std::vector<float> weights[2];
    for (int threads : {1, 2}) {
      Toy toy = make_toy(augment);
      FitOptions options;
      options.epochs = 3;
      options.batch_size = 8;
      options.threads = threads;
      options.log_mel = toy.training.log_mel_augment;
      ASSERT_EQ(options.log_mel.mixup, 0.4f);
      Adam adam;
      Trainer trainer(toy.model, adam, options);
      const History history = trainer.fit(toy.data);
      ASSERT_EQ(history.epochs.size(), 3u);
      EXPECT_TRUE(std::isfinite(history.epochs.back().loss));
      toy.model.save_values(&weights[threads - 1]);
    }
    EXPECT_EQ(weights[0], weights[1]) << augment;
  }
}

TEST(LogMelAugmentTraining, AugmentationIsNeverAppliedOutsideTraining) {
  Toy toy = make_toy(R"({ type = "log-mel", gain_db = 20 })");
  FitOptions options;
  options.log_mel = toy.training.log_mel_augment;
  Adam adam;
  Trainer trainer(toy.model, adam, options);
  const Evaluation a = trainer.evaluate(toy.data), b = trainer.evaluate(toy.data);
  EXPECT_EQ(a.loss, b.loss);
  const std::vector<int32_t> p = trainer.predict(toy.data), q = trainer.predict(toy.data);
  EXPECT_EQ(p, q);
}

// The error of constructing a Trainer for the toy model with the toy's log-mel augmentation
// (and `teacher` logits for distillation when given), "(no error)" when it is accepted.
std::string trainer_error(const std::string& augment, const Tensor* teacher = nullptr) {
  Toy toy = make_toy(augment);
  FitOptions options;
  options.log_mel = toy.training.log_mel_augment;
  options.distillation.teacher_logits = teacher;
  Adam adam;
  try {
    Trainer trainer(toy.model, adam, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LogMelAugmentTraining, AMaskWiderThanTheWindowIsRefusedBeforeTraining) {
  const std::string error =
      trainer_error(R"({ type = "log-mel", time_masks = 1, time_mask = 30 })");
  EXPECT_NE(error.find("time_mask must be in [0, 11] (the window has 12 frames)"),
            std::string::npos)
      << error;
}

TEST(LogMelAugmentTraining, MixupWithDistillationIsRefused) {
  const Tensor teacher({24, 3});
  const std::string error = trainer_error(R"({ type = "log-mel", mixup = 0.2 })", &teacher);
  EXPECT_NE(error.find("mixup cannot combine with distillation"), std::string::npos) << error;
  EXPECT_EQ(trainer_error(R"({ type = "log-mel", mixup = 0.2 })"), "(no error)");
}

TEST(LogMelAugmentSpec, TheModelFileDeclaresItAndRefusesUnknownKeys) {
  auto parse = [](const std::string& augment) {
    return parse_model_text(R"(
[models.m]
input = [1]
layers = [{ type = "dense", units = 1 }]
[models.m.training]
augment = )" + augment + "\n",
                            "m.toml");
  };
  const ModelFile file = parse(
      R"({ type = "log-mel", time_shift = 4, freq_shift = 2, gain_db = 6, noise_probability = 0.5, noise_snr_db = [-5, 15], time_masks = 2, time_mask = 8, freq_masks = 1, freq_mask = 6, mixup = 0.2, eq_db = 6, freq_mixstyle = 0.4, freq_mixstyle_alpha = 0.5 })");
  const LogMelAugmentation& g = file.find("m").training.log_mel_augment;
  EXPECT_EQ(g.time_shift, 4);
  EXPECT_EQ(g.freq_shift, 2);
  EXPECT_EQ(g.gain_db, 6.0f);
  EXPECT_EQ(g.noise_probability, 0.5f);
  EXPECT_EQ(g.snr_min_db, -5.0f);
  EXPECT_EQ(g.snr_max_db, 15.0f);
  EXPECT_EQ(g.time_masks, 2);
  EXPECT_EQ(g.time_mask, 8);
  EXPECT_EQ(g.freq_masks, 1);
  EXPECT_EQ(g.freq_mask, 6);
  EXPECT_EQ(g.mixup, 0.2f);
  EXPECT_EQ(g.eq_db, 6.0f);
  EXPECT_EQ(g.freq_mixstyle, 0.4f);
  EXPECT_EQ(g.freq_mixstyle_alpha, 0.5f);
  EXPECT_FALSE(file.find("m").training.augment.enabled());
  auto error_of = [&](const std::string& augment) -> std::string {
    try {
      parse(augment);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(R"({ type = "log-mel", rotation_degrees = 10 })").find("rotation_degrees"),
            std::string::npos);
  EXPECT_NE(error_of(R"({ type = "log-mel", noise_snr_db = [20, 0] })").find("noise_snr_db"),
            std::string::npos);
  EXPECT_NE(error_of(R"({ type = "log-mel", gain_db = -1 })").find("gain_db"), std::string::npos);
  EXPECT_NE(error_of(R"({ type = "audio" })").find("type"), std::string::npos);
  // The IMU table is unchanged.
  EXPECT_TRUE(parse("{ time_shift = 3 }").find("m").training.augment.enabled());
}

}  // namespace
}  // namespace edge::train
