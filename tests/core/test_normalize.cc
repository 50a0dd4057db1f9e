// Normalizer: z-score and min-max goldens, per-channel maps, clamping, non-finite input,
// parameter parsing and invalid configurations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common/error.h"
#include "signal/normalize.h"
#include "signal/normalize_params.h"

using edge::signal::Normalizer;
using edge::signal::parse_range_list;
using edge::signal::Range;
using edge::signal::StatsAccumulator;

TEST(Normalize, ZScoreGlobalGolden) {
  auto n = Normalizer::zscore({2.0}, {4.0}, 1);
  std::vector<float> x = {6, -2, 2, 4};
  n.apply(x.data(), x.size());
  EXPECT_EQ(x, (std::vector<float>{1, -1, 0, 0.5f}));
}

TEST(Normalize, ZScorePerChannel) {
  auto n = Normalizer::zscore({0.0, 10.0}, {1.0, 5.0}, 2);
  std::vector<float> x = {3, 20, -1, 0};
  n.apply(x.data(), 2);
  EXPECT_EQ(x, (std::vector<float>{3, 2, -1, -2}));
}

TEST(Normalize, ZScoreThesisStatistics) {
  // The thesis's global statistics; x = mean maps to 0, x = mean + std to 1.
  auto n = Normalizer::zscore({-0.0008}, {0.2161}, 1);
  std::vector<float> x = {-0.0008f, -0.0008f + 0.2161f};
  n.apply(x.data(), 2);
  EXPECT_NEAR(x[0], 0.0f, 1e-6f);
  EXPECT_NEAR(x[1], 1.0f, 1e-6f);
}

TEST(Normalize, MinMaxPaperRanges) {
  // Accelerometer +-4 g, gyroscope +-2000 deg/s, as in the paper.
  auto ranges = parse_range_list("-4:4,-4:4,-4:4,-2000:2000,-2000:2000,-2000:2000", "ranges");
  auto n = Normalizer::minmax(ranges, 6, false);
  std::vector<float> x = {-4, 0, 4, -2000, 1000, 2000};
  n.apply(x.data(), 1);
  EXPECT_EQ(x, (std::vector<float>{0, 0.5f, 1, 0, 0.75f, 1}));
}

TEST(Normalize, MinMaxClampOrNot) {
  std::vector<float> x = {5, -8, 2};
  auto linear = Normalizer::minmax({{-4, 4}}, 1, false);
  linear.apply(x.data(), 3);
  EXPECT_EQ(x, (std::vector<float>{1.125f, -0.5f, 0.75f}));
  x = {5, -8, 2};
  auto clamped = Normalizer::minmax({{-4, 4}}, 1, true);
  clamped.apply(x.data(), 3);
  EXPECT_EQ(x, (std::vector<float>{1, 0, 0.75f}));
  // Per-channel path clamps too.
  x = {5, -8};
  auto per = Normalizer::minmax({{-4, 4}, {-4, 4}}, 2, true);
  per.apply(x.data(), 1);
  EXPECT_EQ(x, (std::vector<float>{1, 0}));
}

TEST(Normalize, NonFiniteInputIsDefined) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {nan, inf, -inf};
  Normalizer::zscore({1.0}, {2.0}, 1).apply(x.data(), 3);
  EXPECT_TRUE(std::isnan(x[0]));
  EXPECT_EQ(x[1], inf);
  EXPECT_EQ(x[2], -inf);
  x = {nan, inf, -inf};
  Normalizer::minmax({{-1, 1}}, 1, true).apply(x.data(), 3);
  EXPECT_TRUE(std::isnan(x[0]));
  EXPECT_EQ(x[1], 1.0f);
  EXPECT_EQ(x[2], 0.0f);
}

TEST(Normalize, EmptyInputIsANoOp) {
  auto n = Normalizer::zscore({0.0}, {1.0}, 3);
  n.apply(nullptr, 0);
  EXPECT_EQ(n.channels(), 3);
}

TEST(Normalize, FromStatistics) {
  StatsAccumulator acc(2);
  std::vector<float> x = {1, 10, 3, 20};
  acc.add(x.data(), 2);
  auto per = Normalizer::zscore_from_stats(acc, 2, true);
  std::vector<float> y = {3, 20};
  per.apply(y.data(), 1);
  EXPECT_FLOAT_EQ(y[0], 1.0f);  // (3 - 2) / 1
  EXPECT_FLOAT_EQ(y[1], 1.0f);  // (20 - 15) / 5
  auto global = Normalizer::zscore_from_stats(acc, 2, false);
  y = {8.5f, 8.5f};
  global.apply(y.data(), 1);
  EXPECT_FLOAT_EQ(y[0], 0.0f);
  auto mm = Normalizer::minmax_from_stats(acc, 2, true, false);
  y = {2, 15};
  mm.apply(y.data(), 1);
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_FLOAT_EQ(y[1], 0.5f);
  EXPECT_THROW(Normalizer::zscore_from_stats(acc, 3, true), edge::Error);
  StatsAccumulator empty(1);
  EXPECT_THROW(Normalizer::zscore_from_stats(empty, 1, false), edge::Error);
  StatsAccumulator constant(1);
  float c[] = {5, 5};
  constant.add(c, 2);
  EXPECT_THROW(Normalizer::zscore_from_stats(constant, 1, false), edge::Error);  // std 0
}

TEST(Normalize, InvalidParameters) {
  EXPECT_THROW(Normalizer::zscore({0.0}, {0.0}, 1), edge::Error);
  EXPECT_THROW(Normalizer::zscore({0.0}, {-1.0}, 1), edge::Error);
  EXPECT_THROW(Normalizer::zscore({0.0, 1.0}, {1.0}, 3), edge::Error);
  EXPECT_THROW(Normalizer::zscore({std::nan("")}, {1.0}, 1), edge::Error);
  EXPECT_THROW(Normalizer::zscore({0.0}, {1.0}, 0), edge::Error);
  EXPECT_THROW(Normalizer::minmax({{1, 1}}, 1, false), edge::Error);
  EXPECT_THROW(Normalizer::minmax({{0, 1}, {0, 1}}, 3, false), edge::Error);
  try {
    Normalizer::zscore({0.0, 1.0}, {1.0}, 3);
  } catch (const edge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mean"), std::string::npos) << e.what();
  }
}

TEST(Normalize, ParseRangeLists) {
  auto r = parse_range_list("-4:4, -2000:-1000", "ranges");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].min, -2000);
  EXPECT_EQ(r[1].max, -1000);
  r = parse_range_list(" -4 : 4 ", "ranges");  // spaces around either bound
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].min, -4);
  EXPECT_EQ(r[0].max, 4);
  for (const char* bad : {"", "4", "4:-4", "1:1", "a:b", "-4:4,", ":4"})
    EXPECT_THROW(parse_range_list(bad, "ranges"), edge::Error) << bad;
}

TEST(NormalizeParams, SettingsMakeTheNormalizer) {
  edge::signal::NormalizeSettings s;
  s.mean = "1,2";
  s.std = "0.5";
  Normalizer z = edge::signal::make_normalizer(s, 2, nullptr);
  EXPECT_FLOAT_EQ(z.scale(1), 2.0f);
  EXPECT_FLOAT_EQ(z.offset(1), -4.0f);
  s.mode = edge::signal::NormalizeMode::kMinmax;
  s.ranges = "-4:4";
  EXPECT_FLOAT_EQ(edge::signal::make_normalizer(s, 3, nullptr).scale(2), 0.125f);
  s.mode = edge::signal::NormalizeMode::kZscore;
  s.mean = "1,2,3";
  EXPECT_THROW(edge::signal::make_normalizer(s, 2, nullptr), edge::Error);  // 3 means, 2 channels
  const edge::params::Table& t = edge::signal::normalize_params();
  EXPECT_EQ(edge::params::parse(*t.find("std"), "0", nullptr), "std: 0 is not > 0");
  EXPECT_NE(edge::params::parse(*t.find("mean"), "abc", nullptr), "");
  EXPECT_NE(edge::params::parse(*t.find("ranges"), "4:-4", nullptr), "");
  EXPECT_EQ(edge::params::parse(*t.find("ranges"), "-4:4,0:1", nullptr), "");
  EXPECT_TRUE(t.find("nonfinite")->statistic);
}

// Out of place (edgenormalize reading a read-only window): the same bits as in place, for the
// uniform map and per-channel maps, input untouched.
TEST(Normalizer, OutOfPlaceEqualsInPlace) {
  std::vector<float> in(6 * 1001);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.37f * float(i)) * 3.0f;
  in[5] = std::numeric_limits<float>::quiet_NaN();
  in[7] = -0.0f;
  const auto uniform = edge::signal::Normalizer::zscore({-0.0008}, {0.2161}, 6);
  const auto per_channel = edge::signal::Normalizer::minmax(
      {{-4, 4}, {-4, 4}, {-4, 4}, {-2000, 2000}, {-2000, 2000}, {-2000, 2000}}, 6, true);
  for (const auto* n : {&uniform, &per_channel}) {
    const std::vector<float> original = in;
    std::vector<float> in_place = in, out(in.size());
    n->apply(in_place.data(), 1001);
    n->apply(in.data(), out.data(), 1001);
    EXPECT_EQ(0, std::memcmp(out.data(), in_place.data(), out.size() * sizeof(float)));
    EXPECT_EQ(0, std::memcmp(in.data(), original.data(), in.size() * sizeof(float)));
  }
}
