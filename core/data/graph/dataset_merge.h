// Joins datasets written by edgedatasetsink (core/data/store/shard_store.h layout) into one, e.g.
// the shards of a `--shard K/N` run or the jobs of one parallel run.
//
// The output manifest is the union: sources (each clip once), shards renamed to one global
// sequence shard-00000... in input order (files hard-linked, or copied across file systems;
// their SHA-256 stays valid), counts summed and data statistics merged exactly from each
// shard's count/mean/m2. Inputs must agree on window shape, dtype, quantization, labels by
// index, preprocess, parameters and statistics, and be complete; otherwise edge::Error shows
// both values. The output directory must not hold a dataset yet. Not thread-safe.
#pragma once

#include <string>
#include <vector>

namespace edge::graph {

struct MergeResult {
  long long windows = 0;
  size_t shards = 0;
  size_t sources = 0;
};

MergeResult merge_datasets(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace edge::graph
