// merge_datasets: the union of shard datasets equals one dataset written whole (counts,
// sources, exact statistics), files renamed to one sequence, mismatches refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "graph/dataset_merge.h"
#include "store/shard_store.h"

namespace edge::graph {
namespace {

std::string temp_dir() {
  char pattern[] = "/tmp/edge-merge-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "";
}

nlohmann::json manifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.json");
  return nlohmann::json::parse(in);
}

// Writes clips [first, last) with two windows of 2 values each: clip c, window w holds
// {c + w, c - w}; label = c % 2.
void write(const std::string& dir, int first, int last, std::vector<int64_t> shape = {2},
           const std::string& preprocess = "p") {
  store::ShardStoreOptions options;
  options.directory = dir;
  options.windows_per_shard = 3;
  options.provenance["preprocess"] = preprocess;
  store::ShardStore store(options, shape);
  for (int c = first; c < last; ++c) {
    for (int w = 0; w < 2; ++w) {
      store::WindowInfo info;
      info.clip_id = "clip" + std::to_string(c);
      info.label = c % 2 ? "odd" : "even";
      info.label_index = c % 2;
      info.window_index = w;
      const float values[2] = {float(c + w), float(c - w)};
      store.add(values, info);
    }
    store::WindowInfo clip;
    clip.clip_id = "clip" + std::to_string(c);
    // No source file here: the clip is recorded with a null hash and the store says so.
    EXPECT_THROW(store.add_source(clip, "c" + std::to_string(c) + ".wav", dir + "/none.wav"),
                 Error);
  }
  store.finish();
}

TEST(DatasetMerge, UnionEqualsTheWhole) {
  const std::string root = temp_dir();
  write(root + "/whole", 0, 5);
  write(root + "/a", 0, 2);
  write(root + "/b", 2, 5);
  const MergeResult r = merge_datasets(root + "/merged", {root + "/a", root + "/b"});
  EXPECT_EQ(r.windows, 10);
  EXPECT_EQ(r.sources, 5u);
  const auto whole = manifest(root + "/whole"), merged = manifest(root + "/merged");
  EXPECT_EQ(merged["counts"], whole["counts"]);
  EXPECT_EQ(merged["labels"], whole["labels"]);
  EXPECT_TRUE(merged["complete"].get<bool>());
  EXPECT_EQ(merged["sources"].size(), 5u);
  // Values c+w and c-w over c in 0..4, w in 0..1: the w cancel, so the mean is that of c
  // (2); the variance is var(c) + mean(w^2) = 2 + 0.5, std sqrt(2.5).
  EXPECT_DOUBLE_EQ(merged["data_statistics"]["count"].get<double>(), 20.0);
  EXPECT_NEAR(merged["data_statistics"]["mean"].get<double>(),
              whole["data_statistics"]["mean"].get<double>(), 1e-12);
  EXPECT_NEAR(merged["data_statistics"]["std"].get<double>(),
              whole["data_statistics"]["std"].get<double>(), 1e-12);
  EXPECT_NEAR(merged["data_statistics"]["mean"].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(merged["data_statistics"]["std"].get<double>(), std::sqrt(2.5), 1e-12);
  // Shards a: 4 windows in 3+1, b: 6 windows in 3+3 -> shard-00000..00003, files present.
  ASSERT_EQ(merged["shards"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const std::string x = merged["shards"][i]["files"]["x"].get<std::string>();
    EXPECT_EQ(x, "shard-0000" + std::to_string(i) + ".x.npy");
    struct stat st;
    EXPECT_EQ(::stat((root + "/merged/" + x).c_str(), &st), 0) << x;
  }
  EXPECT_THROW(merge_datasets(root + "/merged", {root + "/a"}), Error);
  std::system(("rm -rf " + root).c_str());
}

TEST(DatasetMerge, RefusesMismatchesShowingBoth) {
  const std::string root = temp_dir();
  write(root + "/a", 0, 1);
  write(root + "/shape", 1, 2, {1, 2});
  write(root + "/pre", 1, 2, {2}, "q");
  try {
    merge_datasets(root + "/m1", {root + "/a", root + "/shape"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("window_shape differs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1,2]"), std::string::npos) << e.what();
  }
  try {
    merge_datasets(root + "/m2", {root + "/a", root + "/pre"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("preprocess differs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"q\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(merge_datasets(root + "/m3", {}), Error);
  EXPECT_THROW(merge_datasets(root + "/m4", {root + "/missing"}), Error);
  std::system(("rm -rf " + root).c_str());
}

// Found by fuzz_manifest: a manifest that is valid JSON but not an object ("3") escaped as a
// nlohmann type_error (std::terminate in the fuzzer) instead of an error naming the file.
TEST(DatasetMerge, AManifestThatIsNotAnObjectIsRefusedNamingIt) {
  const std::string root = temp_dir();
  for (const char* text : {"3", "[1,2]", "\"manifest\"", "null"}) {
    std::system(("mkdir -p " + root + "/bad").c_str());
    std::FILE* f = std::fopen((root + "/bad/manifest.json").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs(text, f);
    std::fclose(f);
    try {
      merge_datasets(root + "/merged", {root + "/bad"});
      ADD_FAILURE() << "no error for " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad/manifest.json is not a dataset manifest"),
                std::string::npos)
          << e.what();
    }
  }
  std::system(("rm -rf " + root).c_str());
}

// A labels_by_index key that is not a number threw std::invalid_argument out of the merge
// (found by fuzz_manifest); it is refused naming the manifest and the key.
TEST(DatasetMerge, ALabelIndexThatIsNotANumberIsRefusedNamingIt) {
  const std::string root = temp_dir();
  write(root + "/a", 0, 3);
  for (const char* key : {"labels_0", "", "-1", "1e3", "9999999"}) {
    nlohmann::json m = manifest(root + "/a");
    m["labels_by_index"] = {{key, "even"}, {"1", "odd"}};
    std::ofstream(root + "/a/manifest.json") << m.dump();
    try {
      merge_datasets(root + "/merged", {root + "/a"});
      ADD_FAILURE() << "no error for key '" << key << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("a/manifest.json: labels_by_index key '" +
                                           std::string(key) + "' is not a label index"),
                std::string::npos)
          << e.what();
    }
  }
  std::system(("rm -rf " + root).c_str());
}

// Issue 11.7: `edgestream merge out A A` wrote every (clip, window) key twice with exit 0.
TEST(DatasetMerge, AnInputTwiceOrOneKeyInTwoInputsIsRefused) {
  const std::string root = temp_dir();
  write(root + "/a", 0, 2);
  try {
    merge_datasets(root + "/m1", {root + "/a", root + "/a"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is given twice"), std::string::npos) << e.what();
  }
  std::system(("cp -r " + root + "/a " + root + "/copy").c_str());
  try {
    merge_datasets(root + "/m2", {root + "/a", root + "/copy"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("clip0 window 0 is in " + root + "/a and in " + root + "/copy"),
        std::string::npos)
        << e.what();
  }
  struct stat st;
  EXPECT_NE(::stat((root + "/m2/manifest.json").c_str(), &st), 0);
  std::system(("rm -rf " + root).c_str());
}

// Issue 11.5: a merge killed half-way (or stopped by a full disk before its manifest) left
// files that made every later merge fail with "File exists"; merging a finished merge again
// failed too. Now a folder without manifest is started over and the same merge again is a
// no-op.
TEST(DatasetMerge, AnInterruptedMergeStartsOverAndTheSameMergeAgainChangesNothing) {
  const std::string root = temp_dir();
  write(root + "/a", 0, 2);
  write(root + "/b", 2, 5);
  merge_datasets(root + "/m", {root + "/a", root + "/b"});
  const auto first = manifest(root + "/m");
  const MergeResult again = merge_datasets(root + "/m", {root + "/a", root + "/b"});
  EXPECT_EQ(again.windows, 10);
  EXPECT_EQ(manifest(root + "/m"), first);
  // As a kill -9 before the manifest leaves it: shard files, a temporary, no manifest.
  std::remove((root + "/m/manifest.json").c_str());
  std::ofstream(root + "/m/.tmp-manifest.json") << "{\"half";
  std::ofstream(root + "/m/shard-00009.x.npy") << "from an earlier attempt";
  merge_datasets(root + "/m", {root + "/a", root + "/b"});
  EXPECT_EQ(manifest(root + "/m"), first);
  struct stat st;
  EXPECT_NE(::stat((root + "/m/shard-00009.x.npy").c_str(), &st), 0);
  EXPECT_NE(::stat((root + "/m/.tmp-manifest.json").c_str(), &st), 0);
  // Another merge into it is still refused.
  EXPECT_THROW(merge_datasets(root + "/m", {root + "/a"}), Error);
  std::system(("rm -rf " + root).c_str());
}

// A shard changed after its dataset was written is not merged on.
TEST(DatasetMerge, ADamagedInputShardIsRefused) {
  const std::string root = temp_dir();
  write(root + "/a", 0, 2);
  std::ofstream(root + "/a/shard-00000.y.npy", std::ios::app) << "x";
  try {
    merge_datasets(root + "/m", {root + "/a"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00000.y.npy: SHA-256"), std::string::npos)
        << e.what();
  }
  std::system(("rm -rf " + root).c_str());
}

}  // namespace
}  // namespace edge::graph
