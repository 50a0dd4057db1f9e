// Model architectures and training settings declared in a file: pipelines/<app>/model.toml.
//
// File format (TOML; every key is checked, an unknown one is an error naming it and the file):
//
//   default = "dense"                      # the model `edgestream train` uses without --model
//
//   [models.dense]
//   description = "The paper's 180-50-15-N network"
//   input = [180]                          # the model's input shape (no batch axis); a dataset
//                                          # window with the same number of values is reshaped
//                                          # to it row-major (30x6 -> 180, 173x173 -> 173x173x1)
//   layers = [
//     { type = "dense", units = 50, activation = "relu" },
//     { type = "dense", units = "classes" },   # "classes": the dataset's number of classes
//   ]
//
//   [models.dense.training]
//   optimizer = "rmsprop"                  # sgd | rmsprop | adam
//   learning_rate = 0.001
//   epochs = 600
//   batch_size = 1
//
// Layer types and their keys (defaults in brackets; `name` is optional on every layer and
// names it in the model and in the exported file, default "<type>_<position>"):
//   dense             units (int or "classes"), activation [none], use_bias [true]
//   conv2d            filters (int or "classes"), kernel (int or [h, w]), stride [1],
//                     padding [valid] (valid | same), activation [none], use_bias [true]
//   depthwise_conv2d  kernel, stride [1], padding [valid], depth_multiplier [1],
//                     activation [none], use_bias [true]
//   max_pool2d, avg_pool2d   pool (int or [h, w]), stride [pool], padding [valid]
//   global_avg_pool   (no keys): [H, W, C] -> [C]
//   flatten           (no keys)
//   dropout           rate in [0, 1)
//   batchnorm         momentum [0.99], epsilon [0.001]
//   relu, relu6       (no keys)
//   fire              squeeze, expand: SqueezeNet Fire module (squeeze 1x1 + ReLU, expand 1x1
//                     and 3x3 SAME + ReLUs, concatenated), architectures.h add_fire_module
//   activation = relu | relu6 | none adds that layer after a dense/conv/depthwise layer.
//
// Training keys ([models.NAME.training]; defaults in brackets):
//   optimizer [adam]; learning_rate [0.001]; momentum [0], nesterov [false] (sgd);
//   rho [0.9] (rmsprop); beta1 [0.9], beta2 [0.999] (adam); epsilon [1e-7] (rmsprop, adam);
//   schedule [constant] (constant | one-cycle: learning_rate is then the peak rate, with
//   pct_start [0.3], div_factor [25], final_div_factor [1e4]);
//   epochs [10]; batch_size [32]; seed [1]; threads [0: every core]; shards [2] (data-parallel
//   slices per batch, trainer.h); shuffle [true];
//   validation_split [0: none] (fraction of the training clips held out, by clip, to watch
//   val_loss); validation_groups [""]: a regular expression (ECMAScript) searched in each
//   clip's name whose first capture group names the recording the clip was cut from, so that
//   clips of one recording are held out together ("^([0-9]+)-" for UrbanSound8K's
//   fsID-class-occurrence-slice names; a name it does not match is its own recording);
//   patience [0: no early stopping]; min_delta [0]; restore_best_weights [true];
//   label_smoothing [0] in [0, 1): targets (1 - e) one-hot + e / classes;
//   ema_momentum [0: off] in [0, 1): an exponential moving average of the weights, updated
//   after every step (Keras' use_ema / ema_momentum), is what validation, early stopping and
//   the exported model use, with BatchNorm statistics recomputed for it;
//   fine_tune_learning_rate [0: learning_rate]: the constant rate of `edgestream optimize`'s
//   training steps (prune, prune-units, cluster, qat), which start from a trained model and
//   want a rate well below a one-cycle peak.
//   augment [none]: IMU augmentation of the training samples (augment.h), an inline table
//   { channels = 6, time_shift = 8, scale = 0.1, rotation_degrees = 10, noise = 0.01,
//   center = 0.5 } (every key optional: channels 6, center 0, the rest 0 = off); or, with
//   type = "log-mel", log-mel augmentation (audio_augment.h) of windows read as frames (the
//   input's first axis) x bands: { type = "log-mel", time_shift = 4 (frames), freq_shift = 2
//   (bands), gain_db = 6,
//   noise_probability = 0.5, noise_snr_db = [0, 20] (needs a noise bank: edgestream train
//   --noise DIR), time_masks = 2, time_mask = 8 (frames), freq_masks = 2, freq_mask = 6
//   (bands), mixup = 0.2 (Beta alpha), eq_db = 6 (a random equalization curve within +-6 dB),
//   freq_mixstyle = 0.4 (probability per batch shard), freq_mixstyle_alpha = 0.3 } (every key
//   optional, 0 = off; snr [0, 20], freq_mixstyle_alpha 0.3). A value
//   that does not fit the input (a mask wider than the window) is refused before training.
//
// Model keys besides input, layers, description and training: pretrained [none], an inline
// table { model = "models/x.tflite", layers = ["conv1", "dw1", ...] }: after the model's own
// initialization, the weighted operators of that .tflite (relative paths are relative to this
// file's folder), in file order, give their weights to the named layers (train/pretrained.h:
// int8 weights are dequantized, shapes, strides and fused activations must match).
//
// Top-level tables other than `default` and `models` are errors, except `sequences`, which
// belongs to core/learn/optimize/sequence.h and is skipped here.
//
// Errors (edge::Error): the file and the key for format errors; the file, the model and the
// layer (position and type) for unknown layer types, bad sizes and shapes that do not fit
// (found when build_model() infers the shapes). Parsing and building are reentrant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/audio_augment.h"
#include "train/augment.h"
#include "train/model.h"
#include "train/optimizer.h"

namespace edge::train {

struct LayerSpec {
  std::string type;  // as written: "dense", "conv2d", ...
  std::string name;  // "" when not given
  int units = 0;     // dense units / conv filters; 0 with units_are_classes
  bool units_are_classes = false;
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  std::string padding = "valid";
  std::string activation = "none";
  bool use_bias = true;
  int depth_multiplier = 1;
  float rate = 0.0f;  // dropout
  float momentum = 0.99f, epsilon = 1e-3f;
  int squeeze = 0, expand = 0;  // fire
};

struct TrainingSpec {
  std::string optimizer = "adam";
  float learning_rate = 0.001f;
  float momentum = 0.0f;
  bool nesterov = false;
  float rho = 0.9f;
  float beta1 = 0.9f, beta2 = 0.999f;
  float epsilon = 1e-7f;
  std::string schedule = "constant";
  float pct_start = 0.3f, div_factor = 25.0f, final_div_factor = 1e4f;
  int epochs = 10;
  int batch_size = 32;
  uint64_t seed = 1;
  int threads = 0;  // 0: every core
  int shards = 2;
  bool shuffle = true;
  double validation_split = 0.0;
  std::string validation_groups;  // "": every clip is its own recording
  int patience = 0;
  float min_delta = 0.0f;
  bool restore_best_weights = true;
  float label_smoothing = 0.0f;
  float ema_momentum = 0.0f;             // 0: no weight averaging
  float fine_tune_learning_rate = 0.0f;  // 0: learning_rate
  ImuAugmentation augment;               // none by default
  LogMelAugmentation log_mel_augment;    // augment = { type = "log-mel", ... }; none by default
};

// Weights another network gives some layers before training (train/pretrained.h).
struct PretrainedSpec {
  std::string model;                // .tflite path, resolved against the model file's folder
  std::vector<std::string> layers;  // layer names, in the order of the file's weighted operators

  bool empty() const { return model.empty(); }
};

struct ModelSpec {
  std::string file;  // the file it came from (for messages)
  std::string name;
  std::string description;
  std::vector<int64_t> input;  // without the batch axis
  std::vector<LayerSpec> layers;
  TrainingSpec training;
  PretrainedSpec pretrained;  // none by default

  int64_t input_elements() const;
};

struct ModelFile {
  std::string path;
  std::string default_model;
  std::vector<ModelSpec> models;  // in file order

  // The model called `name` ("" = the default). Throws naming the file and the models it has.
  const ModelSpec& find(const std::string& name) const;
};

// Training settings given on the command line (`edgestream train --set KEY=VALUE`), applied to
// one model's [models.NAME.training] table before the file is checked, as if written there:
// KEY is a training key, or augment.KEY for one key of the augment table (its other keys kept);
// VALUE is a TOML value, a bare word being taken as a string (schedule=one-cycle). Later
// settings win. The settings are checked together as the file's own values (patience=0 with
// validation_split=0 is fine, although validation_split=0 alone is not with patience 8); an
// error names the setting that fails on its own ("--set augment.mixup=-1:
// models.ds-cnn.training.augment.mixup: ..."), else every setting.
struct TrainingSettings {
  std::string model;                  // "" = the file's default model
  std::vector<std::string> settings;  // "KEY=VALUE"
};

// Reads and checks a model file. Throws edge::Error naming the file (and key / model / layer).
ModelFile parse_model_file(const std::string& path, const TrainingSettings& settings = {});
// Same from text; `path` is only used in messages.
ModelFile parse_model_text(const std::string& text, const std::string& path,
                           const TrainingSettings& settings = {});

// The trainable model of `spec` for `classes` output classes (uninitialized). Throws
// edge::Error naming the file, the model and the layer when a shape does not fit.
Model build_model(const ModelSpec& spec, int classes);

// The optimizer of the training settings.
std::unique_ptr<Optimizer> make_optimizer(const TrainingSpec& training);

}  // namespace edge::train
