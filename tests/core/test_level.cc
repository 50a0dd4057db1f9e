// Signal level: hand-checkable values (full-scale square and sine, a -20 dB step), the floor
// for silence and empty blocks, non-finite samples.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "signal/level.h"

using edge::signal::kLevelFloorDb;
using edge::signal::rms_dbfs;

TEST(Level, FullScaleSquareIsZeroAndSineIsMinusThree) {
  std::vector<float> square(480);
  for (size_t i = 0; i < square.size(); ++i) square[i] = i % 2 ? 1.0f : -1.0f;
  EXPECT_NEAR(rms_dbfs(square.data(), square.size()), 0.0, 1e-9);
  std::vector<float> sine(48000);
  for (size_t i = 0; i < sine.size(); ++i)
    sine[i] = static_cast<float>(std::sin(2 * M_PI * 1000.0 * static_cast<double>(i) / 48000.0));
  EXPECT_NEAR(rms_dbfs(sine.data(), sine.size()), -3.0103, 1e-3);
}

TEST(Level, ATenthOfTheAmplitudeIsTwentyDecibelsDown) {
  std::vector<float> a(1000, 0.5f), b(1000, 0.05f);
  EXPECT_NEAR(rms_dbfs(a.data(), a.size()) - rms_dbfs(b.data(), b.size()), 20.0, 1e-6);
  EXPECT_NEAR(rms_dbfs(a.data(), a.size()), -6.0206, 1e-4);
}

TEST(Level, SilenceAndEmptyReadTheFloor) {
  std::vector<float> zeros(16000, 0.0f);
  EXPECT_EQ(rms_dbfs(zeros.data(), zeros.size()), kLevelFloorDb);
  EXPECT_EQ(rms_dbfs(nullptr, 0), kLevelFloorDb);
  std::vector<float> tiny(100, 1e-9f);  // -180 dBFS
  EXPECT_EQ(rms_dbfs(tiny.data(), tiny.size()), kLevelFloorDb);
}

TEST(Level, NonFiniteSamplesAreNotSilence) {
  std::vector<float> x(4, 0.0f);
  x[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NEAR(rms_dbfs(x.data(), x.size()), 10.0 * std::log10(0.25), 1e-9);
}
