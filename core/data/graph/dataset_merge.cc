#include "graph/dataset_merge.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "common/error.h"
#include "common/sha256.h"
#include "io/regular_file.h"
#include "store/npy.h"
#include "store/shard_store.h"

namespace edge::graph {
namespace {

using Json = nlohmann::ordered_json;
using Key = std::pair<std::string, int64_t>;

const char kTmpPrefix[] = ".tmp-";
const char* const kParts[] = {"x", "y", "fold", "window", "clip"};
constexpr size_t kMaxManifestBytes = size_t(256) << 20;  // as ShardStore reads them

Json read_manifest(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  const std::string text = io::read_regular_file(path, kMaxManifestBytes);
  Json manifest;
  try {
    manifest = Json::parse(text);
  } catch (const std::exception& e) {
    throw Error(msg(path, " is not valid JSON: ", e.what()));
  }
  // Every field below is looked up by name: anything but an object is not a manifest.
  if (!manifest.is_object())
    throw Error(
        msg(path, " is not a dataset manifest: a JSON ", manifest.type_name(), ", not an object"));
  return manifest;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string real_path(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) throw Error(msg("cannot read ", path, ": ", std::strerror(errno)));
  return real.get();
}

std::string shard_name(size_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "shard-%05zu", index);
  return name;
}

// A shard file name from a manifest: a plain name inside the dataset folder.
std::string shard_file(const Json& files, const char* part, const std::string& manifest) {
  if (!files.contains(part) || !files[part].is_string())
    throw Error(msg(manifest, ": a shard has no '", part, "' file"));
  const std::string name = files[part].get<std::string>();
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    throw Error(msg(manifest, ": shard file name \"", io::printable(name),
                    "\" must be a plain file name inside the dataset directory"));
  return name;
}

// Checks every file of a shard against its manifest hash; returns its (clip, window) keys.
std::vector<Key> verified_shard_keys(const std::string& dir, const Json& shard) {
  const std::string manifest = dir + "/manifest.json";
  const Json& files = shard.at("files");
  const Json hashes = shard.value("sha256", Json::object());
  for (const char* part : kParts) {
    const std::string path = dir + "/" + shard_file(files, part, manifest);
    const std::string expected = hashes.value(part, "");
    const std::string actual = sha256_file(path);
    if (actual != expected)
      throw Error(msg(path, ": SHA-256 ", actual, " differs from ",
                      expected.empty() ? "none" : expected, " in ", manifest,
                      " (changed or damaged after it was written)"));
  }
  const auto clips = store::npy_as_strings(
      store::read_npy(dir + "/" + shard_file(files, "clip", manifest)), "clip ids");
  const auto windows = store::npy_as_int(
      store::read_npy(dir + "/" + shard_file(files, "window", manifest)), "window indices");
  if (clips.size() != windows.size() || int64_t(clips.size()) != shard.at("windows").get<int64_t>())
    throw Error(msg(manifest, ": shard ", shard.value("name", "?"), " lists ",
                    shard.at("windows").get<int64_t>(), " windows but holds ", clips.size(),
                    " clip ids and ", windows.size(), " window indices"));
  std::vector<Key> keys;
  keys.reserve(clips.size());
  for (size_t i = 0; i < clips.size(); ++i) keys.emplace_back(clips[i], windows[i]);
  return keys;
}

// Copies through an fsynced file; a partial copy is removed.
void copy_file(const std::string& from, const std::string& to) {
  const int in = io::open_regular_file(from);
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    const std::string why = std::strerror(errno);
    ::close(in);
    throw Error(msg("cannot create ", to, ": ", why));
  }
  std::string why;
  char buffer[1 << 16];
  while (why.empty()) {
    const ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = msg("cannot read ", from, ": ", std::strerror(errno));
    if (n <= 0) break;
    for (ssize_t done = 0; done < n && why.empty();) {
      const ssize_t w = ::write(out, buffer + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) why = msg("cannot write ", to, ": ", w < 0 ? std::strerror(errno) : "no space");
      done += w > 0 ? w : 0;
    }
  }
  if (why.empty() && ::fsync(out) != 0) why = msg("cannot write ", to, ": ", std::strerror(errno));
  ::close(in);
  if (::close(out) != 0 && why.empty()) why = msg("cannot write ", to, ": ", std::strerror(errno));
  if (!why.empty()) {
    ::unlink(to.c_str());
    throw Error(why);
  }
}

// Places `from` as out_dir/name: linked (or copied) to a temporary name, then renamed, so a
// name in the output is always a whole file, and placing it again replaces it.
void place_file(const std::string& from, const std::string& out_dir, const std::string& name) {
  const std::string tmp = out_dir + "/" + kTmpPrefix + name, to = out_dir + "/" + name;
  ::unlink(tmp.c_str());
  if (::link(from.c_str(), tmp.c_str()) != 0) copy_file(from, tmp);
  if (std::rename(tmp.c_str(), to.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(msg("cannot move ", tmp, " to ", to, ": ", why));
  }
  // rename() of two links to one file does nothing and leaves the temporary name.
  if (exists(tmp)) ::unlink(tmp.c_str());
}

bool is_shard_file_name(const std::string& name) {
  unsigned index = 0;
  char part[16] = {};
  int consumed = 0;
  return std::sscanf(name.c_str(), "shard-%5u.%15[a-z].npy%n", &index, part, &consumed) == 2 &&
         consumed == int(name.size());
}

// What an earlier, interrupted merge into `dir` left: shard files and temporaries.
void remove_leftovers(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, sizeof(kTmpPrefix) - 1, kTmpPrefix) == 0 || is_shard_file_name(name))
      ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_manifest(const std::string& dir, const Json& manifest) {
  std::string text;
  try {
    text = manifest.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw Error(msg(dir, "/manifest.json: cannot be written: ", e.what()));
  }
  const std::string tmp = dir + "/" + kTmpPrefix + "manifest.json";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(msg("cannot create ", tmp, ": ", std::strerror(errno)));
  std::string why;
  for (size_t done = 0; done < text.size() && why.empty();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) why = n < 0 ? std::strerror(errno) : "no space";
    done += n > 0 ? size_t(n) : 0;
  }
  if (why.empty() && ::fsync(fd) != 0) why = std::strerror(errno);
  if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
  if (why.empty() && std::rename(tmp.c_str(), (dir + "/manifest.json").c_str()) != 0)
    why = std::strerror(errno);
  if (!why.empty()) {
    ::unlink(tmp.c_str());
    throw Error(msg("cannot write ", dir, "/manifest.json: ", why));
  }
  fsync_directory(dir);
}

const char* const kAgreed[] = {"format",       "version",    "window_shape", "dtype",
                               "quantization", "preprocess", "parameters",   "statistics"};

Json value_or_null(const Json& j, const char* key) { return j.contains(key) ? j[key] : Json(); }

// clip -> sha256 (null when unreadable) of a manifest's sources.
std::map<std::string, Json> source_hashes(const Json& sources) {
  std::map<std::string, Json> out;
  for (const auto& s : sources) out[s.value("clip", "")] = value_or_null(s, "sha256");
  return out;
}

// Why the existing output at `dir` is not exactly `merged` (with `keys`), or "".
std::string differs_from(const std::string& dir, const Json& existing, const Json& merged,
                         const std::set<Key>& keys) {
  if (!existing.value("complete", false)) return "it is not complete";
  for (const char* key : kAgreed)
    if (value_or_null(existing, key) != value_or_null(merged, key)) return msg(key, " differs");
  if (value_or_null(existing, "labels_by_index") != merged["labels_by_index"])
    return "its labels differ";
  if (source_hashes(existing.value("sources", Json::array())) != source_hashes(merged["sources"]))
    return "its sources differ";
  std::set<Key> held;
  for (const auto& shard : existing.value("shards", Json::array()))
    for (auto& key : verified_shard_keys(dir, shard)) held.insert(std::move(key));
  if (held != keys)
    return msg("it holds ", held.size(), " windows, the inputs ", keys.size(), ", not the same");
  return "";
}

}  // namespace

MergeResult merge_datasets(const std::string& output, const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw Error("merge needs at least one input dataset");
  std::map<std::string, std::string> real_inputs;  // real path -> as given
  for (const auto& dir : inputs) {
    auto inserted = real_inputs.emplace(real_path(dir), dir);
    if (!inserted.second)
      throw Error(msg("cannot merge: ", dir, " is given twice (as ", inserted.first->second,
                      "); each dataset's windows may be merged once"));
  }
  if (exists(output) && real_inputs.count(real_path(output)))
    throw Error(msg("cannot merge ", output, " into itself"));

  std::vector<Json> manifests;
  for (const auto& dir : inputs) manifests.push_back(read_manifest(dir));
  const Json& first = manifests[0];
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (!manifests[i].value("complete", false))
      throw Error(msg(inputs[i], " is not complete (its run was interrupted): finish it first"));
    for (const char* key : kAgreed) {
      const Json a = value_or_null(first, key), b = value_or_null(manifests[i], key);
      if (a != b)
        throw Error(msg("cannot merge: ", key, " differs: ", inputs[0], " has ", a.dump(), ", ",
                        inputs[i], " has ", b.dump()));
    }
  }

  // The merged manifest, and where each of its files comes from; nothing is written yet.
  Json merged = first;
  std::map<std::string, std::string> labels;  // index -> name
  Json sources = Json::array();
  std::map<std::string, std::pair<Json, size_t>> seen_sources;  // clip -> (sha256, input)
  std::map<Key, size_t> key_input;
  Json shards = Json::array();
  std::vector<std::pair<std::string, std::string>> placements;  // from -> name
  std::map<std::string, long long> per_class, per_fold;
  signal::Moments stats;
  long long windows = 0, unnamed = 0;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const Json& m = manifests[i];
    try {
      const Json label_names = m.value("labels_by_index", Json::object());
      for (const auto& [index, name] : label_names.items()) {
        // The key becomes a position in the merged label list: a small decimal number.
        const bool decimal = !index.empty() && index.size() <= 6 &&
                             std::all_of(index.begin(), index.end(),
                                         [](unsigned char c) { return std::isdigit(c) != 0; });
        if (!decimal)
          throw Error(msg(inputs[i], "/manifest.json: labels_by_index key '", index,
                          "' is not a label index (a number from 0 to 999999)"));
        auto inserted = labels.emplace(index, name.get<std::string>());
        if (!inserted.second && inserted.first->second != name.get<std::string>())
          throw Error(msg("cannot merge: label index ", index, " is '", inserted.first->second,
                          "' before ", inputs[i], " and '", name.get<std::string>(), "' in it"));
      }
      for (const auto& source : m.value("sources", Json::array())) {
        const std::string clip = source.value("clip", "");
        const Json hash = value_or_null(source, "sha256");
        auto known = seen_sources.emplace(clip, std::make_pair(hash, i));
        if (known.second) {
          sources.push_back(source);
        } else if (known.first->second.first != hash) {
          throw Error(msg("cannot merge: clip ", io::printable(clip), " has source SHA-256 ",
                          known.first->second.first.dump(), " in ",
                          inputs[known.first->second.second], " but ", hash.dump(), " in ",
                          inputs[i]));
        }
      }
      for (Json shard : m.value("shards", Json::array())) {
        for (auto& key : verified_shard_keys(inputs[i], shard)) {
          auto inserted = key_input.emplace(key, i);
          if (!inserted.second)
            throw Error(msg("cannot merge: clip ", io::printable(key.first), " window ", key.second,
                            " is in ", inputs[inserted.first->second], " and in ", inputs[i],
                            "; a window may be in one input only"));
        }
        const std::string name = shard_name(shards.size());
        Json files = Json::object();
        for (const char* part : kParts) {
          const std::string renamed = name + "." + part + ".npy";
          placements.emplace_back(
              inputs[i] + "/" + shard_file(shard.at("files"), part, inputs[i] + "/manifest.json"),
              renamed);
          files[part] = renamed;
        }
        shard["name"] = name;
        shard["files"] = files;
        windows += shard.at("windows").get<long long>();
        for (const auto& [k, v] : shard.at("per_class").items()) per_class[k] += v.get<long long>();
        for (const auto& [k, v] : shard.at("per_fold").items()) per_fold[k] += v.get<long long>();
        const Json& s = shard.at("stats");
        stats.merge(store::shard_stats_from_json(s));
        shards.push_back(shard);
      }
      unnamed += m.value("unnamed_windows", 0LL);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {  // JSON of the wrong type in a manifest
      throw Error(msg(inputs[i], "/manifest.json: unexpected content (", e.what(), ")"));
    }
  }
  Json by_index = Json::object();
  std::vector<std::string> label_list;
  for (const auto& [index, name] : labels) {
    by_index[index] = name;
    const size_t at = size_t(std::stoul(index));
    if (label_list.size() <= at) label_list.resize(at + 1);
    label_list[at] = name;
  }
  merged["complete"] = true;
  merged["labels"] = label_list;
  merged["labels_by_index"] = by_index;
  merged["counts"] = {{"windows", windows}, {"per_class", per_class}, {"per_fold", per_fold}};
  merged["data_statistics"] = {
      {"count", stats.count},
      {"mean", stats.mean},
      {"std", stats.stddev()},
      {"note", "population statistics of every stored value, before int8 quantization"}};
  merged["unnamed_windows"] = unnamed;
  merged["sources"] = sources;
  merged["shards"] = shards;
  const MergeResult result{windows, shards.size(), sources.size(), false};

  if (exists(output + "/manifest.json")) {
    std::set<Key> keys;
    for (const auto& entry : key_input) keys.insert(entry.first);
    Json existing;
    std::string why;
    try {
      existing = read_manifest(output);
      why = differs_from(output, existing, merged, keys);
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty())
      throw Error(msg(output, " already holds a dataset (manifest.json) that is not this merge (",
                      why, "); merge into a new folder"));
    MergeResult same = result;
    same.unchanged = true;
    return same;
  }

  io::make_directories(output);
  remove_leftovers(output);
  for (const auto& [from, name] : placements) place_file(from, output, name);
  fsync_directory(output);
  write_manifest(output, merged);
  return result;
}

}  // namespace edge::graph
