// edgestream eval MODEL.tflite [MODEL2.tflite ...] --dataset DIR [--test-folds F | --split all]
//                  [--seed S] [--report DIR] [--run-log FILE] [--through-graph [--app APP]]
//
// Runs every model file with the engine (core/runtime/nn/interpreter) on the same held-out split of
// a dataset and compares them side by side (seed 004's comparison of the float model and its
// optimized variants): accuracy, loss, per-class precision/recall/F1, confusion matrix, file
// size, parameter count, MACs, arena bytes and the measured latency per inference.
// The split is the one `edgestream train` held out with the same options (--test-folds, or
// the seeded 20 % split by clip), so a trained model is scored on windows it never saw;
// --split all scores every labelled window (data the model never saw: another person's,
// another fold's, made by any application whose windows fit the model).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "eval/evaluate.h"
#include "nn/metadata.h"
#include "nn/parity.h"
#include "nn/tflite_reader.h"
#include "store/dataset_reader.h"
#include "tools/edgestream/commands.h"
#include "tools/edgestream/through_graph.h"

namespace edge::cli {
namespace {

struct EvalOptions {
  std::vector<std::string> models;
  std::string dataset;
  std::string test_folds;
  std::string split = "test";  // test: the held-out split train used; all: every window
  long long seed = 1;
  std::string report;
  std::string run_log;
  bool through_graph = false;  // also run the recordings through the deployed graph
  std::string dataset_root;    // recordings for --through-graph ("" = the app's default)
  std::string app;             // --through-graph application ("" = the manifest's)
};

std::string fixed4(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// --through-graph: the test windows' recordings through the deployed real-time graph
// (tools/edgestream/through_graph.h) against the engine on the shards.
void compare_through_graph(const EvalOptions& o, const std::string& path,
                           const store::LoadedDataset& data, const eval::SplitChoice& choice,
                           const eval::EngineResult& engine) {
  ThroughGraphOptions options;
  options.model = path;
  options.dataset_root = o.dataset_root;
  options.app = o.app;
  const ThroughGraphResult graph = run_through_graph(options, data);
  int64_t missing = 0;
  const std::vector<int32_t> predicted =
      through_graph_predictions(graph, data, choice.split.test, &missing);
  int64_t correct = 0, differ = 0;
  for (size_t k = 0; k < predicted.size(); ++k) {
    const int32_t truth = data.y[size_t(choice.split.test[k])];
    correct += predicted[k] == truth;
    differ += predicted[k] != engine.predicted[k];
  }
  const size_t n = predicted.size();
  std::printf(
      "through the deployed graph (%s): accuracy %.4f on %zu test windows (shards: "
      "%.4f); %lld predictions differ from the shards', %lld windows not produced by "
      "the graph\n",
      graph.application.c_str(), n ? double(correct) / double(n) : 0.0, n, engine.metrics.accuracy,
      (long long)differ, (long long)missing);
}

// --split all: every labelled window of the dataset (another person's recordings, other
// folds); nothing of it was held out by train, so no split is made.
eval::SplitChoice every_window(const store::LoadedDataset& data) {
  eval::SplitChoice choice;
  for (int64_t i = 0; i < data.size(); ++i)
    if (data.y[size_t(i)] >= 0) choice.split.test.push_back(i);
  if (choice.split.test.empty()) throw Error(msg(data.directory, ": no labelled window to score"));
  choice.description = msg("every labelled window (", choice.split.test.size(), ")");
  return choice;
}

// Per-class precision, recall and F1 under the accuracy line (stdout, as in the report),
// indented by `indent` spaces.
void print_class_scores(const eval::Metrics& metrics, const std::vector<std::string>& labels,
                        int indent) {
  size_t width = 5;
  for (const auto& label : labels) width = std::max(width, label.size());
  std::printf("%*s%-*s %9s %9s %9s %8s\n", indent, "", int(width), "class", "precision", "recall",
              "f1", "support");
  for (size_t c = 0; c < metrics.per_class.size() && c < labels.size(); ++c) {
    const eval::ClassScores& k = metrics.per_class[c];
    std::printf("%*s%-*s %9.4f %9.4f %9.4f %8lld\n", indent, "", int(width), labels[c].c_str(),
                k.precision, k.recall, k.f1, (long long)k.support);
  }
  std::printf("%*s%-*s %9.4f %9.4f %9.4f %8lld\n", indent, "", int(width), "macro",
              metrics.macro_precision, metrics.macro_recall, metrics.macro_f1,
              (long long)metrics.samples);
}

void run_eval(const EvalOptions& o) {
  const store::LoadedDataset data = store::read_dataset(o.dataset);
  if (o.split == "all" && !o.test_folds.empty())
    throw Error("--split all scores every window: leave out --test-folds");
  const eval::SplitChoice choice =
      o.split == "all" ? every_window(data)
                       : eval::choose_split(data, o.test_folds, 0.2, uint64_t(o.seed),
                                            /*needs_training=*/false);
  std::printf("dataset %s: %lld windows %s; %s\n", o.dataset.c_str(), (long long)data.size(),
              nlohmann::json(data.window_shape).dump().c_str(), choice.description.c_str());

  // Read and check every model before running any, so a bad one fails fast.
  std::vector<nn::Model> models;
  std::string preprocess_notes;  // for the report, beside the warnings on stderr
  for (const auto& path : o.models) {
    nn::Model model = nn::read_tflite_file(path);
    const auto metadata = nn::read_edge_metadata(model);
    eval::check_labels(metadata.labels, path, data.labels, o.dataset);
    // Scoring on other preprocessing can be meant (a denser hop, another recording chain),
    // but other feature settings with the same window shape give quietly wrong scores.
    if (!metadata.preprocess.empty() && !data.preprocess.empty()) {
      const std::string difference =
          nn::preprocess_difference(data.preprocess, data.statistics, metadata.preprocess,
                                    metadata.statistics, "dataset", "model  ");
      if (!difference.empty()) {
        const std::string note =
            msg("dataset ", o.dataset, " was not made with the preprocessing model ", path,
                " was trained on; its scores are of the model on this other preprocessing");
        std::fprintf(stderr, "edgestream eval: warning: %s\n%s\n", note.c_str(),
                     difference.c_str());
        preprocess_notes += msg("\n\nWarning: ", note, ":\n\n```\n", difference, "\n```");
      }
    }
    models.push_back(std::move(model));
  }

  eval::Report report;
  report.title = msg("edgestream eval on ", o.dataset);
  report.class_names = data.labels;
  std::string details;
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json per_model = nlohmann::json::array();
  // Accuracy is by window (the first figure, as it always was); clip_acc by clip (late fusion).
  std::printf("%-28s %9s %9s %9s %10s %10s %12s %10s %12s\n", "model", "accuracy", "clip_acc",
              "loss", "bytes", "params", "MACs", "arena", "latency_us");
  for (size_t m = 0; m < models.size(); ++m) {
    const std::string& path = o.models[m];
    const eval::EngineResult engine = eval::run_engine(models[m], data, choice.split.test);
    eval::Variant v;
    v.name = base_name(path);
    v.accuracy = engine.metrics.accuracy;
    v.loss = engine.metrics.loss;
    v.file_bytes = eval::file_size(path);
    v.parameters = eval::parameter_count(models[m]);
    v.macs = engine.macs;
    v.arena_bytes = engine.arena_bytes;
    v.latency_us = engine.latency_us;
    const auto clips = eval::clip_section(engine);
    if (clips) {
      v.clip_accuracy = clips->metrics.accuracy;
      v.clips = clips->metrics.samples;
    }
    report.variants.push_back(v);
    std::printf("%-28s %9.4f %9s %9.4f %10lld %10lld %12lld %10lld %12.1f\n", v.name.c_str(),
                v.accuracy, clips ? fixed4(v.clip_accuracy).c_str() : "-", v.loss,
                (long long)v.file_bytes, (long long)v.parameters, (long long)v.macs,
                (long long)v.arena_bytes, v.latency_us);
    std::printf("  by window: accuracy %.4f on %lld windows\n", v.accuracy,
                (long long)engine.metrics.samples);
    print_class_scores(engine.metrics, data.labels, 2);
    if (clips) {
      std::printf("  %s\n", eval::clip_summary(engine).c_str());
      print_class_scores(clips->metrics, data.labels, 4);
    }
    if (m == 0) {
      report.metrics = engine.metrics;
      report.clips = clips;
    }
    if (o.through_graph) compare_through_graph(o, path, data, choice, engine);

    eval::Report single;
    single.title = msg("Model ", v.name);
    single.class_names = data.labels;
    single.metrics = engine.metrics;
    single.clips = clips;
    single.variants = {v};
    if (m > 0) details += "\n" + eval::to_markdown(single);
    per_model.push_back(nlohmann::json::parse(eval::to_json(single)));
    if (!o.report.empty()) {
      eval::write_report_directory(o.report + "/" + v.name, single);
      eval::write_predictions_csv(o.report + "/" + v.name + "/predictions.csv", data,
                                  choice.split.test, engine);
    }
    results.push_back(
        {{"model", path},
         {"accuracy", v.accuracy},
         {"clip_accuracy", clips ? nlohmann::json(v.clip_accuracy) : nlohmann::json()},
         {"clips", clips ? nlohmann::json(v.clips) : nlohmann::json()},
         {"loss", v.loss},
         {"file_bytes", v.file_bytes},
         {"parameters", v.parameters},
         {"macs", v.macs},
         {"arena_bytes", v.arena_bytes},
         {"latency_us", v.latency_us}});
  }
  if (!o.report.empty()) {
    const std::string extra =
        msg("\nSplit: ", choice.description, ". Latency: mean wall time of ",
            "one engine invoke, one thread, measured over the test windows. ",
            "Accuracy is by window; clip accuracy by clip (mean of the ",
            "probabilities of each clip's windows). Each model's windows, ",
            "with their clip, label, prediction and probabilities, are in ",
            "MODEL/predictions.csv.", "\n\nThe details above are those of ", base_name(o.models[0]),
            "; every other model follows.", preprocess_notes, "\n", details);
    eval::write_report_directory(o.report, report, extra);
    std::printf("report: %s/report.md\n", o.report.c_str());
  }
  const std::string log = eval::run_log_path(o.run_log, o.report);
  if (!log.empty()) {
    nlohmann::json parameters = {
        {"models", o.models}, {"dataset", o.dataset}, {"split", choice.description}};
    eval::append_run_log(log, "eval", parameters.dump(),
                         nlohmann::json{{"models", results}}.dump());
    std::printf("run log: %s\n", log.c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Score model files side by side on a dataset's held-out split with the engine");
  cmd->add_option("models", o->models, "model files (.tflite) to compare")->required();
  cmd->add_option("--dataset", o->dataset, "dataset directory (edgestream dataset APP out=DIR)")
      ->required();
  cmd->add_option("--test-folds", o->test_folds,
                  "folds to test on, e.g. 2 (default: the 20 % split by clip train held out)");
  cmd->add_option("--split", o->split,
                  "test: the held-out split train used (default); all: every labelled window "
                  "of the dataset (data the model never saw, e.g. another person's)")
      ->check(CLI::IsMember({"test", "all"}));
  cmd->add_option("--seed", o->seed, "seed of the split by clip (as given to train)")
      ->check(CLI::Range(0LL, (1LL << 62)));
  cmd->add_option("--report", o->report, "report directory (report.md/.json, confusion.svg)");
  cmd->add_option("--run-log", o->run_log,
                  "JSON Lines run log to append to (default: runs.jsonl beside --report)");
  cmd->add_flag("--through-graph", o->through_graph,
                "also run the test windows' recordings through the deployed real-time graph "
                "and compare its predictions with the shards'");
  cmd->add_option("--app", o->app,
                  "application for --through-graph, by name or path to its graph.toml "
                  "(default: the dataset manifest's)");
  cmd->add_option("--dataset-root", o->dataset_root,
                  "recordings for --through-graph (default: the application's dataset default)");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace edge::cli
