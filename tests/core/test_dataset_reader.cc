// read_dataset and the splits: datasets written by ShardStore from the paper's real punch/flex
// recordings (datasets/gesture-punch-flex), small hand-made ones for the goldens, and damaged
// directories for the errors.
#include <ftw.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/dataset_reader.h"
#include "store/shard_store.h"
#include "tools/experiments/gesture_experiment.h"

namespace {

using edge::store::LoadedDataset;
using edge::store::read_dataset;
using edge::store::ShardStore;
using edge::store::ShardStoreOptions;
using edge::store::WindowInfo;

// Every temporary directory of the run, removed when the tests end.
class TempDirs : public ::testing::Environment {
 public:
  static std::vector<std::string>& list() {
    static std::vector<std::string> dirs;
    return dirs;
  }
  void TearDown() override {
    for (const auto& dir : list())
      nftw(
          dir.c_str(),
          [](const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }, 16,
          FTW_DEPTH | FTW_PHYS);
  }
};
const auto* const kTempDirs = ::testing::AddGlobalTestEnvironment(new TempDirs);

std::string temp_dir(const std::string& tag) {
  char pattern[] = "/tmp/edge-dataset-reader-XXXXXX";
  const char* dir = mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  TempDirs::list().push_back(dir);
  return std::string(dir) + "/" + tag;
}

std::string source_root() {
  const char* env = std::getenv("EDGE_SOURCE_ROOT");
  return env ? env : ".";
}

// Writes the real gesture recordings (one clip per recording, 30x6 window, no folds) the way
// edgedatasetsink does. Returns the loaded gesture data for comparison.
edge::train::GestureData write_gesture_dataset(const std::string& dir, bool int8 = false) {
  const std::string root = source_root() + "/datasets/gesture-punch-flex/";
  auto data = edge::train::load_gesture_classes(
      {{"flex", root + "flex.csv"}, {"punch", root + "punch.csv"}});
  ShardStoreOptions options;
  options.directory = dir;
  options.windows_per_shard = 16;  // several shards
  options.int8 = int8;
  options.int8_scale = 1.0f / 128.0f;
  options.int8_zero_point = -64;
  options.provenance["preprocess"] = "edgenormalize mode=minmax";
  options.provenance["parameters"] = {{"app", "gesture"}};
  ShardStore store(options, {30, 6});
  std::vector<int> per_class(2, 0);
  for (int i = 0; i < data.data.size(); ++i) {
    WindowInfo info;
    const int label = data.data.labels[size_t(i)];
    info.clip_id = data.class_names[size_t(label)] + ".csv#" + std::to_string(++per_class[label]);
    info.label = data.class_names[size_t(label)];
    info.label_index = label;
    info.window_index = 0;
    store.add(data.data.x.data() + size_t(i) * 180, info);
  }
  store.finish();
  return data;
}

TEST(DatasetReader, ReadsRealGestureDataset) {
  const std::string dir = temp_dir("gesture");
  const auto gesture = write_gesture_dataset(dir);
  const LoadedDataset data = read_dataset(dir);
  ASSERT_EQ(data.size(), 60);
  EXPECT_EQ(data.window_shape, (std::vector<int64_t>{30, 6}));
  EXPECT_EQ(data.window_elements(), 180u);
  EXPECT_EQ(data.labels, (std::vector<std::string>{"flex", "punch"}));
  EXPECT_EQ(data.stored_dtype, "float32");
  EXPECT_EQ(data.preprocess, "edgenormalize mode=minmax");
  EXPECT_EQ(data.statistics, "");
  EXPECT_EQ(data.parameters.at("app"), "gesture");
  EXPECT_EQ(data.folds(), std::vector<int>{-1});
  EXPECT_EQ(data.clip[0], "flex.csv#1");
  EXPECT_EQ(data.clip[59], "punch.csv#17");
  // Bit-exact windows in the order written.
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(data.y[size_t(i)], gesture.data.labels[size_t(i)]);
    for (int j = 0; j < 180; ++j)
      ASSERT_EQ(data.window(i)[j], gesture.data.x.data()[size_t(i) * 180 + size_t(j)]);
  }
}

TEST(DatasetReader, Int8ShardsComeBackDequantized) {
  const std::string dir = temp_dir("gesture8");
  const auto gesture = write_gesture_dataset(dir, true);
  const LoadedDataset data = read_dataset(dir);
  EXPECT_EQ(data.stored_dtype, "int8");
  ASSERT_EQ(data.size(), 60);
  // real = scale * (q - zp), q = round(v / scale) + zp: within half a step of the original.
  for (size_t i = 0; i < data.x.size(); ++i)
    ASSERT_NEAR(data.x[i], gesture.data.x.data()[i], 0.5f / 128.0f + 1e-6f) << i;
}

TEST(DatasetReader, StatisticsKeptAsCompactJson) {
  const std::string dir = temp_dir("stats");
  ShardStoreOptions options;
  options.directory = dir;
  options.provenance["statistics"] = {{"mean", 0.5}, {"std", 2.0}};
  ShardStore store(options, {3});
  const float w[3] = {1, 2, 3};
  store.add(w, {"a", "x", 0, 1, 0});
  store.add(w, {"b", "y", 1, 2, 0});
  store.finish();
  const auto data = read_dataset(dir);
  EXPECT_EQ(data.statistics, R"({"mean":0.5,"std":2.0})");
  EXPECT_EQ(data.folds(), (std::vector<int>{1, 2}));
}

// Four clips of two windows per class, folds 1 and 2, for hand-checkable splits.
std::string write_small_dataset(const std::string& tag) {
  const std::string dir = temp_dir(tag);
  ShardStoreOptions options;
  options.directory = dir;
  options.windows_per_shard = 5;
  ShardStore store(options, {2});
  for (int c = 0; c < 8; ++c) {
    for (int w = 0; w < 2; ++w) {
      const float values[2] = {float(c), float(w)};
      WindowInfo info;
      info.clip_id = "clip" + std::to_string(c);
      info.label_index = c % 2;
      info.label = c % 2 ? "odd" : "even";
      info.fold = c < 4 ? 1 : 2;
      info.window_index = w;
      store.add(values, info);
    }
  }
  // One unlabelled window: never in a split.
  const float values[2] = {9, 9};
  store.add(values, {"noise", "", -1, 1, 0});
  store.finish();
  return dir;
}

TEST(DatasetSplit, ByFolds) {
  const auto data = read_dataset(write_small_dataset("folds"));
  ASSERT_EQ(data.size(), 17);
  const auto split = edge::store::split_by_folds(data, {2});
  EXPECT_EQ(split.train, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(split.test, (std::vector<int64_t>{8, 9, 10, 11, 12, 13, 14, 15}));
  const auto reverse = edge::store::split_by_folds(data, {1});
  EXPECT_EQ(reverse.train, split.test);
  EXPECT_THROW(edge::store::split_by_folds(data, {3}), edge::Error);
  EXPECT_THROW(edge::store::split_by_folds(data, {1, 2}), edge::Error);  // nothing to train on
  EXPECT_THROW(edge::store::split_by_folds(data, {}), edge::Error);
}

std::set<std::string> clips_of(const LoadedDataset& data, const std::vector<int64_t>& windows) {
  std::set<std::string> clips;
  for (int64_t i : windows) clips.insert(data.clip[size_t(i)]);
  return clips;
}

TEST(DatasetSplit, ByClipKeepsClipsWholeAndIsStratified) {
  const auto data = read_dataset(write_small_dataset("clips"));
  const auto split = edge::store::split_by_clip(data, 0.25, 7);
  // 4 clips per class, 25 %: one clip of each class (2 windows each) in test.
  EXPECT_EQ(split.test.size(), 4u);
  EXPECT_EQ(split.train.size(), 12u);
  const auto test_clips = clips_of(data, split.test);
  for (const auto& clip : clips_of(data, split.train)) EXPECT_EQ(test_clips.count(clip), 0u);
  int odd = 0;
  for (int64_t i : split.test) odd += data.y[size_t(i)];
  EXPECT_EQ(odd, 2);
  // Deterministic for a seed.
  const auto again = edge::store::split_by_clip(data, 0.25, 7);
  EXPECT_EQ(again.test, split.test);
  // Inside a training split only: the clips of the test side stay out.
  const auto inner = edge::store::split_by_clip(data, 0.34, 3, &split.train);
  EXPECT_EQ(inner.test.size() + inner.train.size(), 12u);
  for (const auto& clip : clips_of(data, inner.test)) EXPECT_EQ(test_clips.count(clip), 0u);
  EXPECT_THROW(edge::store::split_by_clip(data, 0.0, 7), edge::Error);
  EXPECT_THROW(edge::store::split_by_clip(data, 1.0, 7), edge::Error);
}

TEST(DatasetSplit, CrossValidationByClipOnRealGestures) {
  const std::string dir = temp_dir("cv");
  write_gesture_dataset(dir);
  const auto data = read_dataset(dir);
  const auto splits = edge::store::cross_validation_by_clip(data, 5, 1);
  ASSERT_EQ(splits.size(), 5u);
  std::vector<int> tested(60, 0);
  for (const auto& split : splits) {
    EXPECT_EQ(split.train.size() + split.test.size(), 60u);
    EXPECT_EQ(split.test.size(), 12u);  // 60 recordings, 5 folds
    for (int64_t i : split.test) ++tested[size_t(i)];
    int punch = 0;
    for (int64_t i : split.test) punch += data.y[size_t(i)];
    EXPECT_GE(punch, 3);  // 17 punches over 5 folds: 3 or 4 each
    EXPECT_LE(punch, 4);
  }
  for (int count : tested) EXPECT_EQ(count, 1);  // every recording tested exactly once
  EXPECT_THROW(edge::store::cross_validation_by_clip(data, 1, 1), edge::Error);
  EXPECT_THROW(edge::store::cross_validation_by_clip(data, 61, 1), edge::Error);
}

TEST(DatasetSplit, ParseFoldList) {
  EXPECT_EQ(edge::store::parse_fold_list("2", "--test-folds"), std::vector<int>{2});
  EXPECT_EQ(edge::store::parse_fold_list("1,2", "--test-folds"), (std::vector<int>{1, 2}));
  EXPECT_THROW(edge::store::parse_fold_list("1,x", "--test-folds"), edge::Error);
  EXPECT_THROW(edge::store::parse_fold_list("", "--test-folds"), edge::Error);
  EXPECT_THROW(edge::store::parse_fold_list("1,,2", "--test-folds"), edge::Error);
}

std::string error_of(const std::string& dir) {
  try {
    read_dataset(dir);
  } catch (const edge::Error& e) {
    return e.what();
  }
  return "";
}

TEST(DatasetReaderErrors, MissingDirectory) {
  const std::string text = error_of("/nonexistent/edge-dataset");
  EXPECT_NE(text.find("no dataset at /nonexistent/edge-dataset"), std::string::npos) << text;
}

TEST(DatasetReaderErrors, MissingShardFile) {
  const std::string dir = write_small_dataset("missing");
  ASSERT_EQ(std::remove((dir + "/shard-00001.y.npy").c_str()), 0);
  const std::string text = error_of(dir);
  EXPECT_NE(text.find("shard-00001.y.npy: missing"), std::string::npos) << text;
}

TEST(DatasetReaderErrors, HashMismatch) {
  const std::string dir = write_small_dataset("hash");
  {
    std::fstream f(dir + "/shard-00000.x.npy", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  const std::string text = error_of(dir);
  EXPECT_NE(text.find("shard-00000.x.npy: SHA-256 mismatch"), std::string::npos) << text;
}

TEST(DatasetReaderErrors, IncompleteDataset) {
  const std::string dir = temp_dir("incomplete");
  {
    ShardStoreOptions options;
    options.directory = dir;
    ShardStore store(options, {2});
    const float w[2] = {1, 2};
    store.add(w, {"a", "x", 0, 1, 0});
    store.flush();  // interrupted: not complete
  }
  const std::string text = error_of(dir);
  EXPECT_NE(text.find("incomplete"), std::string::npos) << text;
}

TEST(DatasetReaderErrors, GarbageManifest) {
  const std::string dir = write_small_dataset("garbage");
  {
    std::ofstream out(dir + "/manifest.json", std::ios::trunc);
    out << "{\"format\": \"edgestream-dataset\", \"complete\": tru";
  }
  EXPECT_NE(error_of(dir).find("not valid JSON"), std::string::npos);
  {
    std::ofstream out(dir + "/manifest.json", std::ios::trunc);
    out << R"({"format": "edgestream-dataset", "complete": true, "window_shape": "x"})";
  }
  EXPECT_NE(error_of(dir).find("unexpected content"), std::string::npos);
  {
    std::ofstream out(dir + "/manifest.json", std::ios::trunc);
    out << R"({"format": "something", "complete": true})";
  }
  EXPECT_NE(error_of(dir).find("not an edgestream dataset"), std::string::npos);
}

}  // namespace
