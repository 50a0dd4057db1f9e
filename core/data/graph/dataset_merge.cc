#include "graph/dataset_merge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"

namespace edge::graph {
namespace {

using Json = nlohmann::ordered_json;

Json read_manifest(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  std::ifstream in(path);
  if (!in) throw Error(msg("cannot read ", path, ": ", std::strerror(errno)));
  try {
    return Json::parse(in);
  } catch (const std::exception& e) {
    throw Error(msg(path, " is not valid JSON: ", e.what()));
  }
}

void link_or_copy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return;
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  out.flush();
  if (!in || !out) throw Error(msg("cannot copy ", from, " to ", to, ": ", std::strerror(errno)));
}

std::string shard_name(size_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "shard-%05zu", index);
  return name;
}

struct Stats {
  double count = 0, mean = 0, m2 = 0;
  void merge(double n, double m, double q) {
    if (n == 0) return;
    const double total = count + n, delta = m - mean;
    mean += delta * n / total;
    m2 += q + delta * delta * count * n / total;
    count = total;
  }
};

}  // namespace

MergeResult merge_datasets(const std::string& output, const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw Error("merge needs at least one input dataset");
  struct stat st;
  if (::stat((output + "/manifest.json").c_str(), &st) == 0)
    throw Error(msg(output, " already holds a dataset (manifest.json); merge into a new folder"));

  std::vector<Json> manifests;
  for (const auto& dir : inputs) manifests.push_back(read_manifest(dir));
  const Json& first = manifests[0];
  for (size_t i = 0; i < manifests.size(); ++i) {
    if (!manifests[i].value("complete", false))
      throw Error(msg(inputs[i], " is not complete (its run was interrupted): finish it first"));
    for (const char* key : {"format", "version", "window_shape", "dtype", "quantization",
                            "preprocess", "parameters", "statistics"}) {
      const Json a = first.contains(key) ? first[key] : Json();
      const Json b = manifests[i].contains(key) ? manifests[i][key] : Json();
      if (a != b)
        throw Error(msg("cannot merge: ", key, " differs: ", inputs[0], " has ", a.dump(), ", ",
                        inputs[i], " has ", b.dump()));
    }
  }
  if (::mkdir(output.c_str(), 0777) != 0 && errno != EEXIST)
    throw Error(msg("cannot create ", output, ": ", std::strerror(errno)));

  Json merged = first;
  std::map<std::string, std::string> labels;  // index -> name
  Json sources = Json::array();
  std::set<std::string> seen_clips;
  Json shards = Json::array();
  std::map<std::string, long long> per_class, per_fold;
  Stats stats;
  long long windows = 0, unnamed = 0;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const Json& m = manifests[i];
    const Json label_names = m.value("labels_by_index", Json::object());
    for (const auto& [index, name] : label_names.items()) {
      auto inserted = labels.emplace(index, name.get<std::string>());
      if (!inserted.second && inserted.first->second != name.get<std::string>())
        throw Error(msg("cannot merge: label index ", index, " is '", inserted.first->second,
                        "' before ", inputs[i], " and '", name.get<std::string>(), "' in it"));
    }
    for (const auto& source : m.value("sources", Json::array()))
      if (seen_clips.insert(source.value("clip", "")).second) sources.push_back(source);
    for (Json shard : m.value("shards", Json::array())) {
      const std::string name = shard_name(shards.size());
      Json files = Json::object();
      for (const auto& [part, file] : shard.at("files").items()) {
        const std::string renamed = name + "." + part + ".npy";
        link_or_copy(inputs[i] + "/" + file.get<std::string>(), output + "/" + renamed);
        files[part] = renamed;
      }
      shard["name"] = name;
      shard["files"] = files;
      windows += shard.at("windows").get<long long>();
      for (const auto& [k, v] : shard.at("per_class").items()) per_class[k] += v.get<long long>();
      for (const auto& [k, v] : shard.at("per_fold").items()) per_fold[k] += v.get<long long>();
      const Json& s = shard.at("stats");
      stats.merge(s.at("count").get<double>(), s.at("mean").get<double>(),
                  s.at("m2").get<double>());
      shards.push_back(shard);
    }
    unnamed += m.value("unnamed_windows", 0LL);
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
      {"std", stats.count > 0 ? std::sqrt(stats.m2 / stats.count) : 0.0},
      {"note", "population statistics of every stored value, before int8 quantization"}};
  merged["unnamed_windows"] = unnamed;
  merged["sources"] = sources;
  merged["shards"] = shards;

  const std::string tmp = output + "/.tmp-manifest.json";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << merged.dump(2) << '\n';
    out.flush();
    if (!out) throw Error(msg("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  if (std::rename(tmp.c_str(), (output + "/manifest.json").c_str()) != 0)
    throw Error(msg("cannot write ", output, "/manifest.json: ", std::strerror(errno)));
  return {windows, shards.size(), sources.size()};
}

}  // namespace edge::graph
