// edgestream optimize MODEL.tflite --dataset DIR (--sequence NAME --app APP | --steps "...;...")
//                     --out OUT.tflite [--test-folds 2] [--report DIR] [--all]
//
// Fine-tunes and converts a trained float32 model by a declared optimization sequence
// (core/learn/optimize/sequence.h): the model is imported for training
// (core/learn/train/import_ir.h), fine-tuned on the dataset's training split with the training
// settings of the app's model.toml (or the flags), converted with the training split as the
// representative dataset, and written with every metadata entry of the input model (labels,
// preprocess, statistics, hash). Prints sizes, weight sparsity and test accuracy before and after;
// every written model is read back with edgestream's reader and run once. With --all every sequence
// of the app is written to OUT (a folder) as <sequence>.tflite, for `edgestream eval`.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "eval/evaluate.h"
#include "nn/classifier.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "optimize/model_metadata.h"
#include "optimize/sequence.h"
#include "store/dataset_reader.h"
#include "tools/edgestream/commands.h"
#include "train/import_ir.h"
#include "train/model_spec.h"

namespace edge::cli {
namespace {

struct Options {
  std::string model_path, dataset, sequence, steps, app, out, report, test_folds, train_model;
  bool all = false;
  bool strip_strings = false;
  float learning_rate = 0.0f;
  int batch_size = 0;
  long long seed = -1;  // -1: model.toml's training seed (1 without --app)
  int threads = 0;
};

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dir(const std::string& path, const char* what) {
  if (is_dir(path)) return;
  if (::mkdir(path.c_str(), 0755) != 0) {
    throw Error(msg(what, " ", path, ": cannot create the folder (", std::strerror(errno), ")"));
  }
}

// Accuracy of a model file's model on `data`, through nn::Classifier as edgeinfer runs it (an
// input of `batch` samples takes that many at once).
double accuracy(const nn::Model& model, const train::Dataset& data) {
  if (data.size() == 0) return std::nan("");
  nn::ClassifierOptions options;
  options.top_k = 0;       // per-sample argmax below
  options.labels = false;  // output 0 holds `batch` samples' classes
  nn::Classifier classifier(model, options);
  const int64_t per_sample = data.x.inner_size();
  const int64_t batch = classifier.input().elements() / per_sample;
  const int64_t classes = model.output(0).elements() / batch;
  classifier.set_stream(DType::kFloat32, classifier.input().shape);
  std::vector<float> batch_values(static_cast<size_t>(classifier.input().elements()));
  int correct = 0;
  for (int64_t start = 0; start < data.size(); start += batch) {
    for (int64_t b = 0; b < batch; ++b) {
      // A short last group repeats its last sample; only real samples are scored.
      const int64_t sample = std::min<int64_t>(start + b, data.size() - 1);
      std::copy_n(data.x.data() + sample * per_sample, per_sample,
                  batch_values.begin() + b * per_sample);
    }
    classifier.classify(batch_values.data());
    const float* scores = classifier.scores().data();
    for (int64_t b = 0; b < batch && start + b < data.size(); ++b) {
      const float* row = scores + b * classes;
      const auto best = std::max_element(row, row + classes) - row;
      correct += best == data.labels[size_t(start + b)];
    }
  }
  return double(correct) / data.size();
}

struct Outcome {
  std::string sequence, path;
  size_t bytes = 0;
  double sparsity = 0.0, accuracy = 0.0;
  std::vector<std::string> float_ops;
  size_t ranges_from_qat = 0;
};

void run(const Options& o) {
  if (o.steps.empty() == (o.sequence.empty() && !o.all)) {
    throw Error("give either --sequence NAME (or --all) with --app APP, or --steps \"...\"");
  }
  if ((!o.sequence.empty() || o.all) && o.app.empty()) {
    throw Error("--sequence and --all need --app APP (the app whose model.toml declares them)");
  }
  // Sequences and training settings.
  std::vector<optimize::Sequence> sequences;
  train::TrainingSpec training;
  if (!o.app.empty()) {
    const std::string model_toml = find_application(o.app).directory + "/model.toml";
    const train::ModelFile file = train::parse_model_file(model_toml);
    training = file.find(o.train_model).training;
    if (!o.steps.empty()) {
      sequences.push_back(optimize::parse_steps(o.steps));
    } else {
      const std::vector<optimize::Sequence> declared = optimize::load_sequences(model_toml);
      std::vector<std::string> names;
      for (const auto& s : declared) names.push_back(s.name);
      for (const auto& s : declared) {
        if (o.all || s.name == o.sequence) sequences.push_back(s);
      }
      if (sequences.empty()) {
        throw Error(msg(model_toml, ": no sequence '", o.sequence,
                        "' in [sequences] (declared: ", names.empty() ? "none" : join(names), ")"));
      }
    }
  } else {
    sequences.push_back(optimize::parse_steps(o.steps));
  }
  // Fine-tuning runs at a constant rate: --learning-rate, else the model file's
  // fine_tune_learning_rate, else its learning_rate.
  if (training.fine_tune_learning_rate > 0.0f)
    training.learning_rate = training.fine_tune_learning_rate;
  if (o.learning_rate > 0.0f) training.learning_rate = o.learning_rate;
  if (o.batch_size > 0) training.batch_size = o.batch_size;
  if (o.threads > 0) training.threads = o.threads;
  if (o.seed >= 0) training.seed = uint64_t(o.seed);
  nn::Model original = nn::read_tflite_file(o.model_path);
  const nn::EdgeMetadata meta = nn::read_edge_metadata(original);
  store::LoadedDataset data = store::read_dataset(o.dataset);

  // Classes: the model's labels (or output width) must be the dataset's.
  const int64_t outputs = original.output(0).elements() / std::max(1, original.input(0).shape[0]);
  if (!meta.labels.empty() && meta.labels != data.labels) {
    throw Error(msg("classes do not match: model ", o.model_path, " has labels [",
                    join(meta.labels), "], dataset ", o.dataset, " has [", join(data.labels), "]"));
  }
  if (outputs != int64_t(data.labels.size())) {
    throw Error(msg("classes do not match: model ", o.model_path, " has ", outputs,
                    " outputs, dataset ", o.dataset, " has ", data.labels.size(), " labels"));
  }
  if (!meta.preprocess.empty() && !data.preprocess.empty() && meta.preprocess != data.preprocess) {
    throw Error(msg("preprocessing differs: model ", o.model_path,
                    " was trained with another preprocess segment than dataset ", o.dataset,
                    " was made with; fine-tune on a dataset made with the model's preprocessing"));
  }

  train::ImportResult imported = train::import_ir(original);
  const Shape sample_shape = imported.model.input_shape();
  if (int64_t(data.window_elements()) != shape_elements(sample_shape)) {
    throw Error(msg("dataset ", o.dataset, " windows hold ", data.window_elements(),
                    " values, model ", o.model_path, " takes ", shape_elements(sample_shape),
                    " per sample (", shape_to_string(sample_shape), ")"));
  }

  store::Split split;
  if (!o.test_folds.empty()) {
    split = store::split_by_folds(data, store::parse_fold_list(o.test_folds, "--test-folds"));
  } else {
    split = store::split_by_clip(data, 0.2, training.seed);
  }
  const std::vector<int64_t> input_shape(sample_shape.begin(), sample_shape.end());
  const train::Dataset train_set = eval::make_train_dataset(data, split.train, input_shape);
  const train::Dataset test_set = eval::make_train_dataset(data, split.test, input_shape);
  std::printf(
      "dataset %s: %zu training windows, %zu test windows (%s)\n", o.dataset.c_str(),
      split.train.size(), split.test.size(),
      o.test_folds.empty() ? "20 % of the clips held out" : ("test folds " + o.test_folds).c_str());

  optimize::SequenceOptions options;
  options.train = &train_set;
  options.fit.batch_size = training.batch_size;
  options.fit.seed = training.seed;
  options.fit.shards = training.shards;
  options.fit.threads = training.threads > 0 ? training.threads : 2;
  options.make_optimizer = [training](float step_learning_rate) {
    train::TrainingSpec step_training = training;
    if (step_learning_rate > 0.0f) step_training.learning_rate = step_learning_rate;
    return train::make_optimizer(step_training);
  };
  options.export_options.batch = imported.batch;
  options.export_options.softmax = imported.softmax;
  options.export_options.description = original.description();
  for (const nn::MetadataEntry& e : original.metadata()) {
    if (e.name == nn::kMinRuntimeVersionName) continue;
    options.export_options.metadata.emplace_back(e.name, e.as_string());
  }
  options.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };

  const size_t bytes_before = size_t(eval::file_size(o.model_path));
  const double accuracy_before = accuracy(original, test_set);
  const double sparsity_before = optimize::weight_sparsity(original);
  std::printf("before: %s, %zu bytes, weight sparsity %.3f, test accuracy %.4f\n",
              o.model_path.c_str(), bytes_before, sparsity_before, accuracy_before);
  if (o.all) make_dir(o.out, "--out");

  std::vector<Outcome> outcomes;
  for (const optimize::Sequence& sequence : sequences) {
    std::printf("sequence '%s' (%zu steps), fine-tuning with %s, learning rate %g, batch %d\n",
                sequence.name.c_str(), sequence.steps.size(), training.optimizer.c_str(),
                double(training.learning_rate), training.batch_size);
    train::ImportResult start = train::import_ir(original);
    optimize::SequenceResult result =
        optimize::run_sequence(std::move(start.model), sequence, options);
    Outcome outcome;
    outcome.sequence = sequence.name;
    outcome.path = o.all ? o.out + "/" + sequence.name + ".tflite" : o.out;
    nn::WriteOptions write_options;
    write_options.strip_strings = o.strip_strings;
    nn::write_tflite_file(result.model, outcome.path, write_options);
    // Check the file with edgestream's own reader: it loads, its metadata verifies, it runs.
    const nn::Model written = nn::read_tflite_file(outcome.path);
    const nn::EdgeMetadata written_meta = nn::read_edge_metadata(written);
    if (written_meta.labels != meta.labels || written_meta.preprocess != meta.preprocess ||
        written_meta.statistics != meta.statistics) {
      throw Error(msg(outcome.path, ": edgestream metadata was not kept"));
    }
    outcome.bytes = size_t(eval::file_size(outcome.path));
    outcome.sparsity = optimize::weight_sparsity(written);
    outcome.accuracy = accuracy(written, test_set);
    outcome.float_ops = result.float_ops;
    outcome.ranges_from_qat = result.ranges_from_qat;
    std::printf(
        "after:  %s, %zu bytes (%.2fx smaller), weight sparsity %.3f, test accuracy "
        "%.4f (%+.4f)\n",
        outcome.path.c_str(), outcome.bytes, double(bytes_before) / double(outcome.bytes),
        outcome.sparsity, outcome.accuracy, outcome.accuracy - accuracy_before);
    outcomes.push_back(outcome);
  }

  if (o.report.empty()) return;
  make_dir(o.report, "--report");
  nlohmann::json j;
  j["model"] = o.model_path;
  j["dataset"] = o.dataset;
  j["split"] = o.test_folds.empty()
                   ? msg("20% of each class's clips held out, seed ", training.seed)
                   : "test folds " + o.test_folds;
  j["train_windows"] = split.train.size();
  j["test_windows"] = split.test.size();
  j["before"] = {{"bytes", bytes_before},
                 {"weight_sparsity", sparsity_before},
                 {"test_accuracy", accuracy_before}};
  j["training"] = {{"optimizer", training.optimizer},
                   {"learning_rate", training.learning_rate},
                   {"batch_size", training.batch_size},
                   {"seed", training.seed}};
  std::string md = "# edgestream optimize\n\nModel `" + o.model_path + "`, dataset `" + o.dataset +
                   "`, split: " + j["split"].get<std::string>() + " (" +
                   std::to_string(split.train.size()) + " training, " +
                   std::to_string(split.test.size()) + " test windows).\n\n" +
                   "| model | steps | bytes | x smaller | weight sparsity | test accuracy |\n" +
                   "|---|---|---:|---:|---:|---:|\n";
  char row[512];
  std::snprintf(row, sizeof(row), "| float (input) | | %zu | 1.00 | %.3f | %.4f |\n", bytes_before,
                sparsity_before, accuracy_before);
  md += row;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& r = outcomes[i];
    std::vector<std::string> steps;
    for (const auto& s : sequences[i].steps) steps.push_back(s.text);
    j["sequences"].push_back({{"name", r.sequence},
                              {"steps", steps},
                              {"path", r.path},
                              {"bytes", r.bytes},
                              {"weight_sparsity", r.sparsity},
                              {"test_accuracy", r.accuracy},
                              {"float_ops", r.float_ops},
                              {"activation_ranges_from_qat", r.ranges_from_qat}});
    std::snprintf(row, sizeof(row), "| %s | `%s` | %zu | %.2f | %.3f | %.4f |\n",
                  r.sequence.c_str(), join(steps).c_str(), r.bytes,
                  double(bytes_before) / double(r.bytes), r.sparsity, r.accuracy);
    md += row;
  }
  std::ofstream(o.report + "/optimize.json") << j.dump(2) << "\n";
  std::ofstream(o.report + "/optimize.md") << md;
  std::printf("report: %s/optimize.md, %s/optimize.json\n", o.report.c_str(), o.report.c_str());
}

}  // namespace

void add_optimize_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "Fine-tune and convert a trained model by a declared optimization sequence (prune, "
      "prune-units, cluster, qat, then float16 / dynamic-range / int8 / int8-only / 16x8)");
  cmd->add_option("model", o->model_path, "trained float32 .tflite model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--dataset", o->dataset, "dataset folder (edgestream dataset) to fine-tune on")
      ->required();
  cmd->add_option("--sequence", o->sequence, "a sequence of the app's model.toml [sequences]");
  cmd->add_option("--app", o->app,
                  "application (name or graph.toml path) whose model.toml gives the sequences "
                  "and the training settings");
  cmd->add_option(
      "--steps", o->steps,
      "steps on the command line, ';'-separated: \"prune sparsity=0.8 epochs=10;int8\"");
  cmd->add_flag("--all", o->all, "write every sequence of the app into the --out folder");
  cmd->add_flag("--strip-strings", o->strip_strings,
                "drop tensor names and the description, as TensorFlow's strip_strings does for "
                "microcontrollers (graph inputs/outputs and metadata keep theirs)");
  cmd->add_option("--out", o->out, "optimized .tflite file (a folder with --all)")->required();
  cmd->add_option("--test-folds", o->test_folds,
                  "folds held out for testing, e.g. 2 or 1,2 (default: 20 % of the clips)");
  cmd->add_option("--report", o->report, "folder for optimize.md and optimize.json");
  cmd->add_option("--train-model", o->train_model,
                  "model of model.toml whose training settings fine-tune (default: its default)");
  cmd->add_option("--learning-rate", o->learning_rate, "fine-tuning learning rate (overrides)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", o->batch_size, "fine-tuning batch size (overrides)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--seed", o->seed,
                  "seed of shuffling, clustering and the split (default: model.toml's, as "
                  "`edgestream train` used)")
      ->check(CLI::Range(0LL, 1LL << 62));
  cmd->add_option("--threads", o->threads, "training threads (default 2)")
      ->check(CLI::Range(1, 256));
  cmd->callback([o] { run(*o); });
}

}  // namespace edge::cli
