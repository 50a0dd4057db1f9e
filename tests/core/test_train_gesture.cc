// The paper's gesture experiment on the bundled punch/flex recordings
// (datasets/gesture-punch-flex, MIT): loading and normalization goldens,
// stratified folds, and a bounded cross-validation run with an accuracy floor
// measured on this data (the full 5-fold run is in docs/training.md).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "tools/experiments/gesture_experiment.h"

namespace edge::train {
namespace {

std::string bundled(const std::string& file) {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/datasets/gesture-punch-flex/" + file;
}

GestureData load_bundled() {
  return load_gesture_classes({{"punch", bundled("punch.csv")}, {"flex", bundled("flex.csv")}});
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(TrainGesture, LoadsAndNormalizesThePaperData) {
  const GestureData g = load_bundled();
  ASSERT_EQ(g.data.size(), 60);
  EXPECT_EQ(g.data.x.shape(), (Shape{60, 180}));
  int punch = 0;
  for (int32_t label : g.data.labels) punch += label == 0;
  EXPECT_EQ(punch, 17);
  EXPECT_EQ(g.class_names, (std::vector<std::string>{"punch", "flex"}));
  // punch.csv line 2: 0.017,-1.430,-0.000,126.771,463.763,-37.985
  EXPECT_FLOAT_EQ(g.data.x[0], (0.017f + 4.0f) / 8.0f);
  EXPECT_FLOAT_EQ(g.data.x[1], (-1.430f + 4.0f) / 8.0f);
  EXPECT_FLOAT_EQ(g.data.x[4], (463.763f + 2000.0f) / 4000.0f);
  EXPECT_FLOAT_EQ(g.data.x[5], (-37.985f + 2000.0f) / 4000.0f);
}

TEST(TrainGesture, StratifiedFoldsAreBalancedAndSeeded) {
  const GestureData g = load_bundled();
  const std::vector<int> folds = stratified_folds(g.data.labels, 5, 1);
  for (int f = 0; f < 5; ++f) {
    int size = 0, punch = 0;
    for (size_t i = 0; i < folds.size(); ++i)
      if (folds[i] == f) {
        ++size;
        punch += g.data.labels[i] == 0;
      }
    EXPECT_EQ(size, 12) << f;                    // 60 / 5
    EXPECT_TRUE(punch == 3 || punch == 4) << f;  // 17 punches over 5 folds
  }
  EXPECT_EQ(stratified_folds(g.data.labels, 5, 1), folds);
  EXPECT_NE(stratified_folds(g.data.labels, 5, 2), folds);
  EXPECT_THROW(stratified_folds(g.data.labels, 1, 1), Error);
  EXPECT_THROW(stratified_folds({0, 1}, 3, 1), Error);
}

// Two of the five folds, full 600 epochs (about 0.3 s of CPU per fold).
// Measured with seed 1: fold 1 11/12, fold 2 12/12.
TEST(TrainGesture, BoundedCrossValidationReachesTheMeasuredFloor) {
  const GestureData g = load_bundled();
  CrossValidationOptions options;
  options.folds_to_run = 2;
  const CrossValidationResult r = cross_validate_gesture(g, options);
  ASSERT_EQ(r.folds.size(), 2u);
  for (const FoldResult& fold : r.folds) {
    EXPECT_EQ(fold.test_samples, 12);
    EXPECT_EQ(fold.train_samples, 48);
    EXPECT_EQ(fold.train_accuracy, 1.0);
    EXPECT_GE(fold.test_accuracy, 11.0 / 12.0 - 1e-9);
  }
  EXPECT_GE(r.mean_accuracy, 0.95);
}

TEST(TrainGesture, BadFilesAreReportedByName) {
  const std::string missing = ::testing::TempDir() + "no-such-gesture.csv";
  try {
    load_gesture_classes({{"a", missing}, {"b", bundled("flex.csv")}});
    FAIL() << "missing file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-gesture.csv"), std::string::npos) << e.what();
  }
  std::string short_recording = "aX,aY,aZ,gX,gY,gZ\r\n";
  for (int i = 0; i < 29; ++i) short_recording += "0,0,1,0,0,0\r\n";
  const std::string short_path = write_temp("short.csv", short_recording + "\r\n");
  try {
    load_gesture_classes({{"a", short_path}, {"b", bundled("flex.csv")}});
    FAIL() << "29-row recording accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("short.csv:2: recording has 29 rows, expected 30"),
              std::string::npos)
        << e.what();
  }
  const std::string no_gyro = write_temp("nogyro.csv", "aX,aY,aZ\n0,0,1\n");
  try {
    load_gesture_classes({{"a", no_gyro}, {"b", bundled("flex.csv")}});
    FAIL() << "file without gyroscope columns accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'gX'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_gesture_classes({{"a", bundled("flex.csv")}}), Error);
}

}  // namespace
}  // namespace edge::train
