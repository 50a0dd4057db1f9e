// Statistics accumulator: goldens, NaN/Inf refusal, stability, merging and the JSON file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "common/error.h"
#include "signal/stats.h"
#include "tests/common/test_util.h"

using edge::signal::Moments;
using edge::signal::StatsAccumulator;

TEST(Stats, GoldenOneChannel) {
  StatsAccumulator acc(1);
  std::vector<float> x = {1, 2, 3, 4};
  acc.add(x.data(), x.size());
  const Moments& m = acc.channel(0);
  EXPECT_EQ(m.count, 4u);
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_DOUBLE_EQ(m.stddev(), std::sqrt(1.25));  // population: sum of d^2 = 5, / 4
  EXPECT_EQ(m.min, 1.0);
  EXPECT_EQ(m.max, 4.0);
}

TEST(Stats, GoldenPerChannelAndGlobal) {
  StatsAccumulator acc(2);
  std::vector<float> x = {1, 10, 3, 20};  // channel 0: 1,3  channel 1: 10,20
  acc.add(x.data(), 2);
  EXPECT_DOUBLE_EQ(acc.channel(0).mean, 2.0);
  EXPECT_DOUBLE_EQ(acc.channel(0).stddev(), 1.0);
  EXPECT_DOUBLE_EQ(acc.channel(1).mean, 15.0);
  EXPECT_DOUBLE_EQ(acc.channel(1).stddev(), 5.0);
  Moments g = acc.global();
  EXPECT_EQ(g.count, 4u);
  EXPECT_DOUBLE_EQ(g.mean, 8.5);
  // values 1,3,10,20: deviations -7.5,-5.5,1.5,11.5 -> squares sum 56.25+30.25+2.25+132.25 = 221
  EXPECT_DOUBLE_EQ(g.variance(), 221.0 / 4);
  EXPECT_EQ(g.min, 1.0);
  EXPECT_EQ(g.max, 20.0);
}

TEST(Stats, EmptyAndOneSample) {
  StatsAccumulator acc(1);
  acc.add(nullptr, 0);
  EXPECT_EQ(acc.channel(0).count, 0u);
  EXPECT_EQ(acc.channel(0).stddev(), 0.0);
  float one = -7.0f;
  acc.add(&one, 1);
  EXPECT_EQ(acc.channel(0).count, 1u);
  EXPECT_EQ(acc.channel(0).mean, -7.0);
  EXPECT_EQ(acc.channel(0).stddev(), 0.0);
}

TEST(Stats, NonFiniteValuesAreRefusedAndCounted) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  StatsAccumulator acc(2);
  std::vector<float> x = {1, nan, inf, 4, 3, -inf};
  acc.add(x.data(), 3);
  EXPECT_EQ(acc.nonfinite(), 3u);
  EXPECT_EQ(acc.channel(0).count, 2u);
  EXPECT_DOUBLE_EQ(acc.channel(0).mean, 2.0);
  EXPECT_EQ(acc.channel(1).count, 1u);
  EXPECT_DOUBLE_EQ(acc.channel(1).mean, 4.0);
  EXPECT_TRUE(std::isfinite(acc.global().stddev()));
}

TEST(Stats, StableWithLargeOffset) {
  // 2^20 values alternating 1e6 and 1e6+1 (both exact in float): mean 1e6+0.5, std 0.5.
  // A float or sum-of-squares accumulator loses the variance entirely here.
  std::vector<float> x(1 << 20);
  for (size_t i = 0; i < x.size(); ++i) x[i] = i % 2 ? 1000001.0f : 1000000.0f;
  StatsAccumulator acc(1);
  for (size_t i = 0; i < x.size(); i += 999)
    acc.add(x.data() + i, std::min<size_t>(999, x.size() - i));
  EXPECT_EQ(acc.channel(0).count, x.size());
  EXPECT_NEAR(acc.channel(0).mean, 1000000.5, 1e-9);
  EXPECT_NEAR(acc.channel(0).stddev(), 0.5, 1e-9);
}

TEST(Stats, MergeEqualsOnePass) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(3.0f, 2.0f);
  std::vector<float> x(3 * 10007);
  for (float& v : x) v = dist(rng);
  StatsAccumulator whole(3);
  whole.add(x.data(), 10007);
  StatsAccumulator a(3), b(3), c(3);
  a.add(x.data(), 1);
  b.add(x.data() + 3, 5000);
  c.add(x.data() + 3 * 5001, 10007 - 5001);
  a.merge(b);
  a.merge(c);
  for (int ch = 0; ch < 3; ++ch) {
    EXPECT_EQ(a.channel(ch).count, whole.channel(ch).count);
    EXPECT_NEAR(a.channel(ch).mean, whole.channel(ch).mean, 1e-12);
    EXPECT_NEAR(a.channel(ch).stddev(), whole.channel(ch).stddev(), 1e-12);
    EXPECT_EQ(a.channel(ch).min, whole.channel(ch).min);
  }
  // Against a long-double two-pass reference over channel 1.
  long double sum = 0;
  for (size_t i = 1; i < x.size(); i += 3) sum += x[i];
  long double mean = sum / 10007;
  long double m2 = 0;
  for (size_t i = 1; i < x.size(); i += 3) m2 += (x[i] - mean) * (x[i] - mean);
  EXPECT_NEAR(whole.channel(1).mean, static_cast<double>(mean), 1e-12);
  EXPECT_NEAR(whole.channel(1).stddev(), std::sqrt(static_cast<double>(m2 / 10007)), 1e-12);
  StatsAccumulator wrong(2);
  EXPECT_THROW(a.merge(wrong), edge::Error);
}

TEST(Stats, JsonRoundTrip) {
  StatsAccumulator acc(2);
  std::vector<float> x = {1, 10, 3, 20, 0.1f, -5};
  acc.add(x.data(), 3);
  const std::string text = acc.to_json();
  EXPECT_NE(text.find("\"format\": \"edgestream-stats\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"std\": \"population\""), std::string::npos) << text;
  StatsAccumulator back = StatsAccumulator::from_json(text, "memory");
  ASSERT_EQ(back.channels(), 2);
  for (int c = 0; c < 2; ++c) {
    EXPECT_EQ(back.channel(c).count, acc.channel(c).count);
    EXPECT_DOUBLE_EQ(back.channel(c).mean, acc.channel(c).mean);
    EXPECT_DOUBLE_EQ(back.channel(c).stddev(), acc.channel(c).stddev());
    EXPECT_EQ(back.channel(c).min, acc.channel(c).min);
    EXPECT_EQ(back.channel(c).max, acc.channel(c).max);
  }
  EXPECT_DOUBLE_EQ(back.global().mean, acc.global().mean);
}

TEST(Stats, SaveAndLoad) {
  StatsAccumulator acc(1);
  std::vector<float> x = {2, 4};
  acc.add(x.data(), 2);
  char tmpl[] = "/tmp/edge_stats_XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  acc.save(tmpl);
  StatsAccumulator back = StatsAccumulator::load(tmpl);
  EXPECT_DOUBLE_EQ(back.channel(0).mean, 3.0);
  EXPECT_DOUBLE_EQ(back.channel(0).stddev(), 1.0);
  std::remove(tmpl);
}

TEST(Stats, BadFilesAreRefusedWithTheirName) {
  auto expect_error = [](const std::string& text, const std::string& part) {
    try {
      StatsAccumulator::from_json(text, "stats.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const edge::Error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("stats.json"), std::string::npos) << m;
      EXPECT_NE(m.find(part), std::string::npos) << m;
    }
  };
  expect_error("", "not valid JSON");
  expect_error("{\"format\": \"edgestream-stats\", \"version\": 1", "not valid JSON");
  expect_error("[1,2]", "format");
  expect_error("{\"format\": \"other\", \"version\": 1}", "format");
  expect_error("{\"format\": \"edgestream-stats\", \"version\": 2}", "version");
  expect_error("{\"format\": \"edgestream-stats\", \"version\": 1}", "per_channel");
  expect_error(
      "{\"format\": \"edgestream-stats\", \"version\": 1, \"per_channel\": [{\"count\": 2, "
      "\"mean\": 1}]}",
      "std");
  expect_error(
      "{\"format\": \"edgestream-stats\", \"version\": 1, \"per_channel\": [{\"count\": 2, "
      "\"mean\": 1, \"std\": -1}]}",
      "std");
  expect_error(
      "{\"format\": \"edgestream-stats\", \"version\": 1, \"per_channel\": [{\"count\": -2, "
      "\"mean\": 1, \"std\": 1}]}",
      "count");
  expect_error(
      "{\"format\": \"edgestream-stats\", \"version\": 1, \"channels\": 2, \"per_channel\": "
      "[{\"count\": 2, \"mean\": 1, \"std\": 1}]}",
      "channels");
  EXPECT_THROW(StatsAccumulator::load("/nonexistent/stats.json"), edge::Error);
  EXPECT_THROW(StatsAccumulator(0), edge::Error);
}

// Moments::add (Welford, one value at a time, as the dataset store accumulates) agrees with the
// block accumulator and merges across shards like one pass.
TEST(Stats, MomentsAddOneValueAtATimeAndMerge) {
  const std::vector<double> values = {2, 4, 4, 4, 5, 5, 7, 9, 1e6 + 1, 1e6 + 3};
  Moments all, first, second;
  for (size_t i = 0; i < values.size(); ++i) {
    all.add(values[i]);
    (i < 4 ? first : second).add(values[i]);
  }
  std::vector<float> as_float(values.begin(), values.end());
  StatsAccumulator block(1);
  block.add(as_float.data(), as_float.size());
  EXPECT_EQ(all.count, 10u);
  EXPECT_NEAR(all.mean, block.channel(0).mean, 1e-9);
  EXPECT_NEAR(all.variance(), block.channel(0).variance(), 1e-6 * all.variance());
  EXPECT_EQ(all.min, 2.0);
  EXPECT_EQ(all.max, 1e6 + 3);
  first.merge(second);
  EXPECT_EQ(first.count, all.count);
  EXPECT_NEAR(first.mean, all.mean, 1e-9);
  EXPECT_NEAR(first.m2, all.m2, 1e-9 * all.m2);
  Moments empty;
  empty.merge(all);  // into nothing: a copy
  EXPECT_EQ(empty.mean, all.mean);
  EXPECT_EQ(empty.m2, all.m2);
}
// Moments::add over an array (blocks, two passes, Chan merges) equals one add() per value to
// rounding, with the same count, min and max.
TEST(Moments, BlockAddEqualsOneValueAtATime) {
  std::vector<float> values(3 * StatsAccumulator::kBlockFrames + 123);
  uint32_t seed = 11;
  for (float& v : values) {
    seed = seed * 1664525u + 1013904223u;
    v = 1000.0f + static_cast<float>(seed >> 8) / static_cast<float>(1u << 24);
  }
  Moments each, blocks;
  for (float v : values) each.add(static_cast<double>(v));
  blocks.add(values.data(), values.size());
  EXPECT_EQ(blocks.count, each.count);
  EXPECT_NEAR(blocks.mean, each.mean, 1e-12 * std::abs(each.mean));
  EXPECT_NEAR(blocks.m2, each.m2, 1e-9 * each.m2);
  EXPECT_EQ(blocks.min, each.min);
  EXPECT_EQ(blocks.max, each.max);
  Moments empty;
  empty.add(values.data(), 0);
  EXPECT_EQ(empty.count, 0u);
}
