// libFuzzer target: manifest.json, the file that says what a dataset folder holds, read by
// the dataset sink when it resumes (ShardStore), by the trainer and evaluator (read_dataset)
// and by `edgestream merge`. The input replaces the manifest of a small real dataset (two
// shards written once by ShardStore), so a mutated manifest still names real shard files.
// Invariants: only edge::Error escapes; a dataset that reads back is consistent (one label,
// fold, window index and clip id per window, x of windows * window elements).
#include <ftw.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "graph/dataset_merge.h"
#include "store/dataset_reader.h"
#include "store/shard_store.h"

namespace {

std::string make_dataset() {
  char pattern[] = "/tmp/edge-fuzz-manifest-XXXXXX";
  if (!::mkdtemp(pattern)) std::abort();
  const std::string dir = std::string(pattern) + "/data";
  edge::store::ShardStoreOptions options;
  options.directory = dir;
  options.windows_per_shard = 2;
  options.provenance["preprocess"] = "edgenormalize mode=minmax";
  edge::store::ShardStore store(options, {2, 3});
  const float values[6] = {0.0f, 0.5f, 1.0f, -1.0f, 2.0f, 3.0f};
  for (int w = 0; w < 3; ++w) {
    edge::store::WindowInfo info;
    info.clip_id = w < 2 ? "punch.csv#1" : "flex.csv#1";
    info.label = w < 2 ? "punch" : "flex";
    info.label_index = w < 2 ? 1 : 0;
    info.fold = w < 2 ? 1 : 2;
    info.window_index = w < 2 ? w : 0;
    store.add(values, info);
  }
  store.finish();
  return dir;
}

void remove_tree(const std::string& path) {
  ::nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = make_dataset();
  static const std::string merged = dir + "-merged";
  std::FILE* f = std::fopen((dir + "/manifest.json").c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const edge::store::LoadedDataset d = edge::store::read_dataset(dir);
    const size_t n = d.y.size();
    if (d.fold.size() != n || d.window_index.size() != n || d.clip.size() != n ||
        d.x.size() != n * d.window_elements())
      std::abort();
  } catch (const edge::Error&) {
  }
  try {
    edge::store::ShardStoreOptions options;
    options.directory = dir;
    edge::store::ShardStore store(options, {2, 3});  // resumes: reads the manifest's keys
  } catch (const edge::Error&) {
  }
  try {
    edge::graph::merge_datasets(merged, {dir});
  } catch (const edge::Error&) {
  }
  remove_tree(merged);
  return 0;
}
