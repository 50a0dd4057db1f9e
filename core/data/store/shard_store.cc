#include "store/shard_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "common/sha256.h"
#include "io/regular_file.h"
#include "store/npy.h"

namespace edge::store {

namespace {

const char kTmpPrefix[] = ".tmp-";
const char kFormat[] = "edgestream-dataset";
constexpr int kFormatVersion = 1;
// A manifest lists every source and shard: UrbanSound8K's 8,732 clips take about 2 MB.
constexpr size_t kMaxManifestBytes = size_t(256) << 20;

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void rename_into_place(const std::string& dir, const std::string& name) {
  const std::string from = join(dir, kTmpPrefix + name), to = join(dir, name);
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error(msg("cannot move ", from, " to ", to, ": ", std::strerror(errno)));
}

const char* const kParts[] = {"x", "y", "fold", "window", "clip"};

// Removes a shard's files, temporary and final (a shard that failed before the manifest
// named it).
void remove_shard_files(const std::string& dir, const std::string& shard) {
  for (const char* part : kParts) {
    const std::string file = shard + "." + part + ".npy";
    ::unlink(join(dir, kTmpPrefix + file).c_str());
    ::unlink(join(dir, file).c_str());
  }
}

// Text stored in the manifest (JSON) and the clip arrays ('<U') must be UTF-8.
void check_text(const std::string& text, const char* what, const std::string& clip) {
  size_t bad = 0;
  if (!io::valid_utf8(text, &bad))
    throw Error(msg("the ", what, " of clip ", io::printable(clip), " is not valid UTF-8 (byte ",
                    bad, " of '", io::printable(text),
                    "'): manifests and clip arrays hold UTF-8 text; re-encode the metadata as "
                    "UTF-8 or rename the file"));
}

// Writes `name` in `dir` through a fsynced temporary and a rename: the old file or the new,
// never a part. On failure (a full disk) the temporary is removed at once.
void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& text) {
  const std::string tmp = join(dir, kTmpPrefix + name);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(msg("cannot create ", tmp, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "nothing written";
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(msg("cannot write ", tmp, ": ", why));
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(msg("cannot write ", tmp, ": ", why));
  }
  if (std::rename(tmp.c_str(), join(dir, name).c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(msg("cannot move ", tmp, " to ", join(dir, name), ": ", why));
  }
  fsync_directory(dir);
}

void remove_stale_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kTmpPrefix, sizeof(kTmpPrefix) - 1) == 0)
      std::remove(join(dir, e->d_name).c_str());
  }
  ::closedir(d);
}

std::string shard_name(size_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "shard-%05zu", index);
  return name;
}

}  // namespace

struct ShardStore::OpenShard {
  std::string name;
  std::unique_ptr<NpyWriter> x;
  std::vector<int32_t> labels, folds, window_indices;
  std::vector<std::string> clips;
  std::map<std::string, int64_t> per_class, per_fold;
  signal::Moments stats;
};

nlohmann::json shard_stats_to_json(const signal::Moments& m) {
  return {{"count", m.count}, {"mean", m.mean}, {"m2", m.m2}};
}

signal::Moments shard_stats_from_json(const nlohmann::json& j) {
  signal::Moments m;
  // Older manifests wrote the count as a JSON double (60.0).
  m.count = static_cast<uint64_t>(j.at("count").get<double>());
  m.mean = j.at("mean").get<double>();
  m.m2 = j.at("m2").get<double>();
  return m;
}

ShardStore::ShardStore(ShardStoreOptions options, std::vector<int64_t> window_shape)
    : options_(std::move(options)), window_shape_(std::move(window_shape)) {
  if (options_.directory.empty()) throw Error("dataset output directory is not set");
  if (window_shape_.empty()) throw Error("dataset windows need a shape");
  window_elements_ = 1;
  for (int64_t d : window_shape_) {
    if (d <= 0) throw Error("dataset window dimensions must be positive");
    window_elements_ *= size_t(d);
  }
  if (options_.int8 && !(options_.int8_scale > 0.0f && std::isfinite(options_.int8_scale)))
    throw Error(msg("int8 dataset needs a positive scale, got ", options_.int8_scale));
  if (options_.int8 && (options_.int8_zero_point < -128 || options_.int8_zero_point > 127))
    throw Error(msg("int8 zero point must be within [-128, 127], got ", options_.int8_zero_point));
  const size_t bytes = window_elements_ * (options_.int8 ? 1 : 4);
  windows_per_shard_ = options_.windows_per_shard
                           ? options_.windows_per_shard
                           : std::max<size_t>(1, options_.shard_bytes / std::max<size_t>(1, bytes));
  quantized_.resize(options_.int8 ? window_elements_ : 0);
  try {
    io::make_directories(options_.directory);
  } catch (const Error& e) {
    throw Error(msg("dataset output: ", e.what()));
  }
  remove_stale_temporaries(options_.directory);
  manifest_path_ = join(options_.directory, "manifest.json");
  load_existing();
}

ShardStore::~ShardStore() = default;

void ShardStore::load_existing() {
  struct stat st;
  if (::lstat(manifest_path_.c_str(), &st) != 0 && errno == ENOENT) return;
  const std::string text = io::read_regular_file(manifest_path_, kMaxManifestBytes);
  nlohmann::ordered_json m;
  try {
    m = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(msg(manifest_path_, ": not valid JSON (", e.what(),
                    "); move it away to start a new dataset here"));
  }
  try {
    if (m.at("format") != kFormat) throw Error(msg(manifest_path_, ": not an edgestream dataset"));
    const auto shape = m.at("window_shape").get<std::vector<int64_t>>();
    const std::string dtype = m.at("dtype").get<std::string>();
    if (shape != window_shape_ || dtype != (options_.int8 ? "int8" : "float32")) {
      throw Error(msg(options_.directory, " holds ", dtype, " windows of shape ",
                      nlohmann::json(shape).dump(), "; this run makes ",
                      options_.int8 ? "int8" : "float32", " windows of shape ",
                      nlohmann::json(window_shape_).dump(),
                      ": write to another directory or remove the old dataset"));
    }
    sources_ = m.value("sources", nlohmann::ordered_json::array());
    for (const auto& s : sources_) source_clips_.insert(s.value("clip", ""));
    const auto labels = m.value("labels_by_index", nlohmann::ordered_json::object());
    for (const auto& [index, name] : labels.items())
      label_names_[std::stoi(index)] = name.get<std::string>();
    for (const auto& shard : m.at("shards")) {
      shards_.push_back(shard);
      const auto& files = shard.at("files");
      for (const auto& [part, file] : files.items()) {
        const std::string name = file.get<std::string>();
        if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
          throw Error(msg(manifest_path_, ": shard file name \"", name,
                          "\" must be a plain file name inside the dataset directory"));
      }
      auto clips = npy_as_strings(read_npy(join(options_.directory, files.at("clip"))), "clip ids");
      auto windows = npy_as_int(read_npy(join(options_.directory, files.at("window"))), "windows");
      if (clips.size() != windows.size())
        throw Error(msg(manifest_path_, ": shard ", shard.at("name"), " has ", clips.size(),
                        " clip ids but ", windows.size(), " window indices"));
      for (size_t i = 0; i < clips.size(); ++i) resumed_keys_.insert({clips[i], windows[i]});
      windows_written_ += shard.at("windows").get<int64_t>();
    }
    unnamed_windows_ = m.value("unnamed_windows", int64_t{0});
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // JSON type errors, a non-numeric label index
    throw Error(msg(manifest_path_, ": unexpected content (", e.what(), ")"));
  }
}

void ShardStore::add_source(const WindowInfo& clip, const std::string& relative_path,
                            const std::string& absolute_path) {
  check_usable();
  check_text(clip.clip_id, "clip id", clip.clip_id);
  check_text(clip.label, "label", clip.clip_id);
  check_text(relative_path, "source path", clip.clip_id);
  if (!source_clips_.insert(clip.clip_id).second) return;
  nlohmann::ordered_json s;
  s["clip"] = clip.clip_id;
  s["path"] = relative_path;
  s["label"] = clip.label;
  s["label_index"] = clip.label_index;
  s["fold"] = clip.fold;
  // A gesture CSV holds many clips: hash each file once.
  for (const auto& known : sources_) {
    if (known.value("path", "") == relative_path && known.contains("sha256")) {
      s["sha256"] = known["sha256"];
      break;
    }
  }
  if (s.contains("sha256") || absolute_path.empty()) {
    sources_.push_back(s);
    return;
  }
  // The clip is recorded either way; an unreadable source is reported to the caller.
  try {
    s["sha256"] = sha256_file(absolute_path);
    sources_.push_back(s);
  } catch (const Error& e) {
    s["sha256"] = nullptr;
    sources_.push_back(s);
    throw SourceUnreadable(e.what());
  }
}

void ShardStore::open_shard() {
  // Published only once its writer exists: a shard file that cannot be created (full disk,
  // read-only file system) leaves no half-built shard behind for close_shard().
  auto shard = std::make_unique<OpenShard>();
  shard->name = shard_name(shards_.size());
  shard->x =
      std::make_unique<NpyWriter>(join(options_.directory, kTmpPrefix + shard->name + ".x.npy"),
                                  options_.int8 ? "|i1" : "<f4", window_shape_);
  open_ = std::move(shard);
}

void ShardStore::check_usable() const {
  if (!failure_.empty())
    throw Error(msg(options_.directory, ": not written further after an earlier error (", failure_,
                    "); the dataset is incomplete, run again to resume"));
}

void ShardStore::fail(const std::string& why) {
  failure_ = why;
  // The open shard's rows are not all on disk: drop it (its windows are not in the manifest,
  // so a later run stores them again).
  if (open_) {
    windows_written_ -= int64_t(open_->labels.size());
    const std::string name = open_->name;
    open_.reset();  // closes its writer before the files go
    remove_shard_files(options_.directory, name);
  }
}

bool ShardStore::add(const float* window, const WindowInfo& given) {
  check_usable();
  WindowInfo info = given;
  if (info.clip_id.empty()) {
    info.clip_id = "stream";
    info.window_index = unnamed_windows_++;
  }
  check_text(info.clip_id, "clip id", info.clip_id);
  check_text(info.label, "label", info.clip_id);
  const std::pair<std::string, int64_t> key{info.clip_id, info.window_index};
  if (resumed_keys_.count(key)) {  // stored by an earlier run
    ++windows_skipped_;
    return false;
  }
  if (stored_keys_.count(key))
    throw Error(msg("clip ", io::printable(info.clip_id), " window ", info.window_index,
                    " came twice in this run: two clips with one id (a duplicate metadata "
                    "row?) would make one key; refusing rather than keeping either silently"));
  try {
    append(window, info);
  } catch (const Error& e) {
    fail(e.what());
    throw;
  }
  stored_keys_.insert(key);
  return true;
}

void ShardStore::append(const float* window, const WindowInfo& info) {
  if (!open_) open_shard();
  OpenShard& s = *open_;
  if (options_.int8) {
    const float inv = 1.0f / options_.int8_scale;
    for (size_t i = 0; i < window_elements_; ++i) {
      float q = std::nearbyint(window[i] * inv) + float(options_.int8_zero_point);
      quantized_[i] = int8_t(std::fmin(127.0f, std::fmax(-128.0f, std::isnan(q) ? 0.0f : q)));
    }
    s.stats.add(window, window_elements_);
    s.x->append(quantized_.data());
  } else {
    s.stats.add(window, window_elements_);
    s.x->append(window);
  }
  s.labels.push_back(info.label_index);
  s.folds.push_back(info.fold);
  s.window_indices.push_back(int32_t(info.window_index));
  s.clips.push_back(info.clip_id);
  if (info.label_index >= 0 && !info.label.empty()) label_names_[info.label_index] = info.label;
  ++s.per_class[info.label.empty() ? std::to_string(info.label_index) : info.label];
  ++s.per_fold[std::to_string(info.fold)];
  ++windows_written_;
  if (size_t(s.x->rows()) >= windows_per_shard_) close_shard();
}

void ShardStore::close_shard() {
  if (!open_) return;
  try {
    write_open_shard();
  } catch (const Error& e) {
    if (!shards_.empty() && shards_.back().value("name", "") == open_->name) shards_.pop_back();
    fail(e.what());
    throw;
  }
  open_.reset();
}

void ShardStore::write_open_shard() {
  OpenShard* s = open_.get();
  const std::string& dir = options_.directory;
  s->x->finish();

  auto write_ints = [&](const std::string& suffix, const std::vector<int32_t>& values) {
    NpyWriter w(join(dir, kTmpPrefix + s->name + suffix), "<i4", {});
    for (int32_t v : values) w.append(&v);
    w.finish();
  };
  write_ints(".y.npy", s->labels);
  write_ints(".fold.npy", s->folds);
  write_ints(".window.npy", s->window_indices);
  size_t width = 1;
  for (const auto& c : s->clips) width = std::max(width, c.size());
  {
    NpyWriter w(join(dir, kTmpPrefix + s->name + ".clip.npy"), "<U" + std::to_string(width), {});
    std::vector<uint32_t> cell(width);
    for (const auto& c : s->clips) {
      utf8_to_utf32_cell(c, width, cell.data());
      w.append(cell.data());
    }
    w.finish();
  }

  nlohmann::ordered_json entry;
  entry["name"] = s->name;
  entry["windows"] = s->x->rows();
  nlohmann::ordered_json files, hashes;
  for (const char* part : kParts) {
    const std::string file = s->name + "." + part + ".npy";
    rename_into_place(dir, file);
    files[part] = file;
    hashes[part] = sha256_file(join(dir, file));
  }
  fsync_directory(dir);
  entry["files"] = files;
  entry["sha256"] = hashes;
  entry["per_class"] = s->per_class;
  entry["per_fold"] = s->per_fold;
  entry["stats"] = shard_stats_to_json(s->stats);
  shards_.push_back(entry);
  write_manifest(false);
}

void ShardStore::write_manifest(bool complete) {
  nlohmann::ordered_json m;
  m["format"] = kFormat;
  m["version"] = kFormatVersion;
  m["complete"] = complete;
  m["window_shape"] = window_shape_;
  m["dtype"] = options_.int8 ? "int8" : "float32";
  if (options_.int8)
    m["quantization"] = {{"scale", options_.int8_scale}, {"zero_point", options_.int8_zero_point}};
  // Labels by index; a gap (an index never seen) stays an empty name.
  nlohmann::ordered_json by_index = nlohmann::ordered_json::object();
  std::vector<std::string> labels;
  for (const auto& [index, name] : label_names_) {
    by_index[std::to_string(index)] = name;
    if (labels.size() <= size_t(index)) labels.resize(size_t(index) + 1);
    labels[size_t(index)] = name;
  }
  m["labels"] = labels;
  m["labels_by_index"] = by_index;
  for (const auto& [key, value] : options_.provenance.items()) m[key] = value;

  std::map<std::string, int64_t> per_class, per_fold;
  signal::Moments stats;
  int64_t windows = 0;
  for (const auto& shard : shards_) {
    windows += shard.at("windows").get<int64_t>();
    for (const auto& [k, v] : shard.at("per_class").items()) per_class[k] += v.get<int64_t>();
    for (const auto& [k, v] : shard.at("per_fold").items()) per_fold[k] += v.get<int64_t>();
    stats.merge(shard_stats_from_json(shard.at("stats")));
  }
  m["counts"] = {{"windows", windows}, {"per_class", per_class}, {"per_fold", per_fold}};
  m["data_statistics"] = {
      {"count", stats.count},
      {"mean", stats.mean},
      {"std", stats.stddev()},
      {"note", "population statistics of every stored value, before int8 quantization"}};
  m["unnamed_windows"] = unnamed_windows_;
  m["sources"] = sources_;
  m["shards"] = shards_;

  std::string text;
  try {
    text = m.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {  // text that is not UTF-8
    throw Error(msg(manifest_path_, ": cannot be written: ", e.what()));
  }
  write_file_atomically(options_.directory, "manifest.json", text);
}

void ShardStore::flush() {
  // After a write error the last manifest written stays as it is: it names only whole shards
  // and says the dataset is incomplete.
  if (!failure_.empty()) return;
  close_shard();
  if (shards_.empty() && !complete_) write_manifest(false);
}

void ShardStore::finish() {
  check_usable();
  close_shard();
  try {
    write_manifest(true);
  } catch (const Error& e) {
    fail(e.what());
    throw;
  }
  complete_ = true;
}

}  // namespace edge::store
