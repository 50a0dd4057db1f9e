// edgestream train APP --dataset DIR --out MODEL.tflite [--model NAME]
//                   [--test-folds F | --split none | --cv K [--search NAME,...|all]]
//                   [--epochs N] [--seed S] [--threads T] [--set KEY=VALUE...]
//                   [--report DIR] [--run-log FILE]
//
// Reads a dataset written by `edgestream dataset`, builds the model declared in
// pipelines/APP/model.toml, trains it on both cores, and writes the float32 .tflite with
// edgestream's metadata (labels, the manifest's preprocess segment and statistics, their hash),
// so `edgestream classify` and edgeinfer run it with the preprocessing it was trained on.
// The held-out split is scored with the engine on the file just written (so the report
// describes the deployed artifact, and the export round trip is checked on every run).
//
// --cv K: K-fold cross-validation by clip (the paper's protocol): a fresh network per fold
// (weights seeded seed + fold), the mean test accuracy, the pooled confusion matrix; then the
// written model is trained on every labelled window.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "common/error.h"
#include "eval/evaluate.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "optimize/model_metadata.h"
#include "store/dataset_reader.h"
#include "tools/edgestream/commands.h"
#include "train/export_ir.h"
#include "train/model_spec.h"
#include "train/pretrained.h"
#include "train/trainer.h"

namespace edge::cli {
namespace {

struct TrainOptions {
  std::string app;
  std::string dataset;
  std::string out;
  std::string model;
  std::string test_folds;
  std::string split;   // "" (hold out a test split) or "none" (train on every window)
  std::string search;  // "": the one model; else comma-separated model names or "all"
  int cv = 0;
  int epochs = 0;  // 0: the model file's
  long long seed = -1;
  int threads = 0;
  std::string report;
  std::string run_log;
  std::string noise;  // dataset of background-noise windows for log-mel augmentation
  bool no_augment = false;
  std::vector<std::string> set;  // --set KEY=VALUE: training settings over the model file's
};

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The recording a clip was cut from: the first capture group of `pattern` searched in the
// clip's file name, or the clip itself when the pattern does not match (model_spec.h
// validation_groups; the pattern was checked when the model file was read).
std::function<std::string(const std::string&)> recording_namer(const std::string& pattern) {
  return [expression = std::regex(pattern, std::regex::ECMAScript)](const std::string& clip) {
    const size_t slash = clip.find_last_of('/');
    const std::string name = slash == std::string::npos ? clip : clip.substr(slash + 1);
    std::smatch match;
    if (std::regex_search(name, match, expression) && match[1].matched)
      return "recording " + match[1].str();
    return "clip " + clip;
  };
}

// Gives the layers the model file names their weights from another network (pretrained = {...});
// with `say`, prints which.
void apply_pretrained(train::Model& model, const train::ModelSpec& spec, bool say = false) {
  if (spec.pretrained.empty()) return;
  const nn::Model source = nn::read_tflite_file(spec.pretrained.model);
  train::load_pretrained_weights(model, source, spec.pretrained.layers);
  const auto& layers = spec.pretrained.layers;
  if (say)
    std::printf("pretrained: %zu layers (%s .. %s) from %s\n", layers.size(),
                layers.front().c_str(), layers.back().c_str(), spec.pretrained.model.c_str());
}

struct Trained {
  train::Model model;
  train::History history;
  double seconds = 0.0;
  int train_windows = 0, validation_windows = 0;
};

// Trains a fresh model of `spec` on the windows at `train_indices` (holding out the spec's
// validation_split of their clips to watch val_loss).
Trained train_model(const train::ModelSpec& spec, const train::TrainingSpec& settings,
                    const store::LoadedDataset& data, const std::vector<int64_t>& train_indices,
                    uint64_t init_seed, const std::string& tag) {
  Trained out;
  out.model = train::build_model(spec, int(data.labels.size()));
  out.model.initialize(init_seed);
  apply_pretrained(out.model, spec);
  std::vector<int64_t> fit_indices = train_indices, validation_indices;
  if (settings.validation_split > 0.0) {
    const bool by_recording = !settings.validation_groups.empty();
    const auto recording_of = by_recording ? recording_namer(settings.validation_groups) : nullptr;
    const auto inner =
        by_recording ? store::split_by_recording(data, settings.validation_split, settings.seed + 7,
                                                 recording_of, &train_indices)
                     : store::split_by_clip(data, settings.validation_split, settings.seed + 7,
                                            &train_indices);
    fit_indices = inner.train;
    validation_indices = inner.test;
    if (by_recording) {
      // Say what the pattern found: a pattern that matches no name holds out single clips.
      std::set<std::string> clips, recordings, unmatched;
      for (int64_t i : validation_indices) {
        const std::string& clip = data.clip[size_t(i)];
        if (!clips.insert(clip).second) continue;
        const std::string recording = recording_of(clip);
        recordings.insert(recording);
        if (recording.rfind("clip ", 0) == 0) unmatched.insert(clip);
      }
      std::printf(
          "%svalidation: %zu windows of %zu clips from %zu recordings (validation_groups "
          "\"%s\"; %zu of those clips match no recording and stand alone)\n",
          tag.c_str(), validation_indices.size(), clips.size(), recordings.size(),
          settings.validation_groups.c_str(), unmatched.size());
    }
  }
  std::vector<int64_t> per_class(data.labels.size(), 0);
  for (int64_t i : fit_indices) ++per_class[size_t(data.y[size_t(i)])];
  for (size_t c = 0; c < per_class.size(); ++c)
    if (per_class[c] == 0)
      throw Error(msg(tag, "class \"", data.labels[c], "\" has no window in the training split (",
                      fit_indices.size(),
                      " windows): the split left it out; choose other --test-folds"));
  const train::Dataset fit_data = eval::make_train_dataset(data, fit_indices, spec.input);
  train::Dataset validation;
  if (!validation_indices.empty())
    validation = eval::make_train_dataset(data, validation_indices, spec.input);
  out.train_windows = fit_data.size();
  out.validation_windows = validation.size();

  auto optimizer = train::make_optimizer(settings);
  train::FitOptions fit;
  fit.epochs = settings.epochs;
  fit.batch_size = settings.batch_size;
  fit.shuffle = settings.shuffle;
  fit.seed = settings.seed;
  fit.threads = settings.threads > 0 ? settings.threads
                                     : int(std::max(1u, std::thread::hardware_concurrency()));
  fit.shards = std::max(settings.shards, 1);
  fit.augmentation = settings.augment;
  fit.log_mel = settings.log_mel_augment;
  fit.label_smoothing = settings.label_smoothing;
  fit.ema_momentum = settings.ema_momentum;
  std::unique_ptr<train::OneCycleLr> schedule;
  if (settings.schedule == "one-cycle") {
    train::OneCycleOptions o;
    o.max_lr = settings.learning_rate;
    const int64_t batches = (fit_data.size() + settings.batch_size - 1) / settings.batch_size;
    o.total_steps = std::max<int64_t>(1, batches * settings.epochs);
    o.pct_start = settings.pct_start;
    o.div_factor = settings.div_factor;
    o.final_div_factor = settings.final_div_factor;
    schedule = std::make_unique<train::OneCycleLr>(o);
    fit.schedule = schedule.get();
  }
  if (settings.patience > 0 && validation.size() > 0) {
    fit.early_stopping.patience = settings.patience;
    fit.early_stopping.min_delta = settings.min_delta;
    fit.early_stopping.restore_best_weights = settings.restore_best_weights;
  }
  const auto start = std::chrono::steady_clock::now();
  // A line per epoch for long runs; a line per 10 % of the epochs for many short ones.
  const int every = std::max(1, settings.epochs / 10);
  fit.on_epoch = [&](int epoch, double loss, double accuracy, double val_loss,
                     double val_accuracy) {
    if ((epoch + 1) % every != 0 && epoch + 1 != settings.epochs && settings.epochs > 20) return;
    if (std::isnan(val_loss)) {
      std::printf("%sepoch %d/%d: loss %.4f accuracy %.4f (%.1f s)\n", tag.c_str(), epoch + 1,
                  settings.epochs, loss, accuracy, seconds_since(start));
    } else {
      std::printf(
          "%sepoch %d/%d: loss %.4f accuracy %.4f val_loss %.4f val_accuracy %.4f "
          "(%.1f s)\n",
          tag.c_str(), epoch + 1, settings.epochs, loss, accuracy, val_loss, val_accuracy,
          seconds_since(start));
    }
    std::fflush(stdout);
  };
  train::Trainer trainer(out.model, *optimizer, fit);
  out.history = trainer.fit(fit_data, validation.size() > 0 ? &validation : nullptr);
  out.seconds = seconds_since(start);
  if (out.history.stopped_early)
    std::printf("%searly stop after epoch %zu, best epoch %d restored\n", tag.c_str(),
                out.history.epochs.size(), out.history.best_epoch + 1);
  return out;
}

std::vector<eval::EpochPoint> curve_of(const train::History& history) {
  std::vector<eval::EpochPoint> points;
  for (const auto& e : history.epochs) {
    eval::EpochPoint p;
    p.loss = e.loss;
    p.accuracy = e.accuracy;
    p.val_loss = e.val_loss;
    p.val_accuracy = e.val_accuracy;
    points.push_back(p);
  }
  return points;
}

nlohmann::json settings_json(const train::TrainingSpec& s) {
  return {{"optimizer", s.optimizer},
          {"learning_rate", s.learning_rate},
          {"schedule", s.schedule},
          {"epochs", s.epochs},
          {"batch_size", s.batch_size},
          {"seed", s.seed},
          {"shards", s.shards},
          {"validation_split", s.validation_split},
          {"patience", s.patience},
          {"validation_groups", s.validation_groups},
          {"label_smoothing", s.label_smoothing},
          {"ema_momentum", s.ema_momentum}};
}

std::vector<int64_t> without_ones(const std::vector<int64_t>& shape) {
  std::vector<int64_t> out;
  for (int64_t d : shape)
    if (d != 1) out.push_back(d);
  return out;
}

// A window is reshaped to the model input row-major. That keeps its meaning when the input is
// the flat vector ([180] for 30x6) or the window's own shape with axes of 1 added ([30, 6, 1]);
// any other shape of the same size ([6, 30, 1] for a 30x6 window) mixes time and channels.
void check_window_fits_input(const train::ModelSpec& spec, const std::string& model_path,
                             const store::LoadedDataset& data, const std::string& dataset) {
  const std::vector<int64_t> window(data.window_shape.begin(), data.window_shape.end());
  if (spec.input.size() == 1 || without_ones(spec.input) == without_ones(window)) return;
  const std::string flat = nlohmann::json(window).dump();
  throw Error(msg(model_path, ": model ", spec.name, " input = ", nlohmann::json(spec.input).dump(),
                  " does not match the windows of ", dataset, " (", flat,
                  "): a row-major reshape would mix their axes; declare input = ", flat, " or ",
                  flat.substr(0, flat.size() - 1), ", 1] or the flat [", data.window_elements(),
                  "]"));
}

// A class without windows cannot be learnt, and its output would never be trained.
void check_every_class_has_windows(const store::LoadedDataset& data, const std::string& dataset) {
  std::vector<int64_t> count(data.labels.size(), 0);
  for (int32_t y : data.y)
    if (y >= 0 && size_t(y) < count.size()) ++count[size_t(y)];
  for (size_t c = 0; c < count.size(); ++c)
    if (count[c] == 0)
      throw Error(msg(dataset, ": class \"", data.labels[c], "\" (label index ", c,
                      ") has no labelled windows; record some or remove it from the labels ",
                      nlohmann::json(data.labels).dump()));
}

// Every window of the dataset at `directory` (labels ignored) as a noise bank [K, elements] for
// log-mel augmentation; it must come from the same preprocessing as the training data.
train::Tensor load_noise_bank(const std::string& directory, const store::LoadedDataset& data,
                              const std::string& data_directory) {
  const store::LoadedDataset noise = store::read_dataset(directory);
  if (noise.window_shape != data.window_shape)
    throw Error(msg("--noise ", directory, ": its windows are ",
                    nlohmann::json(noise.window_shape).dump(), ", the training windows of ",
                    data_directory, " are ", nlohmann::json(data.window_shape).dump()));
  if (noise.preprocess != data.preprocess)
    throw Error(msg("--noise ", directory, ": made by another preprocessing (\"", noise.preprocess,
                    "\") than ", data_directory, " (\"", data.preprocess,
                    "\"): make it with the same application's dataset mode"));
  if (noise.size() == 0) throw Error(msg("--noise ", directory, ": the dataset has no windows"));
  const int64_t elements = int64_t(noise.window_elements());
  train::Tensor bank({int(noise.size()), int(elements)});
  std::copy(noise.x.begin(), noise.x.end(), bank.data());
  std::printf("noise bank: %lld windows from %s\n", (long long)noise.size(), directory.c_str());
  return bank;
}

// Cross-validation result of one model, for --search.
struct CvScore {
  double mean = 0.0, std = 0.0;
};

// Trains o.model as the options say. With `cv_only` (needs o.cv), returns after the
// cross-validation with its score, writing nothing. `search_markdown` goes into the report
// before the cross-validation section.
void train_one(const TrainOptions& o, const std::string& search_markdown, CvScore* cv_only) {
  const auto start = std::chrono::steady_clock::now();
  const graph::GraphDefinition app = find_application(o.app);
  const std::string model_path = app.directory + "/model.toml";
  const train::ModelFile file = train::parse_model_file(model_path, {o.model, o.set});
  const train::ModelSpec& spec = file.find(o.model);

  store::LoadedDataset data = store::read_dataset(o.dataset);
  if (data.parameters.contains("app") && data.parameters["app"].is_string() &&
      data.parameters["app"].get<std::string>() != app.name)
    throw Error(msg(o.dataset, " was made by application \"",
                    data.parameters["app"].get<std::string>(), "\", not \"", app.name,
                    "\": train with `edgestream train ", data.parameters["app"].get<std::string>(),
                    "` or make the dataset with `edgestream dataset ", app.name, "`"));
  if (data.labels.size() < 2)
    throw Error(msg(o.dataset, ": ", data.labels.size(),
                    " labelled class(es); a classifier needs at least 2"));
  for (size_t i = 0; i < data.labels.size(); ++i)
    if (data.labels[i].empty())
      throw Error(msg(o.dataset, ": label index ", i, " has no name (labels ",
                      nlohmann::json(data.labels).dump(), ")"));
  if (spec.input_elements() != int64_t(data.window_elements()))
    throw Error(
        msg(model_path, ": model ", spec.name, " takes input ", nlohmann::json(spec.input).dump(),
            " (", spec.input_elements(), " values) but the windows of ", o.dataset, " are ",
            nlohmann::json(data.window_shape).dump(), " (", data.window_elements(), " values)"));

  check_window_fits_input(spec, model_path, data, o.dataset);
  check_every_class_has_windows(data, o.dataset);

  train::TrainingSpec settings = spec.training;
  if (o.epochs > 0) settings.epochs = o.epochs;
  if (o.seed >= 0) settings.seed = uint64_t(o.seed);
  if (o.threads > 0) settings.threads = o.threads;
  if (o.no_augment) {
    settings.augment = train::ImuAugmentation{};
    settings.log_mel_augment = train::LogMelAugmentation{};
  }
  train::Tensor noise_bank;
  if (!o.noise.empty()) {
    if (settings.log_mel_augment.noise_probability <= 0.0f)
      throw Error(msg("--noise ", o.noise, ": model ", spec.name, " in ", model_path,
                      " mixes no noise (its training augment table has no noise_probability "
                      "> 0, or --no-augment was given)"));
    noise_bank = load_noise_bank(o.noise, data, o.dataset);
  }
  if (settings.log_mel_augment.noise_probability > 0.0f) {
    if (o.noise.empty())
      throw Error(msg(model_path, ": model ", spec.name, ": augment noise_probability ",
                      settings.log_mel_augment.noise_probability,
                      " mixes background noise: give --noise DIR, a dataset of noise clips "
                      "made by `edgestream dataset ",
                      app.name, "` (e.g. layout=folders on a folder of recordings)"));
    settings.log_mel_augment.noise = &noise_bank;
  }
  // Settings that cannot train (batch normalization with batch_size 1, ...) are refused now,
  // naming the model file, not after a fold has run.
  try {
    train::Model probe = train::build_model(spec, int(data.labels.size()));
    apply_pretrained(probe, spec, /*say=*/true);
    auto optimizer = train::make_optimizer(settings);
    train::FitOptions fit;
    fit.epochs = settings.epochs;
    fit.batch_size = settings.batch_size;
    fit.shards = std::max(settings.shards, 1);
    fit.augmentation = settings.augment;
    fit.log_mel = settings.log_mel_augment;
    train::Trainer check(probe, *optimizer, fit);
    // A layer the exporter cannot map (a batch normalization that follows no weighted layer)
    // would only fail after training: export the untrained model once now.
    train::export_ir(probe);
  } catch (const Error& e) {
    throw Error(msg(model_path, ": model ", spec.name, ": ", e.what()));
  }
  std::printf("model %s (%s) from %s, %d classes %s; dataset %s: %lld windows %s\n",
              spec.name.c_str(), spec.description.c_str(), model_path.c_str(),
              int(data.labels.size()), nlohmann::json(data.labels).dump().c_str(),
              o.dataset.c_str(), (long long)data.size(),
              nlohmann::json(data.window_shape).dump().c_str());
  if (!o.set.empty())
    std::printf("training settings over %s: %s\n", model_path.c_str(),
                nlohmann::json(o.set).dump().c_str());
  std::fflush(stdout);

  eval::Report report;
  report.class_names = data.labels;
  std::string split_text, extra_markdown;
  nlohmann::json results = nlohmann::json::object();
  std::vector<int64_t> final_indices;
  std::vector<int64_t> test_indices;
  Trained final_model;

  if (o.cv > 0) {
    if (!o.test_folds.empty()) throw Error("--cv and --test-folds exclude each other");
    if (!o.split.empty()) throw Error("--cv and --split exclude each other");
    const auto splits = store::cross_validation_by_clip(data, o.cv, settings.seed);
    std::vector<int32_t> pooled_truth, pooled_predicted;
    std::vector<double> accuracies;
    extra_markdown += search_markdown;
    extra_markdown += msg("\n## Cross-validation\n\n", o.cv,
                          "-fold cross-validation by clip, stratified by class (seed ",
                          settings.seed, "); a fresh network per fold.\n\n",
                          "| fold | train windows | test windows | test accuracy | seconds |\n",
                          "|---:|---:|---:|---:|---:|\n");
    nlohmann::json folds = nlohmann::json::array();
    for (int k = 0; k < o.cv; ++k) {
      const std::string tag = msg("[fold ", k + 1, "/", o.cv, "] ");
      Trained fold = train_model(spec, settings, data, splits[size_t(k)].train,
                                 settings.seed + uint64_t(k), tag);
      auto optimizer = train::make_optimizer(settings);
      train::FitOptions eval_options;
      train::Trainer evaluator(fold.model, *optimizer, eval_options);
      const train::Dataset test =
          eval::make_train_dataset(data, splits[size_t(k)].test, spec.input);
      const auto predicted = evaluator.predict(test);
      int correct = 0;
      for (size_t i = 0; i < predicted.size(); ++i) {
        correct += predicted[i] == test.labels[i];
        pooled_truth.push_back(test.labels[i]);
        pooled_predicted.push_back(predicted[i]);
      }
      const double accuracy = double(correct) / double(predicted.size());
      accuracies.push_back(accuracy);
      std::printf("%stest accuracy %.4f (%d/%zu) in %.1f s\n", tag.c_str(), accuracy, correct,
                  predicted.size(), fold.seconds);
      std::fflush(stdout);
      extra_markdown += msg("| ", k + 1, " | ", fold.train_windows, " | ", test.size(), " | ",
                            fixed(accuracy, 4), " | ", fixed(fold.seconds, 1), " |\n");
      folds.push_back({{"fold", k + 1},
                       {"train_windows", fold.train_windows},
                       {"test_windows", test.size()},
                       {"test_accuracy", accuracy},
                       {"seconds", fold.seconds}});
    }
    double mean = 0.0;
    for (double a : accuracies) mean += a / double(accuracies.size());
    double var = 0.0;
    for (double a : accuracies) var += (a - mean) * (a - mean) / double(accuracies.size());
    std::printf("cross-validation: mean test accuracy %.4f (std %.4f) over %d folds\n", mean,
                std::sqrt(var), o.cv);
    if (cv_only) {
      cv_only->mean = mean;
      cv_only->std = std::sqrt(var);
      return;
    }
    extra_markdown += msg("\nMean test accuracy: **", fixed(mean, 4), "** (population std ",
                          fixed(std::sqrt(var), 4), "). The metrics above pool the ", o.cv,
                          " folds' test predictions (every clip tested once); the written model "
                          "is then trained on every labelled window.\n");
    results["cv_folds"] = folds;
    results["cv_mean_accuracy"] = mean;
    results["cv_std_accuracy"] = std::sqrt(var);
    report.metrics = eval::compute_metrics(pooled_truth, pooled_predicted, int(data.labels.size()));
    split_text = msg(o.cv, "-fold cross-validation by clip (seed ", settings.seed,
                     "), final model on all windows");
    for (int64_t i = 0; i < data.size(); ++i)
      if (data.y[size_t(i)] >= 0) final_indices.push_back(i);
  } else if (o.split == "none") {
    if (!o.test_folds.empty()) throw Error("--split none and --test-folds exclude each other");
    for (int64_t i = 0; i < data.size(); ++i)
      if (data.y[size_t(i)] >= 0) final_indices.push_back(i);
    split_text = msg("no test split: every labelled window (", final_indices.size(),
                     ") trains; score it with `edgestream eval MODEL --dataset OTHER --split all`");
  } else {
    const eval::SplitChoice choice = eval::choose_split(data, o.test_folds, 0.2, settings.seed);
    split_text = choice.description;
    final_indices = choice.split.train;
    test_indices = choice.split.test;
  }
  std::printf("split: %s\n", split_text.c_str());
  std::fflush(stdout);

  final_model =
      train_model(spec, settings, data, final_indices, settings.seed, o.cv > 0 ? "[final] " : "");
  report.history = curve_of(final_model.history);

  // The float32 file with edgestream's metadata.
  train::ExportOptions export_options;
  export_options.description = msg("edgestream train ", app.name, " model ", spec.name);
  nn::Model ir = train::export_ir(final_model.model, export_options);
  nn::EdgeMetadata metadata;
  metadata.labels = data.labels;
  metadata.preprocess = data.preprocess;
  metadata.statistics = data.statistics;
  nn::Model with_metadata = optimize::with_edge_metadata(ir, metadata);
  nn::write_tflite_file(with_metadata, o.out);
  // Read the file back: the report scores what was written.
  const nn::Model written = nn::read_tflite_file(o.out);
  const auto written_metadata = nn::read_edge_metadata(written);
  if (written_metadata.labels != data.labels)
    throw Error(msg(o.out, ": labels did not survive the write"));

  eval::Variant variant;
  variant.name = "float32";
  variant.file_bytes = eval::file_size(o.out);
  variant.parameters = eval::parameter_count(written);
  if (!test_indices.empty()) {
    const eval::EngineResult engine = eval::run_engine(written, data, test_indices);
    report.metrics = engine.metrics;
    report.clips = eval::clip_section(engine);
    variant.accuracy = engine.metrics.accuracy;
    variant.loss = engine.metrics.loss;
    variant.macs = engine.macs;
    variant.arena_bytes = engine.arena_bytes;
    variant.latency_us = engine.latency_us;
    // The trainer's own predictions on the same windows must agree with the file's.
    auto optimizer = train::make_optimizer(settings);
    train::FitOptions eval_options;
    train::Trainer evaluator(final_model.model, *optimizer, eval_options);
    const auto trainer_predicted =
        evaluator.predict(eval::make_train_dataset(data, test_indices, spec.input));
    int differ = 0;
    for (size_t i = 0; i < trainer_predicted.size(); ++i)
      differ += trainer_predicted[i] != engine.predicted[i];
    std::printf(
        "test: accuracy %.4f, loss %.4f on %zu windows (engine on %s; %d predictions "
        "differ from the trainer's)\n",
        engine.metrics.accuracy, engine.metrics.loss, test_indices.size(), o.out.c_str(), differ);
    if (report.clips) {
      variant.clip_accuracy = report.clips->metrics.accuracy;
      variant.clips = report.clips->metrics.samples;
      std::printf("test %s\n", eval::clip_summary(engine).c_str());
      results["test_clip_accuracy"] = variant.clip_accuracy;
      results["test_clips"] = variant.clips;
    }
    results["test_accuracy"] = engine.metrics.accuracy;
    results["test_loss"] = engine.metrics.loss;
    results["test_windows"] = test_indices.size();
    results["predictions_differing_from_trainer"] = differ;
  } else {
    variant.accuracy = report.metrics.accuracy;
  }
  report.variants.push_back(variant);
  report.title = msg("edgestream train ", app.name, ": model ", spec.name);
  std::printf("wrote %s (%lld bytes, %lld parameters) in %.1f s\n", o.out.c_str(),
              (long long)variant.file_bytes, (long long)variant.parameters, seconds_since(start));

  results["file_bytes"] = variant.file_bytes;
  results["parameters"] = variant.parameters;
  results["train_windows"] = final_model.train_windows;
  results["validation_windows"] = final_model.validation_windows;
  results["epochs_run"] = final_model.history.epochs.size();
  results["stopped_early"] = final_model.history.stopped_early;
  results["train_seconds"] = final_model.seconds;
  if (!final_model.history.epochs.empty()) {
    results["final_train_loss"] = final_model.history.epochs.back().loss;
    results["final_train_accuracy"] = final_model.history.epochs.back().accuracy;
  }
  nlohmann::json parameters = {{"app", app.name},
                               {"model", spec.name},
                               {"model_file", model_path},
                               {"dataset", o.dataset},
                               {"out", o.out},
                               {"split", split_text},
                               {"training", settings_json(settings)},
                               {"set", o.set}};

  if (!o.report.empty()) {
    extra_markdown =
        msg("\n## Run\n\n- split: ", split_text, "\n- dataset: `", o.dataset, "`\n- model: `",
            spec.name, "` from `", model_path, "`\n- training: `", settings_json(settings).dump(),
            "`\n- epochs run: ", final_model.history.epochs.size(),
            final_model.history.stopped_early ? " (early stop)" : "", ", training time ",
            fixed(final_model.seconds, 1), " s\n") +
        extra_markdown;
    eval::write_report_directory(o.report, report, extra_markdown);
    std::printf("report: %s/report.md\n", o.report.c_str());
  }
  const std::string log = eval::run_log_path(o.run_log, o.report);
  if (!log.empty()) {
    eval::append_run_log(log, "train", parameters.dump(), results.dump());
    std::printf("run log: %s\n", log.c_str());
  }
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    if (comma > begin) names.push_back(text.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return names;
}

// --search: K-fold cross-validation of each named model (same folds, same seed), then the
// best mean (the first listed on a tie) is trained and written as usual, its report holding
// the table of every candidate. The winner's cross-validation runs again for its own report
// (same seed and folds, so the same numbers).
void run_train(const TrainOptions& o) {
  if (o.search.empty()) return train_one(o, "", nullptr);
  if (o.cv < 2) throw Error("--search compares models by cross-validation: give --cv K");
  if (!o.model.empty()) throw Error("--search and --model exclude each other");
  const graph::GraphDefinition app = find_application(o.app);
  const train::ModelFile file = train::parse_model_file(app.directory + "/model.toml");
  std::vector<std::string> names;
  if (o.search == "all") {
    for (const auto& m : file.models) names.push_back(m.name);
  } else {
    names = split_names(o.search);
    for (const auto& name : names) file.find(name);  // an unknown name fails before training
  }
  if (names.empty()) throw Error("--search: no model names given (NAME,NAME,... or all)");
  std::vector<CvScore> scores;
  size_t best = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    TrainOptions candidate = o;
    candidate.model = names[i];
    candidate.search.clear();
    std::printf("search: model %s (%zu/%zu)\n", names[i].c_str(), i + 1, names.size());
    std::fflush(stdout);
    CvScore score;
    train_one(candidate, "", &score);
    scores.push_back(score);
    if (score.mean > scores[best].mean) best = i;
  }
  std::string table =
      msg("\n## Model search\n\n", o.cv, "-fold cross-validation of each candidate of ", file.path,
          " (same folds and seed); the best mean is trained and written.\n\n",
          "| model | mean test accuracy | std |\n|---|---:|---:|\n");
  std::printf("search: %d-fold cross-validation\n", o.cv);
  for (size_t i = 0; i < names.size(); ++i) {
    std::printf("  %-24s %.4f (std %.4f)%s\n", names[i].c_str(), scores[i].mean, scores[i].std,
                i == best ? "  <- written" : "");
    table += msg("| ", i == best ? "**" + names[i] + "**" : names[i], " | ",
                 fixed(scores[i].mean, 4), " | ", fixed(scores[i].std, 4), " |\n");
  }
  std::fflush(stdout);
  TrainOptions winner = o;
  winner.model = names[best];
  winner.search.clear();
  train_one(winner, table, nullptr);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train an application's model (pipelines/APP/model.toml) on a dataset and write "
      "the float32 .tflite with its labels and preprocessing");
  cmd->add_option("app", o->app, "application name or path to its graph.toml")->required();
  cmd->add_option("--dataset", o->dataset, "dataset directory (edgestream dataset APP out=DIR)")
      ->required();
  cmd->add_option("--out", o->out, "model file to write (.tflite, float32)")->required();
  cmd->add_option("--model", o->model, "model name in model.toml (default: the file's default)");
  cmd->add_option("--test-folds", o->test_folds,
                  "folds held out for testing, e.g. 2 or 1,2 (default: 20 % of each class's "
                  "clips, by clip)");
  cmd->add_option("--split", o->split,
                  "none: train on every labelled window, hold nothing out (score the model "
                  "with `edgestream eval --split all` on other data)")
      ->check(CLI::IsMember({"none"}));
  cmd->add_option("--search", o->search,
                  "NAME,NAME,... or all: cross-validate each model of the model file (with "
                  "--cv K) and write the best, with the table of all in the report");
  cmd->add_option("--cv", o->cv, "K-fold cross-validation by clip, then train on everything")
      ->check(CLI::Range(2, 100));
  cmd->add_option("--epochs", o->epochs, "epochs (default: the model file's)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", o->seed, "seed of the split, initialization and shuffling")
      ->check(CLI::Range(0LL, (1LL << 62)));
  cmd->add_option("--threads", o->threads, "training threads (default: every core)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--report", o->report,
                  "report directory (report.md/.json, training_curves.svg, confusion.svg)");
  cmd->add_option("--run-log", o->run_log,
                  "JSON Lines run log to append to (default: runs.jsonl beside --report)");
  cmd->add_option("--noise", o->noise,
                  "dataset of background-noise clips (edgestream dataset APP, e.g. "
                  "layout=folders) mixed into training windows by the model's log-mel augment "
                  "table (noise_probability, noise_snr_db)");
  cmd->add_option("--set", o->set,
                  "KEY=VALUE: a training setting over the model file's [models.NAME.training] "
                  "(repeatable; augment.KEY for one key of its augment table), e.g. --set "
                  "learning_rate=0.005 --set schedule=one-cycle --set augment.mixup=0.4");
  cmd->add_flag("--no-augment", o->no_augment,
                "train without the model file's augmentation (to measure what it brings)");
  cmd->callback([o] { run_train(*o); });
}

}  // namespace edge::cli
