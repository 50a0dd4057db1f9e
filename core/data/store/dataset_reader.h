// Reads a dataset directory written by ShardStore (shard_store.h: manifest.json plus NumPy
// shards) back into memory for the trainer and the evaluator, and splits it for training and
// testing without ever putting windows of one clip on both sides.
//
// read_dataset() treats the directory as untrusted input: the manifest must say
// "complete": true (an interrupted `edgestream dataset` run is refused, not half used), every
// shard file must exist and match the SHA-256 the manifest lists for it, every array must
// have the dtype and shape the manifest implies (x: (windows,) + window_shape, float32 or int8;
// y, fold, window: int32 (windows,); clip: '<U{n}' (windows,)), and label indices must be -1 or
// name a label. Errors are edge::Error naming the file and what is wrong.
//
// Layout in memory: x is row-major, window after window, each window_elements() floats in the
// order of window_shape (outermost first). int8 shards come back dequantized with the
// manifest's quantization: real = scale * (q - zero_point).
//
// Splits hold window indices into the dataset, in dataset order, and leave out unlabelled
// windows (label -1). They are deterministic: the same dataset and seed give the same split on
// every platform (own Fisher-Yates over std::mt19937_64, whose sequence the standard fixes).
// Functions are reentrant; a LoadedDataset is plain data.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edge::store {

struct LoadedDataset {
  std::string directory;
  std::vector<int64_t> window_shape;  // outermost first, without the window axis
  std::string stored_dtype;           // "float32" or "int8" (as stored on disk)
  std::vector<float> x;               // size() * window_elements() values
  std::vector<int32_t> y;             // label index per window, -1: unlabelled
  std::vector<int32_t> fold;          // fold per window, -1: none
  std::vector<int32_t> window_index;  // window index within its clip
  std::vector<std::string> clip;      // clip id per window
  std::vector<std::string> labels;    // label names by index (manifest "labels")
  std::string preprocess;             // the preprocess segment text ("" when absent)
  // The manifest's normalization statistics serialized as compact JSON
  // (nlohmann dump()), "" when the dataset has none.
  std::string statistics;
  nlohmann::json parameters = nlohmann::json::object();  // manifest "parameters"
  nlohmann::json sources = nlohmann::json::array();      // manifest "sources"

  int64_t size() const { return int64_t(y.size()); }
  size_t window_elements() const;
  const float* window(int64_t i) const { return x.data() + size_t(i) * window_elements(); }
  // Sorted distinct folds of the labelled windows (-1 included when present).
  std::vector<int> folds() const;
};

// Reads and verifies a dataset directory. Throws edge::Error naming the file.
LoadedDataset read_dataset(const std::string& directory);

struct Split {
  std::vector<int64_t> train, test;  // window indices, ascending
};

// Windows whose fold is in test_folds go to test, every other labelled window to train.
// Throws when test_folds is empty, names a fold the dataset does not have, or (with
// needs_training, for commands that train) leaves no training windows.
Split split_by_folds(const LoadedDataset& data, const std::vector<int>& test_folds,
                     bool needs_training = true);

// Stratified split by clip for datasets without folds: per class, its clips (sorted by id,
// then shuffled with the seed) give round(test_fraction * clips) clips (at least 1 when
// the class has 2 or more clips) to test. A clip's class is the label of its first window; a
// clip whose windows carry different labels is an error. test_fraction in (0, 1). With
// `among`, only those windows take part (e.g. a validation split inside a training split).
Split split_by_clip(const LoadedDataset& data, double test_fraction, uint64_t seed,
                    const std::vector<int64_t>* among = nullptr);

// As split_by_clip, but the clips of one recording go to the same side, so that the held-out
// part measures recordings the training part has not heard (clips cut from one recording share
// its microphone, place and source). `recording_of` names a clip's recording from its id. Each
// recording belongs to the class of its first clip (by id); per class, its recordings are
// shuffled with the seed and taken in turn whenever that brings the held-out clip count closer
// to round(test_fraction * clips), at least one when the class has two or more recordings and
// never all of them. test_fraction in (0, 1).
Split split_by_recording(const LoadedDataset& data, double test_fraction, uint64_t seed,
                         const std::function<std::string(const std::string&)>& recording_of,
                         const std::vector<int64_t>* among = nullptr);

// K-fold cross-validation by clip, stratified by class: each class's shuffled clips are dealt
// to the folds in turn (continuing where the previous class stopped, so fold sizes differ by at
// most one clip). Returns k splits; split i tests on fold i. Throws when k < 2 or there are
// fewer labelled clips than k.
std::vector<Split> cross_validation_by_clip(const LoadedDataset& data, int k, uint64_t seed);

// Checks that `root` holds the recordings `data` was made from: every source file the
// manifest lists with a SHA-256 (path relative to the dataset root, kept inside it by
// io::PathGuard) must be there with that hash. Throws edge::Error with the count and the first
// files that are missing or differ, or when the manifest records no hash at all.
void verify_sources(const LoadedDataset& data, const std::string& root);

// Parses "1,2" / "2" into fold numbers; throws naming `what` on anything else.
std::vector<int> parse_fold_list(const std::string& text, const std::string& what);

}  // namespace edge::store
