#include "tools/edgestream/through_graph.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "graph/graph.h"
#include "nn/metadata.h"
#include "nn/tflite_reader.h"
#include "tools/edgestream/classify.h"
#include "tools/edgestream/commands.h"

namespace edge::cli {
namespace {

// Removes a file when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

ThroughGraphResult run_through_graph(const ThroughGraphOptions& o,
                                     const store::LoadedDataset& data) {
  ThroughGraphResult result;
  const nn::Model model = nn::read_tflite_file(o.model);
  const nn::EdgeMetadata meta = nn::read_edge_metadata(model);
  if (meta.preprocess.empty())
    throw Error(msg("model ", o.model,
                    " carries no edgestream preprocess metadata: there is no deployed graph to "
                    "run (--through-graph needs a model made by edgestream train)"));
  std::string app_name = o.app;
  if (app_name.empty() && data.parameters.contains("app") && data.parameters["app"].is_string())
    app_name = data.parameters["app"].get<std::string>();
  if (app_name.empty())
    throw Error(msg("dataset ", data.directory,
                    " does not name its application (manifest parameters.app); give --app"));
  const graph::GraphDefinition def = find_application(app_name);
  result.application = def.name;
  if (!def.is_mode("dataset"))
    throw Error(msg("application ", def.name, " has no dataset mode (", def.origin, ")"));

  TempFile statistics;
  if (!meta.statistics.empty()) statistics.path = write_temp_statistics(meta.statistics);
  TempFile lines;
  lines.path = write_temp_statistics("");  // a fresh private file for the JSON lines

  std::map<std::string, std::string> values;
  for (const auto& p : def.placeholders) {
    if (p.name == "dataset") {
      if (!o.dataset_root.empty()) values[p.name] = o.dataset_root;
    } else if (p.kind == graph::ValueKind::kStatistics) {
      if (statistics.path.empty())
        throw Error(msg("the preprocessing of ", def.name, " uses ${", p.name,
                        "} (statistics) but model ", o.model, " carries none"));
      values[p.name] = statistics.path;
    } else if (!p.has_default) {
      values[p.name] = "/unused-" + p.name;  // e.g. out: the dataset sink is replaced
    }
  }
  if (!def.placeholder("dataset"))
    throw Error(msg("application ", def.name, " has no ${dataset} placeholder"));
  if (o.dataset_root.empty() && !def.placeholder("dataset")->has_default)
    throw Error(msg("application ", def.name,
                    " has no default dataset root; give the recordings with --dataset-root DIR"));
  graph::ResolvedGraph resolved = graph::resolve(def, "dataset", values);
  graph::check_value(*def.placeholder("dataset"), resolved.values.at("dataset"));
  store::verify_sources(data, resolved.values.at("dataset"));  // the same recordings, by hash

  std::vector<std::string> argv = resolved.argv;
  auto sink = std::find(argv.begin(), argv.end(), "edgedatasetsink");
  if (sink == argv.end() || sink == argv.begin())
    throw Error(msg("the dataset mode of ", def.name, " has no edgedatasetsink to replace"));
  argv.erase(sink - 1, argv.end());  // from the "!" before the sink
  const auto classes = std::to_string(model.output(0).elements());
  for (const std::string& word :
       {std::string("!"), std::string("edgeinfer"), "model=" + o.model,
        "preprocess=" + resolved.preprocess, "top-k=" + classes, std::string("!"),
        std::string("edgelabelsink"), "location=" + lines.path, "top-k=" + classes,
        std::string("post-messages=false")})
    argv.push_back(word);
  if (!statistics.path.empty()) {
    auto infer = std::find(argv.begin(), argv.end(), "edgeinfer");
    argv.insert(infer + 1, "statistics=" + statistics.path);
  }
  result.argv = argv;
  run_pipeline(argv);

  std::ifstream in(lines.path);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("clip") || !j["clip"].is_string() ||
        !j.contains("window") || !j.contains("top") || !j["top"].is_array())
      throw Error(msg("edgelabelsink line ", number, " is not a result line: ", line));
    std::vector<float> scores(size_t(model.output(0).elements()), 0.0f);
    for (const auto& entry : j["top"]) {
      const int64_t index = entry.value("index", int64_t(-1));
      if (index < 0 || index >= int64_t(scores.size()))
        throw Error(msg("edgelabelsink line ", number, ": class index ", index, " out of range"));
      scores[size_t(index)] = entry.value("score", 0.0f);
    }
    result.scores[{j["clip"].get<std::string>(), j["window"].get<int64_t>()}] = scores;
  }
  return result;
}

std::vector<int32_t> through_graph_predictions(const ThroughGraphResult& result,
                                               const store::LoadedDataset& data,
                                               const std::vector<int64_t>& indices,
                                               int64_t* missing) {
  std::vector<int32_t> predicted;
  predicted.reserve(indices.size());
  int64_t absent = 0;
  for (int64_t i : indices) {
    auto found = result.scores.find({data.clip[size_t(i)], data.window_index[size_t(i)]});
    if (found == result.scores.end() || found->second.empty()) {
      predicted.push_back(-1);
      ++absent;
      continue;
    }
    const auto& s = found->second;
    predicted.push_back(int32_t(std::max_element(s.begin(), s.end()) - s.begin()));
  }
  if (missing) *missing = absent;
  return predicted;
}

}  // namespace edge::cli
