// Declared optimization sequences: an ordered list of steps that take a
// trained model to the optimized model file, as written in the `[sequences]`
// table of pipelines/<app>/model.toml or on the command line:
//
//   [sequences]
//   int8 = ["int8"]
//   pruned-int8 = ["prune sparsity=0.8 epochs=10", "int8"]
//   clustered-qat = ["cluster clusters=16 epochs=5", "qat epochs=5", "int8-only"]
//
// A step is a name and `key=value` settings separated by spaces. Training
// steps (each fine-tunes on the training split for its `epochs`):
//   prune        magnitude pruning on TF-MOT's polynomial schedule (pruning.h):
//                sparsity (required, [0, 1)), epochs (10), begin and end (epochs
//                at which the schedule starts and reaches `sparsity`; 0 and
//                `epochs`), initial (0, initial sparsity), frequency (1, mask
//                updates every N optimizer steps), power (3).
//   prune-units  structured pruning (pruning.h remove_units): fraction (required,
//                [0, 1)) of the units of every Dense and Conv2D layer that can be
//                rewritten, Fire modules' squeeze and expand layers included (the
//                logits layer keeps its units, and the log says so); epochs (5).
//                The written model is truly smaller.
//   cluster      weight clustering (clustering.h): clusters (required, >= 1),
//                epochs (5), init (kmeans++ or linear).
//   qat          quantization-aware training (qat.h): epochs (5). Weights that are
//                exactly zero when it starts (pruned) stay zero. Its FakeQuant
//                ranges become the int8 activation parameters of a following
//                int8, int8-only or 16x8 conversion (PtqOptions::activation_ranges).
//                No training step may follow it.
// Every training step also takes distill (0: off; in (0, 1]: the weight of
// knowledge distillation from the model as the sequence received it, whose
// logits on the training split become soft targets: loss.h) and temperature
// (2, > 0): a pruned or quantized network then learns to match the float
// model's outputs, not only the labels.
// then at most one conversion, last: float32, float16, dynamic-range, int8
// (full integer with float fallback), int8-only (int8 in and out), 16x8. A
// sequence without one ends as float32. The calibrated ones (int8, int8-only,
// 16x8) take samples (SequenceOptions::representative_samples: how many
// training samples, evenly spaced, calibrate) and percentile (100: min/max as
// TensorFlow's converter; below, in (50, 100), each activation's range keeps
// that percentile of its values: calibration.h).
//
// Errors (edge::Error naming the sequence, the step as written and the key):
// unknown step or key, a missing required key, a value that is not a number
// or is out of range (sparsity 1.5, clusters 0, percentile 40), two conversions, a step after
// the conversion, a training step after qat, an empty sequence.
// Thread safety: parsing is reentrant; run_sequence() uses the model it is
// given and the trainer's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/model.h"
#include "optimize/calibration.h"
#include "optimize/ptq.h"
#include "train/clustering.h"
#include "train/export_ir.h"
#include "train/model.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace edge::optimize {

enum class StepKind { kPrune, kPruneUnits, kCluster, kQat, kConvert };
enum class Conversion { kFloat32, kFloat16, kDynamicRange, kInt8, kInt8Only, kInt16x8 };

// "float32", "float16", "dynamic-range", "int8", "int8-only", "16x8".
const char* conversion_name(Conversion conversion);

struct SequenceStep {
  StepKind kind = StepKind::kConvert;
  std::string text;  // as declared, for messages and reports
  int epochs = 0;    // fine-tuning epochs of a training step
  // prune
  float sparsity = 0.0f, initial_sparsity = 0.0f, power = 3.0f;
  int begin_epoch = 0, end_epoch = -1;  // -1: `epochs`
  int64_t frequency = 1;
  // prune-units
  float fraction = 0.0f;
  // cluster
  int clusters = 0;
  train::CentroidInit init = train::CentroidInit::kKMeansPlusPlus;
  // every training step: knowledge distillation from the starting model, and
  // the step's own learning rate (0: SequenceOptions::make_optimizer's default)
  float distill = 0.0f, temperature = 2.0f;
  float learning_rate = 0.0f;
  // convert
  Conversion conversion = Conversion::kFloat32;
  int calibration_samples = 0;  // 0: SequenceOptions::representative_samples
  double percentile = 100.0;
};

struct Sequence {
  std::string name;
  std::vector<SequenceStep> steps;
  // The final conversion (float32 when the sequence declares none).
  Conversion conversion() const;
  bool has_qat() const;
};

// Parses and validates the steps of sequence `name`.
Sequence parse_sequence(const std::string& name, const std::vector<std::string>& steps);
// The command line form: steps separated by ';' ("prune sparsity=0.5;int8").
Sequence parse_steps(const std::string& semicolon_separated, const std::string& name = "--steps");
// Every sequence of the `[sequences]` table of a model.toml file, in file
// order; an empty list when the file has no such table. Throws edge::Error
// naming the file (and line) for a missing or unparsable file, a value that is
// not an array of strings, and every parse_sequence() error.
std::vector<Sequence> load_sequences(const std::string& toml_path);

// The FakeQuant ranges of a QAT model (qat.h), keyed by the name of the IR
// tensor each one quantizes when the model goes through export_ir ("input"
// for the graph input, else the layer whose output the tensor holds).
std::map<std::string, TensorRange> qat_activation_ranges(const train::Model& qat_model);

// Fraction of weight values that are exactly zero over the weights (input 1)
// of every FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D of a model (float32,
// float16 or int8); 0 when it has none.
double weight_sparsity(const nn::Model& model);

struct SequenceOptions {
  const train::Dataset* train = nullptr;  // fine-tuning data; also the representative set
  train::FitOptions fit;                  // batch_size, seed, threads, shards (epochs per step)
  // A fresh optimizer for each training step, at `learning_rate` (a step's lr=)
  // or, when that is 0, at the caller's default; defaults to Adam, 1e-4.
  std::function<std::unique_ptr<train::Optimizer>(float learning_rate)> make_optimizer;
  train::ExportOptions export_options;  // batch, softmax, labels and metadata of the output
  size_t representative_samples = 300;  // at most, evenly spaced over the training split
  PtqOptions ptq;                       // per_channel_dense, float_ops; mode set by the step
  std::function<void(const std::string&)> log;  // one line per event; may be empty
};

struct SequenceResult {
  train::Model trained;  // the model after the training steps (FakeQuant layers after qat)
  nn::Model model;       // the converted model, with ExportOptions' metadata
  std::vector<std::string> float_ops;  // ops a full-integer conversion kept float32
  size_t ranges_from_qat = 0;          // activation tensors whose int8 range came from QAT
};

// Runs `sequence` on `model` (built, trained). Throws edge::Error naming the
// sequence and step for anything that fails (an invalid model for a step, no
// training data for a training step, a conversion the model cannot take).
SequenceResult run_sequence(train::Model model, const Sequence& sequence,
                            const SequenceOptions& options);

}  // namespace edge::optimize
