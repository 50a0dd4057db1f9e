// The float baseline the optimization tests start from: the paper's 180-50-15-2 network
// trained on the bundled punch/flex recordings, fold 0 of a stratified 4-fold split held out.
// Built in place and not movable: `trainer` keeps using `model` and `optimizer` (and the
// optimizer's state) when a test fine-tunes after pruning, clustering or QAT.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "tools/experiments/gesture_experiment.h"
#include "train/optimizer.h"

namespace edge::train {

inline std::string bundled_gesture_file(const std::string& file) {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  return std::string(root ? root : ".") + "/datasets/gesture-punch-flex/" + file;
}

inline void split_fold0(const Dataset& all, Dataset* train, Dataset* test) {
  const std::vector<int> folds = stratified_folds(all.labels, 4, 1);
  std::vector<int> train_idx, test_idx;
  for (int i = 0; i < int(folds.size()); ++i)
    (folds[size_t(i)] == 0 ? test_idx : train_idx).push_back(i);
  *train = subset(all, train_idx);
  *test = subset(all, test_idx);
}

struct GestureBaseline {
  GestureBaseline()
      : model(load_and_split()),
        optimizer(RmsPropOptions{}),
        fit(fit_options()),
        trainer(model, optimizer, fit) {
    trainer.fit(train);
    float_accuracy = trainer.evaluate(test).accuracy;
  }
  GestureBaseline(const GestureBaseline&) = delete;
  GestureBaseline& operator=(const GestureBaseline&) = delete;

  Dataset train, test;
  Model model;
  RmsProp optimizer;
  FitOptions fit;
  Trainer trainer;
  double float_accuracy = 0.0;

 private:
  Model load_and_split() {
    const GestureData gestures = load_gesture_classes(
        {{"punch", bundled_gesture_file("punch.csv")}, {"flex", bundled_gesture_file("flex.csv")}});
    split_fold0(gestures.data, &train, &test);
    Model m = make_gesture_dense_model(int(train.x.inner_size()), 2);
    m.initialize(1);
    return m;
  }
  static FitOptions fit_options() {
    FitOptions f;
    f.epochs = 60;
    f.batch_size = 4;
    return f;
  }
};

}  // namespace edge::train
