// Weight clustering: k-means goldens, tied fine-tuning, refusals, and the
// accuracy change on the bundled punch/flex gesture recordings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <set>

#include "common/error.h"
#include "tests/core/gesture_baseline.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/clustering.h"
#include "train/optimizer.h"
#include "train/pruning.h"

namespace edge::train {
namespace {

std::set<float> distinct(const Tensor& t) { return std::set<float>(t.data(), t.data() + t.size()); }

TEST(KMeans1d, LinearInitGolden) {
  // Linear init puts centroids at 0 and 1; one Lloyd step moves them to the
  // means 0.05 and 0.95, after which nothing changes.
  const std::vector<float> v = {0.0f, 0.1f, 0.9f, 1.0f};
  ClusteringOptions o;
  o.clusters = 2;
  o.init = CentroidInit::kLinear;
  std::vector<int32_t> a;
  const std::vector<float> c = kmeans_1d(v.data(), 4, o, &a);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_FLOAT_EQ(c[0], 0.05f);
  EXPECT_FLOAT_EQ(c[1], 0.95f);
  EXPECT_EQ(a, (std::vector<int32_t>{0, 0, 1, 1}));
}

TEST(KMeans1d, PlusPlusFindsSeparatedGroupsAndIsSeeded) {
  const std::vector<float> v = {-5.0f, -5.1f, -4.9f, 0.0f, 0.1f, 7.0f, 7.2f};
  ClusteringOptions o;
  o.clusters = 3;
  o.seed = 42;
  std::vector<int32_t> a, b;
  const std::vector<float> c = kmeans_1d(v.data(), int64_t(v.size()), o, &a);
  EXPECT_NEAR(c[0], -5.0f, 1e-5);
  EXPECT_NEAR(c[1], 0.05f, 1e-5);
  EXPECT_NEAR(c[2], 7.1f, 1e-5);
  EXPECT_EQ(kmeans_1d(v.data(), int64_t(v.size()), o, &b), c);
}

TEST(KMeans1d, RefusesZeroClustersMoreClustersThanWeightsAndNaN) {
  const std::vector<float> v = {1.0f, 2.0f};
  std::vector<int32_t> a;
  ClusteringOptions o;
  o.clusters = 0;
  EXPECT_THROW(kmeans_1d(v.data(), 2, o, &a), Error);
  o.clusters = 3;
  EXPECT_THROW(kmeans_1d(v.data(), 2, o, &a), Error);
  o.clusters = 1;
  const std::vector<float> bad = {1.0f, std::nanf("")};
  EXPECT_THROW(kmeans_1d(bad.data(), 2, o, &a), Error);
  EXPECT_EQ(kmeans_1d(v.data(), 2, o, &a), std::vector<float>{1.5f});
}

TEST(WeightClusterer, GestureNetworkKeepsAtMostNValuesThroughFineTuning) {
  GestureBaseline base;
  const Dataset& train = base.train;
  const Dataset& test = base.test;
  Model& model = base.model;
  Trainer& trainer = base.trainer;
  const double float_accuracy = base.float_accuracy;

  ClusteringOptions o;
  o.clusters = 8;
  WeightClusterer clusterer(model, o);
  for (const char* name : {"dense_50", "dense_15", "logits"}) {
    EXPECT_LE(distinct(*model.layer(name).param("kernel").value).size(), 8u) << name;
  }
  const double clustered_accuracy = trainer.evaluate(test).accuracy;
  StepHookOptions tune;
  tune.epochs = 10;
  tune.batch_size = 4;
  fit_with_step_hook(trainer, train, tune, [&](int64_t) { clusterer.after_step(); });
  const double tuned_accuracy = trainer.evaluate(test).accuracy;
  for (const char* name : {"dense_50", "dense_15", "logits"}) {
    EXPECT_LE(distinct(*model.layer(name).param("kernel").value).size(), 8u) << name;
  }
  std::cout << "gesture test fold (" << test.size() << " recordings): float " << float_accuracy
            << ", 8 clusters " << clustered_accuracy << ", after 10 epochs of tied fine-tuning "
            << tuned_accuracy << "\n";
  EXPECT_GE(tuned_accuracy, float_accuracy - 0.1);
}

TEST(WeightClusterer, RefusesLayerWithoutKernelAndTooManyClusters) {
  Model model = make_gesture_dense_model(6, 2);
  model.initialize(1);
  EXPECT_THROW(WeightClusterer(model, ClusteringOptions{}, {"relu_50"}), Error);
  ClusteringOptions many;
  many.clusters = 31;  // logits has 15 * 2 = 30 weights
  try {
    WeightClusterer(model, many, {"logits"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("logits"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edge::train
