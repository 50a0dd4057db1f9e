#include "tools/experiments/gesture_experiment.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "datasets/gesture_csv.h"
#include "train/activation.h"
#include "train/dense.h"

namespace edge::train {
namespace {

struct ChannelScale {
  const char* name;
  float offset, scale;  // normalized = (value + offset) * scale
};

// The paper's tutorial: accelerometer +-4 g and gyroscope +-2000 deg/s to [0, 1].
constexpr ChannelScale kChannels[] = {
    {"aX", 4.0f, 1.0f / 8.0f},       {"aY", 4.0f, 1.0f / 8.0f},
    {"aZ", 4.0f, 1.0f / 8.0f},       {"gX", 2000.0f, 1.0f / 4000.0f},
    {"gY", 2000.0f, 1.0f / 4000.0f}, {"gZ", 2000.0f, 1.0f / 4000.0f},
};
constexpr int kChannelCount = 6;

}  // namespace

GestureData load_gesture_classes(const std::vector<GestureClassFile>& classes,
                                 int samples_per_recording) {
  if (classes.size() < 2)
    throw Error(msg("gesture data: need at least 2 classes, got ", classes.size()));
  if (samples_per_recording < 1)
    throw Error(
        msg("gesture data: samples per recording must be >= 1, got ", samples_per_recording));
  const int features = samples_per_recording * kChannelCount;
  std::vector<float> values;
  GestureData out;
  for (size_t c = 0; c < classes.size(); ++c) {
    const datasets::GestureFile file =
        datasets::read_gesture_csv(classes[c].path, classes[c].path, 0);
    int column[kChannelCount];
    for (int k = 0; k < kChannelCount; ++k) {
      const auto found = std::find(file.channels.begin(), file.channels.end(), kChannels[k].name);
      if (found == file.channels.end()) {
        std::string header;
        for (const std::string& name : file.channels) header += (header.empty() ? "" : ",") + name;
        throw Error(msg(classes[c].path, ": no column '", kChannels[k].name,
                        "' in the header (found: ", header, "; expected aX,aY,aZ,gX,gY,gZ)"));
      }
      column[k] = int(found - file.channels.begin());
    }
    if (file.recordings.empty()) throw Error(msg(classes[c].path, ": no recordings"));
    for (const datasets::GestureRecording& rec : file.recordings) {
      if (rec.row_count != samples_per_recording)
        throw Error(msg(classes[c].path, ":", rec.line, ": recording has ", rec.row_count,
                        " rows, expected ", samples_per_recording));
      for (int64_t r = 0; r < rec.row_count; ++r) {
        const float* row = file.row(rec.first_row + r);
        for (int k = 0; k < kChannelCount; ++k)
          values.push_back((row[column[k]] + kChannels[k].offset) * kChannels[k].scale);
      }
      out.data.labels.push_back(int32_t(c));
    }
    out.class_names.push_back(classes[c].name);
  }
  const int count = int(out.data.labels.size());
  out.data.x.resize({count, features});
  std::copy(values.begin(), values.end(), out.data.x.data());
  return out;
}

Model make_gesture_dense_model(int inputs, int classes) {
  Model model;
  NodeId x = model.input({inputs});
  x = model.add(std::make_unique<Dense>(50), x, "dense_50");
  x = model.add(std::make_unique<ReLU>(), x, "relu_50");
  x = model.add(std::make_unique<Dense>(15), x, "dense_15");
  x = model.add(std::make_unique<ReLU>(), x, "relu_15");
  model.add(std::make_unique<Dense>(classes), x, "logits");
  return model;
}

std::vector<int> stratified_folds(const std::vector<int32_t>& labels, int folds, uint64_t seed) {
  if (folds < 2) throw Error(msg("cross-validation: folds must be >= 2, got ", folds));
  if (size_t(folds) > labels.size())
    throw Error(msg("cross-validation: ", folds, " folds but only ", labels.size(), " samples"));
  const int classes = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<int> fold(labels.size(), 0);
  Rng rng(seed);
  int next = 0;  // dealing continues across classes so fold sizes stay balanced
  for (int c = 0; c < classes; ++c) {
    std::vector<int> members;
    for (size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == c) members.push_back(int(i));
    for (size_t i = members.size(); i > 1; --i)
      std::swap(members[i - 1], members[rng.below(uint64_t(i))]);
    for (int index : members) {
      fold[size_t(index)] = next;
      next = (next + 1) % folds;
    }
  }
  return fold;
}

CrossValidationResult cross_validate_gesture(const GestureData& data,
                                             const CrossValidationOptions& options) {
  const Dataset& all = data.data;
  const std::vector<int> fold_of = stratified_folds(all.labels, options.folds, options.seed);
  const int runs =
      options.folds_to_run < 0 ? options.folds : std::min(options.folds_to_run, options.folds);
  CrossValidationResult result;
  for (int f = 0; f < runs; ++f) {
    std::vector<int> train_idx, test_idx;
    for (size_t i = 0; i < fold_of.size(); ++i)
      (fold_of[i] == f ? test_idx : train_idx).push_back(int(i));
    const Dataset train = subset(all, train_idx);
    const Dataset test = subset(all, test_idx);

    Model model = make_gesture_dense_model(int(all.x.inner_size()), int(data.class_names.size()));
    model.initialize(mix_seed(options.seed, uint64_t(f)));
    RmsPropOptions rms;
    rms.learning_rate = options.learning_rate;
    RmsProp optimizer(rms);
    FitOptions fit;
    fit.epochs = options.epochs;
    fit.batch_size = options.batch_size;
    fit.seed = mix_seed(options.seed, uint64_t(f) + 1000);
    fit.threads = options.threads;
    Trainer trainer(model, optimizer, fit);
    const auto start = std::chrono::steady_clock::now();
    const History history = trainer.fit(train);
    const auto stop = std::chrono::steady_clock::now();
    const Evaluation eval = trainer.evaluate(test);

    FoldResult r;
    r.train_samples = train.size();
    r.test_samples = test.size();
    r.train_accuracy = history.epochs.back().accuracy;
    r.test_accuracy = eval.accuracy;
    r.test_loss = eval.loss;
    r.seconds = std::chrono::duration<double>(stop - start).count();
    result.folds.push_back(r);
    result.mean_accuracy += eval.accuracy / runs;
  }
  return result;
}

}  // namespace edge::train
