// A dataset on disk: windows as NumPy shards plus a manifest.json, written atomically.
//
// Layout of a dataset directory:
//   manifest.json                 what is here (format below), rewritten after every shard
//   shard-00000.x.npy             windows, shape (n,) + window_shape, float32 or int8
//   shard-00000.y.npy             int32 label index per window (-1: unlabelled)
//   shard-00000.fold.npy          int32 fold per window (-1: none)
//   shard-00000.window.npy        int32 window index within its clip
//   shard-00000.clip.npy          clip id per window, '<U{n}' strings
//
// Atomicity: a shard's files are written under ".tmp-" names, fsynced, then renamed; only
// then is the manifest rewritten (to a temporary file, fsynced, renamed over the old one).
// After a crash or a full disk no partial shard is visible and the manifest never names a
// missing shard; stale temporary files are removed on the next open.
//
// Resume: opening a directory that already has a manifest reads back the (clip, window)
// keys of every listed shard and skips those windows when they come again, so an
// interrupted run, re-run with the same input, completes without duplicates. A key that
// comes twice within one run (two clips with one id) is an error, not a silent skip.
//
// Failure: after any write error (a full disk, a read-only file system, a file that cannot
// be created) the store stops: the open shard's files are removed, the manifest on disk keeps
// naming only whole shards with "complete": false, and every later add(), add_source() and
// finish() throws, so nothing is ever marked complete after a loss. Running again resumes.
// Clip ids, labels and source paths must be valid UTF-8 (they go into JSON and '<U' arrays).
//
// Not thread-safe; one writer per directory.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace edge::store {

class NpyWriter;

// add_source(): the clip was recorded, but its file could not be hashed.
class SourceUnreadable : public Error {
 public:
  using Error::Error;
};

struct ShardStoreOptions {
  std::string directory;
  bool int8 = false;        // store int8 instead of float32
  float int8_scale = 1.0f;  // real = scale * (q - zero_point)
  int int8_zero_point = 0;
  size_t windows_per_shard = 0;  // 0: derived from shard_bytes
  size_t shard_bytes = 64u << 20;
  // Recorded as they are in the manifest: the preprocess segment, its parameters, the
  // normalization statistics, anything the caller wants kept with the data.
  nlohmann::json provenance = nlohmann::json::object();
};

struct WindowInfo {
  std::string clip_id;  // "" when the stream has no clips: windows are then numbered
  std::string label;
  int label_index = -1;
  int fold = -1;
  int64_t window_index = -1;
};

class ShardStore {
 public:
  // Creates the directory if needed, removes stale temporaries and reads an existing manifest
  // to resume. Throws edge::Error if the existing dataset has another window shape or type.
  ShardStore(ShardStoreOptions options, std::vector<int64_t> window_shape);
  ~ShardStore();

  // Records a clip's source file once, with its SHA-256. When `absolute_path` cannot be read
  // the clip is still recorded (sha256 null) and SourceUnreadable says why; other errors
  // (text that is not UTF-8, a store stopped by a write error) throw edge::Error.
  void add_source(const WindowInfo& clip, const std::string& relative_path,
                  const std::string& absolute_path);

  // Stores one window of shape window_shape (float32 values). Returns false when the window
  // was already stored by an earlier run (skipped).
  bool add(const float* window, const WindowInfo& info);

  // Writes the open shard (if any) and marks the manifest complete. Throws after an earlier
  // write error (see Failure above) without marking anything.
  void finish();
  // Writes the open shard (if any) without marking the dataset complete (stop, interrupt).
  // Does nothing after an earlier write error.
  void flush();
  // The first write error, "" while none happened.
  const std::string& failure() const { return failure_; }

  int64_t windows_written() const { return windows_written_; }
  int64_t windows_skipped() const { return windows_skipped_; }
  size_t shards() const { return shards_.size(); }
  const std::string& manifest_path() const { return manifest_path_; }

 private:
  struct OpenShard;
  void open_shard();
  void append(const float* window, const WindowInfo& info);
  void close_shard();
  void write_open_shard();
  void check_usable() const;
  void fail(const std::string& why);
  void write_manifest(bool complete);
  void load_existing();

  ShardStoreOptions options_;
  std::vector<int64_t> window_shape_;
  size_t window_elements_ = 0;
  size_t windows_per_shard_ = 0;
  std::string manifest_path_;
  nlohmann::ordered_json sources_ = nlohmann::ordered_json::array();
  std::set<std::string> source_clips_;
  std::vector<nlohmann::ordered_json> shards_;
  std::map<int, std::string> label_names_;
  std::set<std::pair<std::string, int64_t>> resumed_keys_;  // listed by an earlier run
  std::set<std::pair<std::string, int64_t>> stored_keys_;   // stored by this run
  std::string failure_;
  std::unique_ptr<OpenShard> open_;
  std::vector<int8_t> quantized_;
  int64_t windows_written_ = 0;
  int64_t windows_skipped_ = 0;
  int64_t unnamed_windows_ = 0;
  bool complete_ = false;
};

}  // namespace edge::store
