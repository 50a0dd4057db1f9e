#include "datasets/dataset.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "common/error.h"
#include "common/text.h"
#include "datasets/gesture_csv.h"
#include "io/csv.h"
#include "io/path_guard.h"
#include "io/regular_file.h"

namespace edge::datasets {
namespace {

using io::PathGuard;

struct DirItem {
  std::string name;
  bool is_dir = false;
  bool is_file = false;
  mode_t mode = 0;  // of the target (symlinks followed); 0 when stat failed
};

// Directory entries sorted by byte order (stable on every file system),
// without "." and ".."; symlinks are classified by their target.
std::vector<DirItem> list_dir(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), &::closedir);
  if (!dir) throw Error(msg(path, ": cannot list directory: ", std::strerror(errno)));
  std::vector<DirItem> items;
  while (struct dirent* d = ::readdir(dir.get())) {
    std::string name = d->d_name;
    if (name == "." || name == "..") continue;
    DirItem item;
    item.name = name;
    struct stat st;
    if (::stat(io::join_path(path, name).c_str(), &st) == 0) {
      item.is_dir = S_ISDIR(st.st_mode);
      item.is_file = S_ISREG(st.st_mode);
      item.mode = st.st_mode;
    }
    items.push_back(item);
  }
  std::sort(items.begin(), items.end(),
            [](const DirItem& a, const DirItem& b) { return a.name < b.name; });
  return items;
}

bool is_regular_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_audio_name(const std::string& name) {
  const std::string l = lower(name);
  return ends_with(l, ".wav") || ends_with(l, ".flac") || ends_with(l, ".ogg") ||
         ends_with(l, ".oga");
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Resolves a metadata file through the guard (a symlinked meta/ is checked too).
std::string metadata_path(const PathGuard& guard, const std::string& relative, const char* layout) {
  io::ResolvedPath meta = guard.resolve(relative, msg(layout, " metadata"));
  if (!meta.exists) {
    throw Error(msg(layout, " layout: ", relative, " not found in ", guard.root()));
  }
  return meta.path;
}

// Names and labels go into JSON manifests and NumPy '<U' arrays, which hold UTF-8 text: a
// name in another encoding (an ESC-50 copy saved as Latin-1) is refused where it is written,
// not turned into an empty label or a clip without a source record later.
void require_utf8(const std::string& text, const char* what, const std::string& origin) {
  size_t bad = 0;
  if (!io::valid_utf8(text, &bad)) {
    throw Error(msg(origin, ": ", what, " '", io::printable(text), "' is not valid UTF-8 (byte ",
                    bad, "); re-encode the metadata as UTF-8 or rename the file"));
  }
}

// A special file where a recording is expected: refused by type, never opened (a FIFO would
// block the reader, /dev/zero would never end).
void require_not_special(const std::string& name, mode_t mode, const std::string& origin) {
  if (mode != 0 && !S_ISREG(mode) && !S_ISDIR(mode)) {
    throw Error(msg(origin, ": '", io::printable(name), "' is ", io::file_type_name(mode),
                    ", not a regular file"));
  }
}

// A name no file can have (a component over NAME_MAX, a path over PATH_MAX) is an error, not a
// clip reported "missing" with the whole name in the message (5 MB of it, once).
void require_possible_path(const std::string& path, const std::string& origin) {
  if (path.size() >= PATH_MAX)
    throw Error(msg(origin, ": '", io::printable(path), "' is ", path.size(),
                    " bytes, longer than a path can be (", PATH_MAX - 1, " bytes)"));
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash - start > NAME_MAX)
      throw Error(msg(origin, ": '", io::printable(path), "' has a name of ", slash - start,
                      " bytes, longer than a file name can be (", NAME_MAX, " bytes)"));
    start = slash + 1;
  }
}

void add_entry(Dataset* ds, const PathGuard& guard, Entry entry) {
  require_possible_path(entry.path, entry.origin);
  require_utf8(entry.path, "path", entry.origin);
  require_utf8(entry.clip_id, "clip id", entry.origin);
  require_utf8(entry.label, "class name", entry.origin);
  io::ResolvedPath resolved = guard.resolve(entry.path, entry.origin);
  struct stat st;
  if (resolved.exists && ::stat(resolved.path.c_str(), &st) == 0) {
    // "." or "dir/." resolve inside the root but name no clip; reading a
    // directory as audio would fail later with a less useful message.
    if (S_ISDIR(st.st_mode))
      throw Error(
          msg(entry.origin, ": '", io::printable(entry.path), "' is a directory, not a recording"));
    require_not_special(entry.path, st.st_mode, entry.origin);
  }
  entry.exists = resolved.exists;
  entry.resolved = resolved.path;
  ds->entries.push_back(std::move(entry));
}

// One clip id per clip: a second metadata row for the same clip (another fold, another
// label) would give two clips one id, and the dataset sink one key for both.
void require_unique_clip_ids(const Dataset& ds) {
  std::unordered_map<std::string, size_t> first;
  for (size_t i = 0; i < ds.entries.size(); ++i) {
    const Entry& e = ds.entries[i];
    auto inserted = first.emplace(e.clip_id, i);
    if (inserted.second) continue;
    const Entry& earlier = ds.entries[inserted.first->second];
    throw Error(msg(e.origin, ": clip '", io::printable(e.clip_id), "' (fold ", e.fold, ", ",
                    io::printable(e.label), ") is already listed at ", earlier.origin, " (fold ",
                    earlier.fold, ", ", io::printable(earlier.label),
                    "); each clip must appear once"));
  }
}

// Records label index -> name, refusing one index with two names.
void register_class(std::vector<std::string>* classes, int index, const std::string& name,
                    const std::string& where) {
  if (index < 0 || index > 100000) {
    throw Error(msg(where, ": class index ", index, " is out of range [0, 100000]"));
  }
  if (static_cast<size_t>(index) >= classes->size()) classes->resize(index + 1);
  std::string& known = (*classes)[index];
  if (known.empty()) {
    known = name;
  } else if (known != name) {
    throw Error(msg(where, ": class index ", index, " is '", io::printable(name), "' here but '",
                    io::printable(known), "' earlier in the file"));
  }
}

int int_field(const io::CsvRecord& row, int column, const io::CsvTable& table, const char* what) {
  int value;
  if (!io::parse_int(row.fields[column], &value)) {
    throw Error(msg(table.source(), " line ", row.line, ": ", what, " is '",
                    io::printable(row.fields[column]), "', expected an integer"));
  }
  return value;
}

std::string text_field(const io::CsvRecord& row, int column, const io::CsvTable& table,
                       const char* what) {
  std::string value = trim(row.fields[column]);
  if (value.empty()) {
    throw Error(msg(table.source(), " line ", row.line, ": ", what, " is empty"));
  }
  return value;
}

void load_esc50(const PathGuard& guard, Dataset* ds) {
  const std::string rel = "meta/esc50.csv";
  io::CsvTable table = io::CsvTable::read(metadata_path(guard, rel, "esc50"), rel);
  const int c_file = table.require_column("filename");
  const int c_fold = table.require_column("fold");
  const int c_target = table.require_column("target");
  const int c_category = table.require_column("category");
  const int c_esc10 = table.find_column("esc10");
  for (const io::CsvRecord& row : table.rows()) {
    Entry e;
    e.origin = msg(rel, " line ", row.line);
    std::string file = text_field(row, c_file, table, "filename");
    e.path = "audio/" + file;
    e.clip_id = file;
    e.fold = int_field(row, c_fold, table, "fold");
    e.label_index = int_field(row, c_target, table, "target");
    e.label = text_field(row, c_category, table, "category");
    register_class(&ds->classes, e.label_index, e.label, e.origin);
    if (c_esc10 >= 0) {
      const std::string flag = lower(trim(row.fields[c_esc10]));
      if (flag == "true" || flag == "1") {
        e.esc10 = true;
      } else if (flag != "false" && flag != "0") {
        throw Error(msg(e.origin, ": esc10 is '", io::printable(row.fields[c_esc10]),
                        "', expected True or False"));
      }
    }
    add_entry(ds, guard, std::move(e));
  }
}

void load_urbansound8k(const PathGuard& guard, Dataset* ds) {
  std::string rel = "metadata/UrbanSound8K.csv";
  if (!guard.resolve(rel, "urbansound8k metadata").exists) rel = "metadata.csv";
  if (!guard.resolve(rel, "urbansound8k metadata").exists) {
    throw Error(msg("urbansound8k layout: neither metadata/UrbanSound8K.csv nor metadata.csv in ",
                    guard.root()));
  }
  io::CsvTable table = io::CsvTable::read(metadata_path(guard, rel, "urbansound8k"), rel);
  const int c_file = table.require_column("slice_file_name");
  const int c_fold = table.require_column("fold");
  const int c_class_id = table.require_column("classID");
  const int c_class = table.require_column("class");
  for (const io::CsvRecord& row : table.rows()) {
    Entry e;
    e.origin = msg(rel, " line ", row.line);
    std::string file = text_field(row, c_file, table, "slice_file_name");
    e.fold = int_field(row, c_fold, table, "fold");
    if (e.fold < 0) throw Error(msg(e.origin, ": fold is ", e.fold, ", expected 0 or more"));
    e.path = msg("audio/fold", e.fold, "/", file);
    e.clip_id = file;
    e.label_index = int_field(row, c_class_id, table, "classID");
    e.label = text_field(row, c_class, table, "class");
    register_class(&ds->classes, e.label_index, e.label, e.origin);
    add_entry(ds, guard, std::move(e));
  }
}

// DCASE evaluation setup: fold<k>_evaluate.csv gives fold k, fold<k>_train.csv
// alone gives fold 0 (see dataset.h).
void apply_dcase_setup(const PathGuard& guard, Dataset* ds) {
  io::ResolvedPath setup_dir = guard.resolve("evaluation_setup", "dcase evaluation setup");
  if (!setup_dir.exists) return;
  std::unordered_map<std::string, size_t> by_path;
  for (size_t i = 0; i < ds->entries.size(); ++i) by_path[ds->entries[i].path] = i;
  std::map<size_t, std::string> evaluated_in;  // entry -> setup file that set its fold
  for (const DirItem& item : list_dir(setup_dir.path)) {
    int k = 0;
    char kind[16] = {};
    int consumed = 0;
    if (!item.is_file ||
        std::sscanf(item.name.c_str(), "fold%d_%15[a-z].csv%n", &k, kind, &consumed) != 2 ||
        consumed != static_cast<int>(item.name.size()) || k < 1) {
      continue;
    }
    const std::string which = kind;
    if (which != "train" && which != "evaluate") continue;  // fold<k>_test.csv has no labels
    const std::string rel = "evaluation_setup/" + item.name;
    io::CsvOptions tabs;
    tabs.delimiter = '\t';
    std::vector<io::CsvRecord> records =
        io::parse_csv(io::read_text_file(metadata_path(guard, rel, "dcase")), rel, tabs);
    for (const io::CsvRecord& r : records) {
      if (r.blank()) continue;
      const std::string file = trim(r.fields[0]);
      if (file == "filename") continue;  // header line (TAU 2019 and later)
      auto found = by_path.find(file);
      if (found == by_path.end()) {
        throw Error(
            msg(rel, " line ", r.line, ": '", io::printable(file), "' is not listed in meta.csv"));
      }
      Entry& e = ds->entries[found->second];
      if (which == "evaluate") {
        auto previous = evaluated_in.find(found->second);
        if (previous != evaluated_in.end() && e.fold != k) {
          throw Error(msg(rel, " line ", r.line, ": '", io::printable(file),
                          "' is also evaluated in ", previous->second,
                          "; a clip can be held out in one fold only"));
        }
        e.fold = k;
        evaluated_in[found->second] = rel;
      } else if (evaluated_in.find(found->second) == evaluated_in.end()) {
        e.fold = 0;
      }
    }
  }
}

void load_dcase(const PathGuard& guard, Dataset* ds) {
  const std::string rel = "meta.csv";
  io::CsvOptions tabs;
  tabs.delimiter = '\t';
  io::CsvTable table = io::CsvTable::read(metadata_path(guard, rel, "dcase"), rel, tabs);
  const int c_file = table.require_column("filename");
  const int c_scene = table.require_column("scene_label");
  std::set<std::string> scenes;
  for (const io::CsvRecord& row : table.rows())
    scenes.insert(text_field(row, c_scene, table, "scene_label"));
  ds->classes.assign(scenes.begin(), scenes.end());
  for (const io::CsvRecord& row : table.rows()) {
    Entry e;
    e.origin = msg(rel, " line ", row.line);
    e.path = text_field(row, c_file, table, "filename");
    e.clip_id = base_name(e.path);
    e.label = trim(row.fields[c_scene]);
    e.label_index = static_cast<int>(
        std::lower_bound(ds->classes.begin(), ds->classes.end(), e.label) - ds->classes.begin());
    add_entry(ds, guard, std::move(e));
  }
  apply_dcase_setup(guard, ds);
}

// Speech Commands split lists: "<class>/<file>" per line.
std::set<std::string> read_list(const PathGuard& guard, const std::string& rel) {
  std::set<std::string> items;
  io::ResolvedPath list = guard.resolve(rel, "folders split list");
  if (!list.exists) return items;
  const std::string text = io::read_text_file(list.path);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) items.insert(line);
    start = end + 1;
  }
  return items;
}

void load_folders(const PathGuard& guard, Dataset* ds) {
  const bool has_splits = is_regular_file(io::join_path(guard.root(), "testing_list.txt")) ||
                          is_regular_file(io::join_path(guard.root(), "validation_list.txt"));
  const std::set<std::string> testing = read_list(guard, "testing_list.txt");
  const std::set<std::string> validation = read_list(guard, "validation_list.txt");
  for (const DirItem& dir : list_dir(guard.root())) {
    // '.' hides, '_' marks non-class folders such as Speech Commands' _background_noise_.
    if (!dir.is_dir || dir.name[0] == '.' || dir.name[0] == '_') continue;
    io::ResolvedPath class_dir = guard.resolve(dir.name, "class folder " + dir.name);
    std::vector<std::string> files;
    for (const DirItem& item : list_dir(class_dir.path)) {
      if (item.name[0] == '.' || !is_audio_name(item.name)) continue;
      require_not_special(item.name, item.mode, "folder walk: " + dir.name);
      if (item.is_file) files.push_back(item.name);
    }
    if (files.empty()) continue;  // not a class: no audio in it
    const int index = static_cast<int>(ds->classes.size());
    ds->classes.push_back(dir.name);
    for (const std::string& file : files) {
      Entry e;
      e.path = dir.name + "/" + file;
      e.origin = "folder walk: " + e.path;
      e.clip_id = e.path;
      e.label = dir.name;
      e.label_index = index;
      if (has_splits) e.fold = testing.count(e.path) ? 3 : validation.count(e.path) ? 2 : 1;
      add_entry(ds, guard, std::move(e));
    }
  }
  if (ds->classes.empty()) {
    throw Error(
        msg("folders layout: no <class>/ folder with .wav, .flac or .ogg files in ", guard.root()));
  }
}

void load_gesture_csv(const PathGuard& guard, const LoadOptions& options, Dataset* ds) {
  std::vector<std::string> files;
  for (const DirItem& item : list_dir(guard.root())) {
    if (item.name[0] == '.' || !ends_with(lower(item.name), ".csv")) continue;
    require_not_special(item.name, item.mode, "gesture-csv layout");
    if (item.is_file) {
      require_utf8(item.name, "file name", "gesture-csv layout");
      files.push_back(item.name);
    }
  }
  if (files.empty()) {
    throw Error(msg("gesture-csv layout: no <class>.csv file in ", guard.root()));
  }
  std::string first_file;
  std::vector<std::string> first_channels;
  for (const std::string& file : files) {
    io::ResolvedPath resolved = guard.resolve(file, "gesture file " + file);
    GestureFile parsed = read_gesture_csv(resolved.path, file, options.gesture_rows);
    if (parsed.recordings.empty()) throw Error(msg(file, ": no recordings in the file"));
    if (first_file.empty()) {
      first_file = file;
      first_channels = parsed.channels;
    } else if (parsed.channels != first_channels) {
      throw Error(msg(file, ": channels ", join_list(parsed.channels), " differ from ", first_file,
                      "'s ", join_list(first_channels),
                      "; every class file must record the same channels"));
    }
    const int index = static_cast<int>(ds->classes.size());
    ds->classes.push_back(file.substr(0, file.size() - 4));
    for (size_t n = 0; n < parsed.recordings.size(); ++n) {
      const GestureRecording& rec = parsed.recordings[n];
      Entry e;
      e.path = file;
      e.resolved = resolved.path;
      e.exists = true;
      e.origin = msg(file, " line ", rec.line);
      e.clip_id = msg(file, "#", n + 1);
      e.label = ds->classes.back();
      e.label_index = index;
      e.first_row = rec.first_row;
      e.row_count = rec.row_count;
      ds->entries.push_back(std::move(e));
    }
  }
}

}  // namespace

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::kAuto:
      return "auto";
    case Layout::kEsc50:
      return "esc50";
    case Layout::kUrbanSound8k:
      return "urbansound8k";
    case Layout::kDcase:
      return "dcase";
    case Layout::kFolders:
      return "folders";
    case Layout::kGestureCsv:
      return "gesture-csv";
  }
  return "unknown";
}

bool layout_from_name(const std::string& name, Layout* out) {
  for (Layout l : {Layout::kAuto, Layout::kEsc50, Layout::kUrbanSound8k, Layout::kDcase,
                   Layout::kFolders, Layout::kGestureCsv}) {
    if (name == layout_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

Layout detect_layout(const std::string& root) {
  const auto has = [&](const char* rel) { return is_regular_file(io::join_path(root, rel)); };
  if (has("meta/esc50.csv")) return Layout::kEsc50;
  if (has("metadata/UrbanSound8K.csv")) return Layout::kUrbanSound8k;
  if (has("metadata.csv")) {
    std::string head = io::read_text_file(io::join_path(root, "metadata.csv"));
    if (head.substr(0, head.find('\n')).find("slice_file_name") != std::string::npos) {
      return Layout::kUrbanSound8k;
    }
  }
  if (has("meta.csv")) return Layout::kDcase;
  bool has_csv = false;
  for (const DirItem& item : list_dir(root)) {
    if (item.is_dir && item.name[0] != '.' && item.name[0] != '_') {
      for (const DirItem& inner : list_dir(io::join_path(root, item.name))) {
        if (inner.is_file && is_audio_name(inner.name)) return Layout::kFolders;
      }
    }
    if (item.is_file && ends_with(lower(item.name), ".csv")) has_csv = true;
  }
  if (has_csv) return Layout::kGestureCsv;
  throw Error(msg(root,
                  ": cannot tell the dataset layout: found none of meta/esc50.csv (esc50), "
                  "metadata/UrbanSound8K.csv or metadata.csv (urbansound8k), meta.csv (dcase), "
                  "<class>/*.wav|flac|ogg (folders), <class>.csv (gesture-csv); set the layout"));
}

Dataset load_dataset(const std::string& root, const LoadOptions& options) {
  PathGuard guard(root);
  Dataset ds;
  ds.root = guard.root();
  ds.layout = options.layout == Layout::kAuto ? detect_layout(guard.root()) : options.layout;
  switch (ds.layout) {
    case Layout::kEsc50:
      load_esc50(guard, &ds);
      break;
    case Layout::kUrbanSound8k:
      load_urbansound8k(guard, &ds);
      break;
    case Layout::kDcase:
      load_dcase(guard, &ds);
      break;
    case Layout::kFolders:
      load_folders(guard, &ds);
      break;
    case Layout::kGestureCsv:
      load_gesture_csv(guard, options, &ds);
      break;
    case Layout::kAuto:
      break;
  }
  require_unique_clip_ids(ds);
  return ds;
}

void apply_filter(Dataset* ds, const Filter& filter) {
  if (filter.esc10 && ds->layout != Layout::kEsc50) {
    throw Error(msg("esc10: the ESC-10 subset exists only in the esc50 layout, this dataset is ",
                    layout_name(ds->layout)));
  }
  std::set<int> folds_present;
  for (const Entry& e : ds->entries) folds_present.insert(e.fold);
  for (int fold : filter.folds) {
    if (!folds_present.count(fold)) {
      std::string have;
      for (int f : folds_present) have += (have.empty() ? "" : ",") + std::to_string(f);
      throw Error(msg("folds: fold ", fold, " is not in the dataset (it has folds ", have, ")"));
    }
  }
  // Classes kept, as label indices in the layout's order. Folds never change
  // this set, so relabelled indices agree between training and test folds.
  std::vector<bool> keep_class(ds->classes.size(), filter.classes.empty() && !filter.esc10);
  if (!filter.classes.empty()) {
    for (const std::string& name : filter.classes) {
      auto it = std::find(ds->classes.begin(), ds->classes.end(), name);
      if (name.empty() || it == ds->classes.end()) {
        std::vector<std::string> known;
        for (const std::string& c : ds->classes)
          if (!c.empty()) known.push_back(c);
        throw Error(msg("classes: '", name,
                        "' is not a class of this dataset (classes: ", join_list(known), ")"));
      }
      keep_class[it - ds->classes.begin()] = true;
    }
  }
  if (filter.esc10) {
    std::vector<bool> esc10_class(ds->classes.size(), false);
    for (const Entry& e : ds->entries)
      if (e.esc10) esc10_class[e.label_index] = true;
    for (size_t i = 0; i < keep_class.size(); ++i) {
      keep_class[i] = esc10_class[i] && (filter.classes.empty() || keep_class[i]);
    }
  }
  std::vector<Entry> kept;
  for (Entry& e : ds->entries) {
    if (e.label_index < 0 || !keep_class[e.label_index]) continue;
    if (filter.esc10 && !e.esc10) continue;
    if (!filter.folds.empty() &&
        std::find(filter.folds.begin(), filter.folds.end(), e.fold) == filter.folds.end()) {
      continue;
    }
    kept.push_back(std::move(e));
  }
  ds->entries = std::move(kept);
  if (filter.relabel) {
    std::vector<int> new_index(ds->classes.size(), -1);
    std::vector<std::string> classes;
    for (size_t i = 0; i < ds->classes.size(); ++i) {
      if (keep_class[i] && !ds->classes[i].empty()) {
        new_index[i] = static_cast<int>(classes.size());
        classes.push_back(ds->classes[i]);
      }
    }
    for (Entry& e : ds->entries) e.label_index = new_index[e.label_index];
    ds->classes = std::move(classes);
  }
  if (ds->entries.empty()) {
    throw Error("folds/classes/esc10: the filters leave no clips in the dataset");
  }
}

uint64_t uniform_below(std::mt19937_64* generator, uint64_t bound) {
  if (bound == 0) throw Error("uniform_below: bound must be positive");
  // Accept draws in [2^64 mod bound, 2^64): a whole number of bound-sized
  // blocks, so r % bound is exactly uniform.
  const uint64_t threshold = (0 - bound) % bound;
  while (true) {
    const uint64_t r = (*generator)();
    if (r >= threshold) return r % bound;
  }
}

void shuffle_entries(std::vector<Entry>* entries, uint64_t seed) {
  std::mt19937_64 generator(seed);
  for (size_t i = entries->size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(uniform_below(&generator, i));
    if (j != i - 1) std::swap((*entries)[i - 1], (*entries)[j]);
  }
}

void select_shard(std::vector<Entry>* entries, int index, int count) {
  if (count < 1 || index < 1 || index > count)
    throw Error(msg("shard ", index, "/", count, " is not a shard (expected 1 <= K <= N)"));
  if (count == 1) return;
  std::vector<Entry> kept;
  kept.reserve(entries->size() / size_t(count) + 1);
  for (size_t i = size_t(index - 1); i < entries->size(); i += size_t(count))
    kept.push_back(std::move((*entries)[i]));
  entries->swap(kept);
}

std::pair<int, int> parse_shard(const std::string& text, const std::string& property) {
  const std::string trimmed = trim(text);
  const size_t slash = trimmed.find('/');
  int index = 0, count = 0;
  if (slash == std::string::npos || !io::parse_int(trimmed.substr(0, slash), &index) ||
      !io::parse_int(trimmed.substr(slash + 1), &count) || count < 1 || index < 1 ||
      index > count) {
    throw Error(msg(property, ": '", text,
                    "' is not a shard (expected K/N with 1 <= K <= N, e.g. \"2/4\")"));
  }
  return {index, count};
}

std::vector<int> parse_fold_list(const std::string& text, const std::string& property) {
  std::vector<int> folds;
  for (const std::string& item : parse_name_list(text, property)) {
    int fold;
    if (!io::parse_int(item, &fold) || fold < 0) {
      throw Error(msg(property, ": '", item,
                      "' is not a fold number (expected comma-separated integers >= 0, e.g. "
                      "\"1,2\")"));
    }
    folds.push_back(fold);
  }
  return folds;
}

std::vector<std::string> parse_name_list(const std::string& text, const std::string& property) {
  std::vector<std::string> items;
  if (trim(text).empty()) return items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = trim(text.substr(start, comma - start));
    if (item.empty()) {
      throw Error(
          msg(property, ": empty item in \"", text, "\" (expected a comma-separated list)"));
    }
    items.push_back(item);
    start = comma + 1;
  }
  return items;
}

}  // namespace edge::datasets
