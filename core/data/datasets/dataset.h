// Dataset descriptions: which clips a dataset holds, with label, label index,
// fold and a stable clip id, read from the layout's own metadata.
//
// Layouts (docs/datasets.md has the details and examples):
//   esc50         meta/esc50.csv, audio/<filename>; label index = target.
//   urbansound8k  metadata/UrbanSound8K.csv (official) or metadata.csv (reduced),
//                 audio/fold<N>/<slice_file_name>; columns by name; index = classID.
//   dcase         tab-separated meta.csv (filename, scene_label, ...), optional
//                 evaluation_setup/fold<k>_{train,evaluate}.csv; index = sorted scenes.
//                 Folds: a clip listed in fold<k>_evaluate.csv has fold k (held out
//                 in setup k, as ESC-50/UrbanSound8K folds are); a clip only in
//                 train lists has fold 0; with no setup files every fold is -1.
//   folders       <root>/<class>/*.{wav,flac,ogg,oga}; index = sorted class names;
//                 with Speech Commands' validation_list.txt/testing_list.txt the
//                 folds are 1 train, 2 validation, 3 testing, else -1.
//   gesture-csv   <root>/<class>.csv, one file per class, header of channel names,
//                 recordings separated by blank lines or of a fixed row count;
//                 index = sorted class names; clip id "<file>#<n>" (n from 1).
//
// Every entry path is checked by io::PathGuard when the dataset is loaded:
// `..`, absolute paths and symlinks out of the root throw io::PathEscapeError
// naming the metadata file and line. Entries whose file does not exist are kept
// with exists == false: the caller decides whether that is an error or a skip.
//
// Thread safety: plain values; load/filter/shuffle are reentrant.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace edge::datasets {

enum class Layout { kAuto, kEsc50, kUrbanSound8k, kDcase, kFolders, kGestureCsv };

const char* layout_name(Layout layout);  // "auto", "esc50", "urbansound8k", ...
bool layout_from_name(const std::string& name, Layout* out);

struct Entry {
  std::string path;      // relative to the root, as written in (or derived from) metadata
  std::string resolved;  // real absolute path (root + path when it does not exist)
  bool exists = false;   // false: the file is missing
  std::string label;
  int label_index = -1;
  int fold = -1;
  std::string clip_id;
  bool esc10 = false;  // ESC-50 only: listed with esc10=True
  std::string origin;  // where the entry was found, for messages: "meta/esc50.csv line 12"
  // gesture-csv only: the recording is data rows [first_row, first_row + row_count)
  // of the file, counting data rows (not header or blank lines) from 0.
  int64_t first_row = -1;
  int64_t row_count = 0;
};

struct Dataset {
  std::string root;                  // real absolute path of the dataset root
  Layout layout = Layout::kAuto;     // the layout actually read (never kAuto after load)
  std::vector<std::string> classes;  // label index -> name, in the layout's order
  std::vector<Entry> entries;        // in metadata order (or sorted walk order)
};

struct LoadOptions {
  Layout layout = Layout::kAuto;
  // gesture-csv: 0 = recordings separated by blank lines; N > 0 = every N data
  // rows form one recording (blank lines ignored).
  int gesture_rows = 0;
};

// Reads the dataset at `root`. Throws edge::Error (or io::PathEscapeError) with
// a message naming the file and line on malformed metadata, unknown columns,
// inconsistent class ids, or when auto detection finds no known layout.
Dataset load_dataset(const std::string& root, const LoadOptions& options = {});

// Which layout `root` looks like; throws naming what was looked for when none fits.
Layout detect_layout(const std::string& root);

struct Filter {
  std::vector<int> folds;            // empty = all folds
  std::vector<std::string> classes;  // empty = all classes; names as in Dataset::classes
  bool esc10 = false;                // keep only ESC-10 clips (esc50 layout only)
  // Renumber label indices 0..N-1 over the classes left, keeping the layout's
  // order (ESC-10 becomes 10 classes); Dataset::classes is shrunk to match.
  bool relabel = false;
};

// Applies `filter` in place. A fold or class the dataset does not have, or esc10
// on another layout, throws naming the value and listing what exists.
void apply_filter(Dataset* dataset, const Filter& filter);

// Deterministic shuffle, identical on every platform and standard library:
// Fisher-Yates from the last index down, j drawn from std::mt19937_64(seed)
// (whose output sequence the C++ standard fixes) by rejection sampling into
// [0, i] (not std::uniform_int_distribution/std::shuffle, which differ between
// libstdc++, libc++ and MSVC).
void shuffle_entries(std::vector<Entry>* entries, uint64_t seed);
// The index draw used by shuffle_entries: uniform in [0, bound), bound > 0.
uint64_t uniform_below(std::mt19937_64* generator, uint64_t bound);

// Shard `index` of `count` (1-based, 1 <= index <= count): keeps the entries at positions
// index-1, index-1+count, ... of the list as it is (after filter and shuffle), so the shards
// 1..count partition the list deterministically and differ in size by at most one clip.
void select_shard(std::vector<Entry>* entries, int index, int count);
// Parses "K/N" with 1 <= K <= N into (K, N); throws naming `property` on anything else.
std::pair<int, int> parse_shard(const std::string& text, const std::string& property);

// Parses "1,2, 5" into {1,2,5}; throws naming `property` on anything else.
std::vector<int> parse_fold_list(const std::string& text, const std::string& property);
// Parses "dog, rain" into {"dog","rain"} (trimmed, empty items refused).
std::vector<std::string> parse_name_list(const std::string& text, const std::string& property);

}  // namespace edge::datasets
