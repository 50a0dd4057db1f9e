// The paper's gesture experiment ("Optimizing Neural Networks for Embedded
// Systems", punch/flex recordings from an MPU6050), as reusable steps for the
// edgestream-train-gesture tool, the tests and the later `edgestream train`.
//
// Data: one CSV per class as the Arduino sketch prints it (read with
// core/data/datasets/gesture_csv.h), each recording `samples_per_recording` rows of
// the channels aX,aY,aZ (g) and gX,gY,gZ (deg/s), found by header name.
// Features: min-max normalization with the sensor ranges of the paper's
// tutorial, acceleration (a + 4) / 8 for +-4 g and rotation (g + 2000) / 4000
// for +-2000 deg/s, both mapped to [0, 1] (values outside the range are kept,
// not clipped), then flattened row by row: [t0 aX, t0 aY, ..., t29 gZ].
// Model: Dense 50 - ReLU - Dense 15 - ReLU - Dense classes (softmax in the
// loss), He-normal initialization.
// Cross-validation: k folds over recordings, stratified by class, assigned by
// a seeded shuffle, so results are reproducible for a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/model.h"
#include "train/trainer.h"

namespace edge::train {

struct GestureClassFile {
  std::string name;  // class label
  std::string path;  // CSV file
};

struct GestureData {
  Dataset data;  // x [recordings, samples_per_recording * 6], labels = class index
  std::vector<std::string> class_names;
};

// Throws edge::Error naming the file (and line) for a missing channel or a
// recording of the wrong length.
GestureData load_gesture_classes(const std::vector<GestureClassFile>& classes,
                                 int samples_per_recording = 30);

// The paper's 180-50-15-N dense network (unitialized).
Model make_gesture_dense_model(int inputs, int classes);

// Fold index in [0, folds) for each sample; each class is spread as evenly as
// possible over the folds. Throws if folds < 2 or folds > samples.
std::vector<int> stratified_folds(const std::vector<int32_t>& labels, int folds, uint64_t seed);

struct CrossValidationOptions {
  int folds = 5;
  int folds_to_run = -1;  // run only the first k folds (bounded tests); -1 = all
  int epochs = 600;
  int batch_size = 1;
  float learning_rate = 0.001f;  // RMSprop, Keras defaults otherwise
  uint64_t seed = 1;
  int threads = 1;
};

struct FoldResult {
  int train_samples = 0, test_samples = 0;
  double train_accuracy = 0.0;  // last epoch, as trained
  double test_accuracy = 0.0, test_loss = 0.0;
  double seconds = 0.0;  // wall time of the fold's training
};

struct CrossValidationResult {
  std::vector<FoldResult> folds;
  double mean_accuracy = 0.0;
};

// Trains a fresh network per fold (weights seeded by seed + fold) on the
// other folds and tests it on the fold.
CrossValidationResult cross_validate_gesture(const GestureData& data,
                                             const CrossValidationOptions& options);

}  // namespace edge::train
