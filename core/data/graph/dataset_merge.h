// Joins datasets written by edgedatasetsink (core/data/store/shard_store.h layout) into one, e.g.
// the shards of a `--shard K/N` run or the jobs of one parallel run.
//
// The output manifest is the union: sources (each clip once), shards renamed to one global
// sequence shard-00000... in input order (files hard-linked, or copied across file systems;
// their SHA-256 stays valid), counts summed and data statistics merged exactly from each
// shard's count/mean/m2. Inputs must agree on window shape, dtype, quantization, labels by
// index, preprocess, parameters and statistics, and be complete; otherwise edge::Error shows
// both values. Every input file must match the SHA-256 its manifest lists. An input given
// twice, or two inputs holding the same (clip, window) key, is an error naming the key.
//
// Crash safety and idempotence: files are placed under ".tmp-" names and renamed, and the
// manifest is written last (fsynced temporary, rename), so an output without manifest.json
// is never a dataset. Merging into such a folder (a merge killed half-way, or stopped by a full
// disk) first removes what an earlier attempt left (shard-*.npy, .tmp-*) and starts over.
// Merging into a folder whose complete manifest already holds exactly the inputs' windows and
// sources (the same merge run again) changes nothing and succeeds (`unchanged`); a folder
// holding any other dataset is refused. Not thread-safe.
#pragma once

#include <string>
#include <vector>

namespace edge::graph {

struct MergeResult {
  long long windows = 0;
  size_t shards = 0;
  size_t sources = 0;
  bool unchanged = false;  // the output already held exactly this merge
};

MergeResult merge_datasets(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace edge::graph
