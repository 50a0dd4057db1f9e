// libFuzzer target: dataset metadata of every layout, read from a scratch
// dataset root, then filtered and shuffled. The first byte picks the layout
// (esc50, urbansound8k official/reduced, dcase meta or evaluation setup, a
// gesture-csv class file, a Speech Commands split list of the folders layout)
// and a fold filter. Invariants: only edge::Error escapes (escapes included, as
// io::PathEscapeError); every entry's resolved path is inside the root; label
// indices index Dataset::classes.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "datasets/dataset.h"

namespace {

std::string make_root() {
  char pattern[] = "/tmp/edge-fuzz-dataset-XXXXXX";
  if (!::mkdtemp(pattern)) std::abort();
  const std::string root = pattern;
  for (const char* dir :
       {"/meta", "/metadata", "/audio", "/audio/fold1", "/evaluation_setup", "/yes"}) {
    ::mkdir((root + dir).c_str(), 0755);
  }
  // A few real (empty-content) files so some entries resolve.
  for (const char* file : {"/audio/a.wav", "/audio/fold1/a.wav", "/yes/a.wav"}) {
    std::FILE* f = std::fopen((root + file).c_str(), "w");
    if (f) std::fclose(f);
  }
  return root;
}

void write(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string root = make_root();
  const int which = (data[0] & 0x1f) % 7;  // bits 5-7 are flags (below)
  const char* files[7] = {
      "/meta/esc50.csv",  "/metadata/UrbanSound8K.csv",           "/metadata.csv",
      "/meta.csv",        "/evaluation_setup/fold1_evaluate.csv", "/punch.csv",
      "/testing_list.txt"};
  const edge::datasets::Layout layouts[7] = {
      edge::datasets::Layout::kEsc50,        edge::datasets::Layout::kUrbanSound8k,
      edge::datasets::Layout::kUrbanSound8k, edge::datasets::Layout::kDcase,
      edge::datasets::Layout::kDcase,        edge::datasets::Layout::kGestureCsv,
      edge::datasets::Layout::kFolders};
  for (const char* f : files) ::unlink((root + f).c_str());
  if (which == 4) {
    static const char kMeta[] = "filename\tscene_label\naudio/a.wav\tpark\n";
    write(root + "/meta.csv", reinterpret_cast<const uint8_t*>(kMeta), sizeof kMeta - 1);
  }
  write(root + files[which], data + 1, size - 1);
  try {
    edge::datasets::LoadOptions options;
    options.layout = layouts[which];
    options.gesture_rows = (data[0] & 0x20) ? 3 : 0;
    edge::datasets::Dataset ds = edge::datasets::load_dataset(root, options);
    for (const auto& e : ds.entries) {
      if (e.exists && e.resolved.compare(0, ds.root.size() + 1, ds.root + "/") != 0) std::abort();
      if (e.label_index < 0 || static_cast<size_t>(e.label_index) >= ds.classes.size()) {
        std::abort();
      }
    }
    edge::datasets::Filter filter;
    if (data[0] & 0x80) filter.folds = {1};
    filter.relabel = (data[0] & 0x40) != 0;
    edge::datasets::apply_filter(&ds, filter);
    edge::datasets::shuffle_entries(&ds.entries, data[0]);
  } catch (const edge::Error&) {
  }
  return 0;
}
