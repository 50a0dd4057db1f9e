#include "store/dataset_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/sha256.h"
#include "io/path_guard.h"
#include "io/regular_file.h"
#include "store/npy.h"

namespace edge::store {
namespace {

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string shape_text(const std::vector<int64_t>& shape) { return nlohmann::json(shape).dump(); }

constexpr size_t kMaxManifestBytes = size_t(256) << 20;  // as ShardStore reads them

// One shard file read whole, its hash checked against the manifest and its header parsed.
struct ShardFile {
  std::string path;
  NpyHeader header;
  std::vector<uint8_t> bytes;  // the whole file
  const uint8_t* data() const { return bytes.data() + header.data_offset; }
};

ShardFile load_shard_file(const std::string& directory, const nlohmann::json& shard,
                          const std::string& part) {
  const std::string shard_name = shard.value("name", std::string("?"));
  if (!shard.contains("files") || !shard["files"].contains(part))
    throw Error(msg(join(directory, "manifest.json"), ": shard ", shard_name, " lists no '", part,
                    "' file"));
  const std::string name = shard["files"][part].get<std::string>();
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    throw Error(msg(join(directory, "manifest.json"), ": shard file name \"", name,
                    "\" must be a plain file name inside the dataset directory"));
  ShardFile file;
  file.path = join(directory, name);
  struct stat st;
  if (::lstat(file.path.c_str(), &st) != 0)
    throw Error(msg(file.path, ": missing (listed in ", join(directory, "manifest.json"),
                    " for shard ", shard_name, "): ", std::strerror(errno)));
  const std::string bytes = io::read_regular_file(file.path, SIZE_MAX);  // no FIFO, no device
  file.bytes.assign(bytes.begin(), bytes.end());

  const auto& hashes = shard.value("sha256", nlohmann::json::object());
  if (!hashes.contains(part) || !hashes[part].is_string())
    throw Error(msg(join(directory, "manifest.json"), ": shard ", shard_name,
                    " has no SHA-256 for its '", part, "' file"));
  Sha256 hash;
  hash.update(file.bytes.data(), file.bytes.size());
  const std::string actual = hash.hex_digest();
  const std::string expected = hashes[part].get<std::string>();
  if (actual != expected)
    throw Error(msg(file.path, ": SHA-256 mismatch (manifest says ", expected, ", file has ",
                    actual, "): the file was changed or damaged after the dataset was written"));
  file.header = parse_npy_header(file.bytes.data(), file.bytes.size(), file.path);
  if (file.header.fortran_order) throw Error(msg(file.path, ": Fortran order is not supported"));
  const size_t need = size_t(file.header.elements()) * file.header.item_size;
  if (file.bytes.size() < file.header.data_offset ||
      file.bytes.size() - file.header.data_offset != need)
    throw Error(msg(file.path, ": holds ", file.bytes.size() - file.header.data_offset,
                    " data bytes, its header shape ", shape_text(file.header.shape), " needs ",
                    need));
  return file;
}

void expect_shape(const ShardFile& file, const std::vector<int64_t>& shape) {
  if (file.header.shape != shape)
    throw Error(msg(file.path, ": shape ", shape_text(file.header.shape), ", expected ",
                    shape_text(shape)));
}

void read_int32(const ShardFile& file, int64_t windows, std::vector<int32_t>* out) {
  expect_shape(file, {windows});
  if (file.header.descr != "<i4")
    throw Error(msg(file.path, ": dtype '", file.header.descr, "', expected int32 ('<i4')"));
  const size_t old = out->size();
  out->resize(old + size_t(windows));
  std::memcpy(out->data() + old, file.data(), size_t(windows) * 4);
}

std::string utf32_cell_to_utf8(const uint8_t* cell, size_t width) {
  std::string out;
  for (size_t i = 0; i < width; ++i) {
    uint32_t c;
    std::memcpy(&c, cell + 4 * i, 4);
    if (c == 0) break;
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += char(0xE0 | (c >> 12));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xF0 | ((c >> 18) & 0x07));
      out += char(0x80 | ((c >> 12) & 0x3F));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// Fisher-Yates with a generator whose output sequence the standard defines.
template <typename T>
void seeded_shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = size_t(rng() % i);
    std::swap(items[i - 1], items[j]);
  }
}

// Labelled clips grouped by class, each class's clips sorted by id, with their windows.
struct ClipTable {
  std::map<int32_t, std::vector<std::string>> clips_by_class;
  std::map<std::string, std::vector<int64_t>> windows_of_clip;
};

ClipTable clip_table(const LoadedDataset& data, const std::vector<int64_t>* among = nullptr) {
  ClipTable table;
  std::map<std::string, int32_t> label_of_clip;
  const int64_t count = among ? int64_t(among->size()) : data.size();
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = among ? (*among)[size_t(k)] : k;
    if (i < 0 || i >= data.size()) throw Error(msg("window index ", i, " out of range"));
    const int32_t label = data.y[size_t(i)];
    if (label < 0) continue;
    const std::string& clip = data.clip[size_t(i)];
    auto [it, inserted] = label_of_clip.emplace(clip, label);
    if (!inserted && it->second != label)
      throw Error(msg(data.directory, ": clip ", clip, " has windows labelled ",
                      data.labels[size_t(it->second)], " and ", data.labels[size_t(label)],
                      "; a split by clip needs one label per clip"));
    table.windows_of_clip[clip].push_back(i);
  }
  for (const auto& [clip, label] : label_of_clip) table.clips_by_class[label].push_back(clip);
  return table;
}

void finish(Split& split) {
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
}

}  // namespace

size_t LoadedDataset::window_elements() const {
  size_t n = 1;
  for (int64_t d : window_shape) n *= size_t(d);
  return n;
}

std::vector<int> LoadedDataset::folds() const {
  std::set<int> seen;
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] >= 0) seen.insert(fold[i]);
  return {seen.begin(), seen.end()};
}

LoadedDataset read_dataset(const std::string& directory) {
  const std::string manifest_path = join(directory, "manifest.json");
  struct stat st;
  if (::stat(manifest_path.c_str(), &st) != 0)
    throw Error(msg("no dataset at ", directory, ": ", manifest_path, " cannot be opened (",
                    std::strerror(errno), "); make one with `edgestream dataset APP out=DIR`"));
  const std::string text = io::read_regular_file(manifest_path, kMaxManifestBytes);
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(msg(manifest_path, ": not valid JSON (", e.what(), ")"));
  }
  LoadedDataset data;
  data.directory = directory;
  try {
    if (!m.is_object() || m.value("format", std::string()) != "edgestream-dataset")
      throw Error(msg(manifest_path,
                      ": not an edgestream dataset manifest (format is not "
                      "\"edgestream-dataset\")"));
    if (!m.value("complete", false))
      throw Error(msg(manifest_path,
                      ": the dataset is incomplete (its run was interrupted); run "
                      "the same `edgestream dataset` command again to finish it"));
    data.window_shape = m.at("window_shape").get<std::vector<int64_t>>();
    if (data.window_shape.empty()) throw Error(msg(manifest_path, ": window_shape is empty"));
    for (int64_t d : data.window_shape)
      if (d < 1 || d > (int64_t(1) << 24))
        throw Error(msg(manifest_path, ": window_shape ", shape_text(data.window_shape),
                        " has a dimension out of [1, 2^24]"));
    data.stored_dtype = m.at("dtype").get<std::string>();
    if (data.stored_dtype != "float32" && data.stored_dtype != "int8")
      throw Error(msg(manifest_path, ": dtype \"", data.stored_dtype,
                      "\", expected \"float32\" or \"int8\""));
    float scale = 1.0f;
    int zero_point = 0;
    if (data.stored_dtype == "int8") {
      if (!m.contains("quantization"))
        throw Error(msg(manifest_path, ": int8 dataset without \"quantization\""));
      scale = m["quantization"].at("scale").get<float>();
      zero_point = m["quantization"].at("zero_point").get<int>();
      if (!(scale > 0.0f) || !std::isfinite(scale) || zero_point < -128 || zero_point > 127)
        throw Error(msg(manifest_path, ": quantization scale ", scale, " / zero point ", zero_point,
                        " out of range (scale > 0, zero point in [-128, 127])"));
    }
    data.labels = m.value("labels", std::vector<std::string>());
    data.preprocess = m.value("preprocess", std::string());
    if (m.contains("statistics") && !m["statistics"].is_null())
      data.statistics = m["statistics"].dump();
    if (m.contains("parameters")) data.parameters = m["parameters"];
    if (m.contains("sources") && m["sources"].is_array()) data.sources = m["sources"];

    const size_t elements = data.window_elements();
    for (const auto& shard : m.at("shards")) {
      const int64_t windows = shard.at("windows").get<int64_t>();
      if (windows < 0)
        throw Error(
            msg(manifest_path, ": shard ", shard.value("name", "?"), " has ", windows, " windows"));
      ShardFile x = load_shard_file(directory, shard, "x");
      std::vector<int64_t> x_shape{windows};
      x_shape.insert(x_shape.end(), data.window_shape.begin(), data.window_shape.end());
      expect_shape(x, x_shape);
      const size_t old = data.x.size();
      data.x.resize(old + size_t(windows) * elements);
      float* dst = data.x.data() + old;
      if (data.stored_dtype == "float32") {
        if (x.header.descr != "<f4")
          throw Error(msg(x.path, ": dtype '", x.header.descr, "', the manifest says float32"));
        std::memcpy(dst, x.data(), size_t(windows) * elements * 4);
      } else {
        if (x.header.descr != "|i1" && x.header.descr != "<i1")
          throw Error(msg(x.path, ": dtype '", x.header.descr, "', the manifest says int8"));
        const int8_t* q = reinterpret_cast<const int8_t*>(x.data());
        for (size_t i = 0; i < size_t(windows) * elements; ++i)
          dst[i] = scale * float(int(q[i]) - zero_point);
      }
      read_int32(load_shard_file(directory, shard, "y"), windows, &data.y);
      read_int32(load_shard_file(directory, shard, "fold"), windows, &data.fold);
      read_int32(load_shard_file(directory, shard, "window"), windows, &data.window_index);
      ShardFile clip = load_shard_file(directory, shard, "clip");
      expect_shape(clip, {windows});
      if (clip.header.descr.compare(0, 2, "<U") != 0)
        throw Error(msg(clip.path, ": dtype '", clip.header.descr, "', expected '<U{n}' strings"));
      const size_t width = clip.header.item_size / 4;
      for (int64_t i = 0; i < windows; ++i)
        data.clip.push_back(
            utf32_cell_to_utf8(clip.data() + size_t(i) * clip.header.item_size, width));
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // missing keys, wrong JSON types
    throw Error(msg(manifest_path, ": unexpected content (", e.what(), ")"));
  }
  for (size_t i = 0; i < data.y.size(); ++i) {
    if (data.y[i] < -1 || data.y[i] >= int32_t(data.labels.size()))
      throw Error(msg(directory, ": window ", i, " (clip ", data.clip[i], ") has label index ",
                      data.y[i], " but the manifest names ", data.labels.size(), " labels"));
    if (data.y[i] >= 0 && data.labels[size_t(data.y[i])].empty())
      throw Error(msg(manifest_path, ": label index ", data.y[i], " is used but has no name"));
  }
  return data;
}

Split split_by_folds(const LoadedDataset& data, const std::vector<int>& test_folds,
                     bool needs_training) {
  if (test_folds.empty()) throw Error("test folds: none given");
  const std::vector<int> present = data.folds();
  for (int f : test_folds)
    if (std::find(present.begin(), present.end(), f) == present.end())
      throw Error(
          msg("test fold ", f, ": ", data.directory, " has folds ", nlohmann::json(present).dump(),
              present == std::vector<int>{-1} ? " (no folds: use a split by clip or --cv instead)"
                                              : ""));
  Split split;
  for (int64_t i = 0; i < data.size(); ++i) {
    if (data.y[size_t(i)] < 0) continue;
    const bool test =
        std::find(test_folds.begin(), test_folds.end(), data.fold[size_t(i)]) != test_folds.end();
    (test ? split.test : split.train).push_back(i);
  }
  if (needs_training && split.train.empty())
    throw Error(msg("test folds ", nlohmann::json(test_folds).dump(), " hold every window of ",
                    data.directory, ": nothing is left to train on"));
  return split;
}

Split split_by_clip(const LoadedDataset& data, double test_fraction, uint64_t seed,
                    const std::vector<int64_t>* among) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw Error(msg("test fraction ", test_fraction, ": expected a value in (0, 1)"));
  ClipTable table = clip_table(data, among);
  if (table.windows_of_clip.empty()) throw Error(msg(data.directory, ": no labelled windows"));
  std::mt19937_64 rng(seed);
  Split split;
  for (auto& [label, clips] : table.clips_by_class) {
    seeded_shuffle(clips, rng);
    size_t test_clips = size_t(std::lround(test_fraction * double(clips.size())));
    if (clips.size() >= 2) test_clips = std::max<size_t>(1, test_clips);
    test_clips = std::min(test_clips, clips.size() - 1);
    for (size_t c = 0; c < clips.size(); ++c) {
      auto& side = c < test_clips ? split.test : split.train;
      const auto& windows = table.windows_of_clip[clips[c]];
      side.insert(side.end(), windows.begin(), windows.end());
    }
  }
  finish(split);
  return split;
}

Split split_by_recording(const LoadedDataset& data, double test_fraction, uint64_t seed,
                         const std::function<std::string(const std::string&)>& recording_of,
                         const std::vector<int64_t>* among) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw Error(msg("test fraction ", test_fraction, ": expected a value in (0, 1)"));
  ClipTable table = clip_table(data, among);
  if (table.windows_of_clip.empty()) throw Error(msg(data.directory, ": no labelled windows"));
  // Recordings in name order with their clips; each belongs to its first clip's class.
  std::map<std::string, std::vector<std::string>> clips_of_recording;
  for (const auto& [label, clips] : table.clips_by_class)
    for (const auto& clip : clips) clips_of_recording[recording_of(clip)].push_back(clip);
  std::map<int32_t, std::vector<std::string>> recordings_by_class;
  std::map<int32_t, size_t> clips_in_class;
  for (auto& [recording, clips] : clips_of_recording) {
    std::sort(clips.begin(), clips.end());
    const int32_t label = data.y[size_t(table.windows_of_clip[clips.front()].front())];
    recordings_by_class[label].push_back(recording);
    clips_in_class[label] += clips.size();
  }
  std::mt19937_64 rng(seed);
  Split split;
  for (auto& [label, recordings] : recordings_by_class) {
    seeded_shuffle(recordings, rng);
    const auto target = double(std::lround(test_fraction * double(clips_in_class[label])));
    size_t held = 0, held_recordings = 0;
    for (const auto& recording : recordings) {
      const auto& clips = clips_of_recording[recording];
      const bool first = held_recordings == 0 && recordings.size() >= 2;
      const bool closer =
          std::fabs(double(held + clips.size()) - target) < std::fabs(double(held) - target);
      const bool hold = (first || closer) && held_recordings + 1 < recordings.size();
      if (hold) {
        held += clips.size();
        ++held_recordings;
      }
      auto& side = hold ? split.test : split.train;
      for (const auto& clip : clips) {
        const auto& windows = table.windows_of_clip[clip];
        side.insert(side.end(), windows.begin(), windows.end());
      }
    }
  }
  finish(split);
  return split;
}

std::vector<Split> cross_validation_by_clip(const LoadedDataset& data, int k, uint64_t seed) {
  if (k < 2) throw Error(msg("cross-validation folds: ", k, ", expected at least 2"));
  ClipTable table = clip_table(data);
  if (table.windows_of_clip.size() < size_t(k))
    throw Error(msg(data.directory, ": ", table.windows_of_clip.size(),
                    " labelled clips cannot make ", k, " cross-validation folds"));
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> fold_clips(static_cast<size_t>(k));
  size_t next = 0;
  for (auto& [label, clips] : table.clips_by_class) {
    seeded_shuffle(clips, rng);
    for (const auto& clip : clips) fold_clips[next++ % size_t(k)].push_back(clip);
  }
  std::vector<Split> splits(static_cast<size_t>(k));
  for (size_t test = 0; test < size_t(k); ++test) {
    for (size_t f = 0; f < size_t(k); ++f) {
      auto& side = f == test ? splits[test].test : splits[test].train;
      for (const auto& clip : fold_clips[f]) {
        const auto& windows = table.windows_of_clip[clip];
        side.insert(side.end(), windows.begin(), windows.end());
      }
    }
    finish(splits[test]);
  }
  return splits;
}

std::vector<int> parse_fold_list(const std::string& text, const std::string& what) {
  std::vector<int> folds;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw Error(msg(what, " \"", text,
                      "\": expected fold numbers separated by commas, e.g. 2 or "
                      "1,2"));
    folds.push_back(value);
  }
  if (folds.empty()) throw Error(msg(what, ": empty"));
  return folds;
}

void verify_sources(const LoadedDataset& data, const std::string& root) {
  const io::PathGuard guard(root);
  std::map<std::string, std::string> expected;  // path -> sha256, each file once
  for (const auto& source : data.sources) {
    if (!source.is_object() || !source.contains("sha256") || !source["sha256"].is_string())
      continue;  // recorded without a hash (unreadable when the dataset was made)
    expected.emplace(source.value("path", std::string()), source["sha256"].get<std::string>());
  }
  if (expected.empty())
    throw Error(msg(data.directory, "/manifest.json records no source hashes: cannot tell that ",
                    root, " holds the recordings this dataset was made from"));
  size_t bad = 0;
  std::string examples;
  for (const auto& [path, sha256] : expected) {
    std::string problem;
    try {
      const io::ResolvedPath file = guard.resolve(path, data.directory + "/manifest.json source");
      if (!file.exists)
        problem = "missing";
      else if (sha256_file(file.path) != sha256)
        problem = "other content (SHA-256 differs)";
    } catch (const Error& e) {
      problem = e.what();
    }
    if (problem.empty()) continue;
    if (++bad <= 3)
      examples += msg(examples.empty() ? "" : "; ", io::printable(path), ": ", problem);
  }
  if (bad)
    throw Error(msg(root, " does not hold the recordings ", data.directory, " was made from: ", bad,
                    " of ", expected.size(), " source files differ (", examples,
                    bad > 3 ? "; ..." : "", ")"));
}

}  // namespace edge::store
