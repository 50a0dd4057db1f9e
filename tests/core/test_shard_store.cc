#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/sha256.h"
#include "store/npy.h"
#include "store/shard_store.h"
#include "tests/common/test_util.h"

namespace edge::store {
namespace {

std::string temp_dir() {
  char dir[] = "/tmp/edge-shards-XXXXXX";
  return mkdtemp(dir);
}

nlohmann::json read_manifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.json");
  return nlohmann::json::parse(in);
}

std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.' || std::string(e->d_name).rfind(".tmp-", 0) == 0)
      names.push_back(e->d_name);
  closedir(d);
  return names;
}

WindowInfo window(const std::string& clip, int64_t index, int label, int fold) {
  WindowInfo w;
  w.clip_id = clip;
  w.label = label == 0 ? "flex" : "punch";
  w.label_index = label;
  w.fold = fold;
  w.window_index = index;
  return w;
}

ShardStoreOptions options(const std::string& dir, size_t per_shard) {
  ShardStoreOptions o;
  o.directory = dir;
  o.windows_per_shard = per_shard;
  o.provenance = {{"preprocess", "edgewindow size-samples=3 ! edgenormalize mode=minmax"}};
  return o;
}

// Five windows of 2x3 from two clips: 3 shards of at most 2 windows.
void write_five(ShardStore& store, size_t stop_after = 5) {
  float values[6];
  for (size_t i = 0; i < stop_after; ++i) {
    for (int k = 0; k < 6; ++k) values[k] = float(i * 10 + k);
    const bool first_clip = i < 3;
    store.add(values, window(first_clip ? "flex.csv#0" : "punch.csv#0",
                             first_clip ? int64_t(i) : int64_t(i - 3), first_clip ? 0 : 1,
                             first_clip ? 1 : 2));
  }
}

TEST(ShardStore, WritesShardsAndACompleteManifest) {
  const std::string dir = temp_dir();
  const std::string source = dir + "-flex.csv";
  std::ofstream(source) << "aX\n1\n";
  {
    ShardStore store(options(dir, 2), {2, 3});
    store.add_source(window("flex.csv#0", 0, 0, 1), "flex.csv", source);
    write_five(store);
    store.finish();
    EXPECT_EQ(store.windows_written(), 5);
    EXPECT_EQ(store.shards(), 3u);
  }
  auto m = read_manifest(dir);
  EXPECT_EQ(m["format"], "edgestream-dataset");
  EXPECT_TRUE(m["complete"].get<bool>());
  EXPECT_EQ(m["window_shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(m["labels"], nlohmann::json({"flex", "punch"}));
  EXPECT_EQ(m["counts"]["windows"], 5);
  EXPECT_EQ(m["counts"]["per_class"]["flex"], 3);
  EXPECT_EQ(m["counts"]["per_fold"]["2"], 2);
  EXPECT_EQ(m["preprocess"], "edgewindow size-samples=3 ! edgenormalize mode=minmax");
  EXPECT_EQ(m["sources"][0]["sha256"], sha256_file(source));
  // Values 0..45 step: mean of {10i+k} over i<5, k<6 = 20 + 2.5.
  EXPECT_DOUBLE_EQ(m["data_statistics"]["mean"].get<double>(), 22.5);
  ASSERT_EQ(m["shards"].size(), 3u);
  EXPECT_EQ(m["shards"][2]["windows"], 1);

  NpyArray x = read_npy(dir + "/shard-00001.x.npy");
  EXPECT_EQ(x.header.shape, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(npy_as_float(x, "x")[6], 30.0f);
  EXPECT_EQ(npy_as_int(read_npy(dir + "/shard-00001.y.npy"), "y"), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(npy_as_strings(read_npy(dir + "/shard-00001.clip.npy"), "clip"),
            (std::vector<std::string>{"flex.csv#0", "punch.csv#0"}));
  for (const auto& shard : m["shards"])
    for (const auto& [part, file] : shard["files"].items())
      EXPECT_EQ(shard["sha256"][part], sha256_file(dir + "/" + file.get<std::string>()));
}

TEST(ShardStore, AnInterruptedRunResumesWithoutDuplicates) {
  const std::string dir = temp_dir();
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store, 3);  // shard 0 closed; window 2 is in the open shard
    store.flush();         // an interrupt: the open shard is written, not marked complete
  }
  auto partial = read_manifest(dir);
  EXPECT_FALSE(partial["complete"].get<bool>());
  EXPECT_EQ(partial["counts"]["windows"], 3);
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store);  // the whole input again
    EXPECT_EQ(store.windows_skipped(), 3);
    store.finish();
  }
  auto m = read_manifest(dir);
  EXPECT_TRUE(m["complete"].get<bool>());
  EXPECT_EQ(m["counts"]["windows"], 5);
  EXPECT_EQ(m["counts"]["per_class"]["punch"], 2);
}

TEST(ShardStore, StaleTemporariesFromACrashAreRemovedAndNeverListed) {
  const std::string dir = temp_dir();
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store, 2);
  }  // destroyed without flush: as if the process died with shard 0 closed
  std::ofstream(dir + "/.tmp-shard-00001.x.npy") << "half a shard";
  {
    ShardStore store(options(dir, 2), {2, 3});
    for (const auto& name : list(dir)) EXPECT_NE(name.rfind(".tmp-", 0), 0u) << name;
    auto m = read_manifest(dir);
    for (const auto& shard : m["shards"])
      for (const auto& [part, file] : shard["files"].items())
        EXPECT_TRUE(::edge::test::path_exists(dir + "/" + file.get<std::string>())) << file;
    write_five(store);
    store.finish();
    EXPECT_EQ(store.windows_skipped(), 2);
  }
  EXPECT_EQ(read_manifest(dir)["counts"]["windows"], 5);
}

TEST(ShardStore, RefusesToMixShapesInOneDirectory) {
  const std::string dir = temp_dir();
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store);
    store.finish();
  }
  try {
    ShardStore store(options(dir, 2), {173, 173});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2,3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[173,173]"), std::string::npos) << e.what();
  }
}

TEST(ShardStore, CorruptManifestIsACleanError) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/manifest.json") << "{\"format\": ";
  EXPECT_THROW(ShardStore(options(dir, 2), {2, 3}), Error);
}

TEST(ShardStore, Int8QuantizesWithScaleAndZeroPointAndClamps) {
  const std::string dir = temp_dir();
  ShardStoreOptions o = options(dir, 8);
  o.int8 = true;
  o.int8_scale = 0.5f;
  o.int8_zero_point = -10;
  {
    ShardStore store(o, {4});
    const float w[4] = {0.0f, 1.0f, -200.0f, 200.0f};
    store.add(w, window("a", 0, 0, 1));
    store.finish();
  }
  EXPECT_EQ(npy_as_int(read_npy(dir + "/shard-00000.x.npy"), "x"),
            (std::vector<int64_t>{-10, -8, -128, 127}));
  auto m = read_manifest(dir);
  EXPECT_EQ(m["dtype"], "int8");
  EXPECT_EQ(m["quantization"]["zero_point"], -10);
}

TEST(ShardStore, BadOptionsAreRefused) {
  EXPECT_THROW(ShardStore(ShardStoreOptions{}, {2}), Error);
  ShardStoreOptions o = options(temp_dir(), 2);
  o.int8 = true;
  o.int8_scale = 0.0f;
  EXPECT_THROW(ShardStore(o, {2}), Error);
  EXPECT_THROW(ShardStore(options(temp_dir(), 2), {0, 3}), Error);
  EXPECT_THROW(ShardStore(options("/proc/no-such/dir", 2), {2}), Error);
}

// Puts a non-empty directory where the store will create `file`, so creating it fails (as
// on a full disk or a read-only file system) whoever runs the test, root included.
void block(const std::string& dir, const std::string& file) {
  ASSERT_EQ(::mkdir((dir + "/" + file).c_str(), 0755), 0);
  std::ofstream(dir + "/" + file + "/keep") << "x";
}

void unblock(const std::string& dir, const std::string& file) {
  std::remove((dir + "/" + file + "/keep").c_str());
  ::rmdir((dir + "/" + file).c_str());
}

bool complete_manifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.json");
  if (!in) return false;
  return nlohmann::json::parse(in).value("complete", false);
}

// Issue 11.1: a shard file that cannot be created made finish() dereference the writer whose
// constructor had thrown (SIGSEGV). Now the store stops: every later call throws and nothing
// is ever marked complete; a new run resumes once the file can be written.
TEST(ShardStore, AShardFileThatCannotBeCreatedStopsTheStore) {
  const std::string dir = temp_dir();
  block(dir, ".tmp-shard-00000.x.npy");
  {
    ShardStore store(options(dir, 2), {2, 3});
    EXPECT_THROW(write_five(store, 1), Error);
    EXPECT_THROW(write_five(store, 1), Error);
    EXPECT_THROW(store.finish(), Error);
    store.flush();  // a stop after the error: nothing more to write, no second error
    EXPECT_EQ(store.windows_written(), 0);
  }
  EXPECT_FALSE(complete_manifest(dir));
  unblock(dir, ".tmp-shard-00000.x.npy");
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store);
    store.finish();
  }
  EXPECT_TRUE(complete_manifest(dir));
  EXPECT_EQ(read_manifest(dir)["counts"]["windows"], 5);
}

// A write error while a shard is closed (its label file cannot be created) lost the shard's
// windows and still let finish() write "complete": true over the remaining ones.
TEST(ShardStore, AWriteErrorWhileClosingAShardNeverEndsComplete) {
  const std::string dir = temp_dir();
  block(dir, ".tmp-shard-00001.y.npy");
  {
    ShardStore store(options(dir, 2), {2, 3});
    EXPECT_THROW(write_five(store, 4), Error);  // shard 0 is written, shard 1 fails to close
    EXPECT_THROW(store.finish(), Error);
    EXPECT_EQ(store.windows_written(), 2);
  }
  auto m = read_manifest(dir);
  EXPECT_FALSE(m["complete"].get<bool>());
  EXPECT_EQ(m["counts"]["windows"], 2);
  for (const auto& name : list(dir)) {               // no part of the failed shard is left
    if (name == ".tmp-shard-00001.y.npy") continue;  // the blocker itself
    EXPECT_EQ(name.find("shard-00001"), std::string::npos) << name;
  }
  unblock(dir, ".tmp-shard-00001.y.npy");
  {
    ShardStore store(options(dir, 2), {2, 3});
    write_five(store);
    EXPECT_EQ(store.windows_skipped(), 2);
    store.finish();
  }
  EXPECT_TRUE(complete_manifest(dir));
  EXPECT_EQ(read_manifest(dir)["counts"]["windows"], 5);
}

// Issue 11.7: a duplicate metadata row made one (clip, window) key come twice in one run, and
// the store silently kept the first window.
TEST(ShardStore, AKeyTwiceInOneRunIsAnError) {
  const std::string dir = temp_dir();
  ShardStore store(options(dir, 8), {2, 3});
  const float values[6] = {};
  store.add(values, window("dog.wav", 0, 0, 1));
  try {
    store.add(values, window("dog.wav", 0, 0, 2));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dog.wav window 0 came twice"), std::string::npos)
        << e.what();
  }
}

// Issue 11.7: a label or clip id that is not UTF-8 gave an empty label name in a manifest
// marked complete (or a clip left out of the sources); it is refused when it arrives.
TEST(ShardStore, TextThatIsNotUtf8IsRefused) {
  const std::string dir = temp_dir();
  ShardStore store(options(dir, 8), {2, 3});
  const float values[6] = {};
  WindowInfo latin1 = window("a.wav", 0, 0, 1);
  latin1.label = "caf\xE9";
  EXPECT_THROW(store.add(values, latin1), Error);
  WindowInfo clip = window("caf\xE9.wav", 0, 0, 1);
  EXPECT_THROW(store.add_source(clip, "caf\xE9.wav", ""), Error);
}

}  // namespace
}  // namespace edge::store
