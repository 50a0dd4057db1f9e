// What `edgestream train` and `edgestream eval` share: picking the test split of a dataset,
// turning dataset windows into trainer batches, running a model file with the engine over a
// split (metrics, latency, arena, MACs), checking labels, and writing report directories.
// Errors are edge::Error for a person to read. Functions are reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/clip_scores.h"
#include "eval/metrics.h"
#include "eval/report.h"
#include "nn/model.h"
#include "store/dataset_reader.h"
#include "train/trainer.h"

namespace edge::eval {

// The held-out split a command runs on, and how it was chosen (for reports and the run log).
struct SplitChoice {
  store::Split split;
  std::string description;  // e.g. "test folds [2] (1750 windows), train on the rest"
};

// `test_folds` non-empty ("2", "1,2"): split_by_folds. Empty: a stratified split by clip
// holding out `test_fraction` of each class's clips (seeded). Without needs_training (eval,
// which trains nothing) the test folds may hold every window of the dataset.
SplitChoice choose_split(const store::LoadedDataset& data, const std::string& test_folds,
                         double test_fraction, uint64_t seed, bool needs_training = true);

// The windows at `indices` as trainer samples of shape [n] + input_shape (values copied in
// row-major order: a window whose element count equals the input's is reshaped to it).
// Throws naming both shapes when the element counts differ.
train::Dataset make_train_dataset(const store::LoadedDataset& data,
                                  const std::vector<int64_t>& indices,
                                  const std::vector<int64_t>& input_shape);

// Refuses a model whose labels differ from the dataset's, naming both lists.
void check_labels(const std::vector<std::string>& model_labels, const std::string& model_name,
                  const std::vector<std::string>& dataset_labels, const std::string& dataset_dir);

struct EngineResult {
  eval::Metrics metrics;             // by window
  std::vector<int32_t> predicted;    // per window
  std::vector<float> probabilities;  // [windows x classes], the output as the engine gave it
  // By clip (late fusion, clip_scores.h) over the clips of the scored windows; unset when a
  // window has no clip id.
  std::optional<eval::ClipScores> clips;
  double latency_us = 0.0;  // mean wall time of one invoke (single thread), measured
  int64_t arena_bytes = -1;
  int64_t macs = -1;
};

// Runs `model` (one float32, int8 or int16 input of one window, softmax output of the classes)
// with the engine on the windows at `indices` through nn::Classifier, as edgeinfer does: int8
// and int16 inputs are quantized with the input's parameters (round half away from zero) and
// outputs dequantized with theirs. Loss is the cross-entropy of the output probabilities
// clipped at 1e-7, as Keras's. Windows are also scored by clip (mean of the probabilities of
// each clip's windows, clip_scores.h). Throws naming the model when its input does not hold a
// window.
EngineResult run_engine(const nn::Model& model, const store::LoadedDataset& data,
                        const std::vector<int64_t>& indices);

// The report's clip section from an engine result (unset without clip scores).
std::optional<Report::ClipSection> clip_section(const EngineResult& result);

// Writes the engine's per-window output as CSV: window (dataset index), clip, fold, label,
// predicted, then one probability column per class (p_<label>), one row per scored window in
// the order of `indices`. Throws naming the path.
void write_predictions_csv(const std::string& path, const store::LoadedDataset& data,
                           const std::vector<int64_t>& indices, const EngineResult& result);

// The line printed after a model's window figures, e.g. "by clip: accuracy 0.6520 on 250 clips
// (7 windows per clip, ...)", or "" without clip scores.
std::string clip_summary(const EngineResult& result);

// Weights and biases of the CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED operators.
int64_t parameter_count(const nn::Model& model);

// Writes report.md, report.json, confusion.svg and (with history) training_curves.svg into
// `directory` (created), plus `extra_markdown` appended to report.md.
void write_report_directory(const std::string& directory, const eval::Report& report,
                            const std::string& extra_markdown = "");

// The run log path: `explicit_path` when given, else runs.jsonl in the parent of
// report_directory, else "" (no log).
std::string run_log_path(const std::string& explicit_path, const std::string& report_directory);

// Size of a file in bytes; throws naming it.
int64_t file_size(const std::string& path);

}  // namespace edge::eval
