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
  // A command that trains nothing (eval) may test on every fold: an unseen dataset whose only
  // fold is the one to score.
  const auto every = edge::store::split_by_folds(data, {1, 2}, /*needs_training=*/false);
  EXPECT_TRUE(every.train.empty());
  EXPECT_EQ(every.test.size(), 16u);  // the unlabelled window stays out
  EXPECT_THROW(edge::store::split_by_folds(data, {3}, false), edge::Error);
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

// Clips named as UrbanSound8K names them, recording-class-occurrence-slice: class "a" has
// recordings 10 (4 clips), 11 (2), 12 (1) and 13 (1); class "b" has 20 (3 clips) and 21 (3);
// recording 30 has one clip of each class. One window per clip.
std::string write_recordings_dataset(const std::string& tag) {
  const std::string dir = temp_dir(tag);
  ShardStoreOptions options;
  options.directory = dir;
  ShardStore store(options, {1});
  const std::vector<std::pair<std::string, int>> clips = {
      {"10-0-0-0.wav", 0}, {"10-0-0-1.wav", 0}, {"10-0-0-2.wav", 0}, {"10-0-0-3.wav", 0},
      {"11-0-0-0.wav", 0}, {"11-0-0-1.wav", 0}, {"12-0-0-0.wav", 0}, {"13-0-0-0.wav", 0},
      {"20-1-0-0.wav", 1}, {"20-1-0-1.wav", 1}, {"20-1-0-2.wav", 1}, {"21-1-0-0.wav", 1},
      {"21-1-0-1.wav", 1}, {"21-1-0-2.wav", 1}, {"30-0-0-0.wav", 0}, {"30-1-0-0.wav", 1}};
  float value = 0.0f;
  for (const auto& [clip, label] : clips) {
    WindowInfo info;
    info.clip_id = "audio/fold1/" + clip;
    info.label_index = label;
    info.label = label ? "b" : "a";
    info.fold = 1;
    store.add(&value, info);
    value += 1.0f;
  }
  store.finish();
  return dir;
}

std::string recording_of(const std::string& clip) {
  const std::string name = clip.substr(clip.find_last_of('/') + 1);
  return name.substr(0, name.find('-'));
}

TEST(DatasetSplit, ByRecordingHoldsOutWholeRecordings) {
  const auto data = read_dataset(write_recordings_dataset("recordings"));
  ASSERT_EQ(data.size(), 16);
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const auto split = edge::store::split_by_recording(data, 0.25, seed, recording_of);
    ASSERT_EQ(split.train.size() + split.test.size(), 16u) << "seed " << seed;
    std::set<std::string> test_recordings, train_recordings;
    for (const auto& clip : clips_of(data, split.test)) test_recordings.insert(recording_of(clip));
    for (const auto& clip : clips_of(data, split.train))
      train_recordings.insert(recording_of(clip));
    for (const auto& recording : test_recordings)
      EXPECT_EQ(train_recordings.count(recording), 0u) << "seed " << seed << ": " << recording;
    // Every class keeps a recording for training and gives one to the held-out side.
    std::set<int32_t> test_classes, train_classes;
    for (int64_t i : split.test) test_classes.insert(data.y[size_t(i)]);
    for (int64_t i : split.train) train_classes.insert(data.y[size_t(i)]);
    EXPECT_EQ(train_classes.size(), 2u) << "seed " << seed;
    // Class b (6 clips + recording 30's pair, which belongs to class a by its first clip):
    // 25 % is 2 clips; its recordings hold 3 each, so one of them is held out (|3 - 2| < 2).
    size_t held_b = 0;
    for (int64_t i : split.test) held_b += data.y[size_t(i)] == 1 ? 1 : 0;
    const bool pair_held = test_recordings.count("30") == 1;
    EXPECT_EQ(held_b, 3u + (pair_held ? 1u : 0u)) << "seed " << seed;
  }
  const auto a = edge::store::split_by_recording(data, 0.25, 5, recording_of);
  const auto b = edge::store::split_by_recording(data, 0.25, 5, recording_of);
  EXPECT_EQ(a.test, b.test);
  // One clip per recording: the same sizes as a split by clip.
  const auto by_clip = edge::store::split_by_clip(data, 0.25, 5);
  const auto singletons =
      edge::store::split_by_recording(data, 0.25, 5, [](const std::string& clip) { return clip; });
  EXPECT_EQ(singletons.test.size(), by_clip.test.size());
  EXPECT_THROW(edge::store::split_by_recording(data, 0.0, 7, recording_of), edge::Error);
  EXPECT_THROW(edge::store::split_by_recording(data, 1.0, 7, recording_of), edge::Error);
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
