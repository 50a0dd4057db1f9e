// Magnitude pruning on a polynomial decay schedule and structured pruning.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/error.h"
#include "tests/core/gesture_baseline.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/activation.h"
#include "train/architectures.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/optimizer.h"
#include "train/pool.h"
#include "train/pruning.h"
#include "train/rng.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

Tensor random_batch(int batch, const Shape& sample, uint64_t seed) {
  Tensor x(batched(batch, sample));
  Rng rng(seed);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = float(rng.uniform() * 2.0 - 1.0);
  return x;
}

int64_t zeros(const Tensor& t) { return std::count(t.data(), t.data() + t.size(), 0.0f); }

TEST(PolynomialDecay, MatchesTfMotFormula) {
  PolynomialDecay s;
  s.initial_sparsity = 0.0f;
  s.final_sparsity = 0.5f;
  s.begin_step = 0;
  s.end_step = 100;
  s.frequency = 10;
  // 0.5 + (0 - 0.5) * (1 - 0.5)^3 = 0.4375
  EXPECT_FLOAT_EQ(s.sparsity(50), 0.4375f);
  EXPECT_FLOAT_EQ(s.sparsity(0), 0.0f);
  EXPECT_FLOAT_EQ(s.sparsity(100), 0.5f);
  EXPECT_FLOAT_EQ(s.sparsity(500), 0.5f);
  EXPECT_TRUE(s.should_update(0));
  EXPECT_FALSE(s.should_update(5));
  EXPECT_TRUE(s.should_update(100));
  EXPECT_FALSE(s.should_update(110));
}

void expect_refused(PolynomialDecay s, const std::string& name) {
  try {
    s.validate();
    FAIL() << "expected " << name << " to be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(PolynomialDecay, RefusesImpossibleSettings) {
  PolynomialDecay s;
  s.final_sparsity = 1.5f;
  expect_refused(s, "final_sparsity");
  s = {};
  s.initial_sparsity = -0.1f;
  expect_refused(s, "initial_sparsity");
  s = {};
  s.final_sparsity = std::nanf("");
  expect_refused(s, "final_sparsity");
  s = {};
  s.begin_step = 100;
  s.end_step = 50;
  expect_refused(s, "end_step");
  s = {};
  s.frequency = 0;
  expect_refused(s, "frequency");
  s = {};
  s.initial_sparsity = 0.6f;
  s.final_sparsity = 0.5f;
  expect_refused(s, "final_sparsity");
}

TEST(MagnitudePruner, OneShotZeroesTheSmallestExactly) {
  Model model = make_gesture_dense_model(180, 2);
  model.initialize(3);
  const Tensor before = *model.layer("dense_50").param("kernel").value;
  MagnitudePruner pruner(model, PolynomialDecay{});
  EXPECT_EQ(pruner.layer_names(), (std::vector<std::string>{"dense_50", "dense_15", "logits"}));
  pruner.prune_to(0.5f);
  const Tensor& after = *model.layer("dense_50").param("kernel").value;
  EXPECT_EQ(zeros(after), 4500);                                          // 9000 / 2
  EXPECT_EQ(zeros(*model.layer("dense_15").param("kernel").value), 375);  // 750 / 2
  EXPECT_EQ(zeros(*model.layer("logits").param("kernel").value), 15);     // 30 / 2
  float largest_pruned = 0.0f, smallest_kept = 1e30f;
  for (int64_t i = 0; i < after.size(); ++i) {
    if (after[i] == 0.0f)
      largest_pruned = std::max(largest_pruned, std::fabs(before[i]));
    else
      smallest_kept = std::min(smallest_kept, std::fabs(after[i]));
  }
  EXPECT_LE(largest_pruned, smallest_kept);
  EXPECT_NEAR(pruner.sparsity(), 0.5, 1e-9);
  EXPECT_THROW(pruner.prune_to(1.0f), Error);
}

TEST(MagnitudePruner, RefusesLayersWithoutKernel) {
  Model model = make_gesture_dense_model(6, 2);
  model.initialize(1);
  EXPECT_THROW(MagnitudePruner(model, PolynomialDecay{}, {"relu_50"}), Error);
  EXPECT_THROW(MagnitudePruner(model, PolynomialDecay{}, {"nope"}), Error);
}

TEST(MagnitudePruner, ScheduleDuringTrainingKeepsPrunedWeightsZero) {
  // Two linearly separable classes of 12 features.
  Dataset data;
  data.x.resize({64, 12});
  Rng rng(5);
  for (int i = 0; i < 64; ++i) {
    const int label = i % 2;
    data.labels.push_back(label);
    for (int f = 0; f < 12; ++f) {
      data.x[i * 12 + f] = float(rng.uniform()) + (f < 6 ? 1.5f * label : -1.5f * label);
    }
  }
  Model model = make_gesture_dense_model(12, 2);
  model.initialize(9);
  RmsProp optimizer(RmsPropOptions{});
  FitOptions fit;
  Trainer trainer(model, optimizer, fit);
  PolynomialDecay schedule;
  schedule.final_sparsity = 0.8f;
  schedule.begin_step = 0;
  schedule.end_step = 16;
  schedule.frequency = 4;
  MagnitudePruner pruner(model, schedule);
  StepHookOptions options;
  options.epochs = 6;  // 8 steps per epoch: the schedule ends at step 16
  options.batch_size = 8;
  const auto logs =
      fit_with_step_hook(trainer, data, options, [&](int64_t step) { pruner.on_step(step); });
  ASSERT_EQ(logs.size(), 6u);
  // 600 * 0.8 = 480, 750 * 0.8 = 600 and 30 * 0.8 = 24 zeros, held through later steps.
  EXPECT_EQ(zeros(*model.layer("dense_50").param("kernel").value), 480);
  EXPECT_EQ(zeros(*model.layer("dense_15").param("kernel").value), 600);
  EXPECT_EQ(zeros(*model.layer("logits").param("kernel").value), 24);
  EXPECT_GE(trainer.evaluate(data).accuracy, 0.95);
}

// Zeroes the next layer's inputs from removed units: the "masked network".
void mask_next_inputs(Model& model, const std::string& next, const std::vector<int>& kept,
                      int units) {
  Tensor& k = *model.layer(next).param("kernel").value;
  const int64_t last = k.dim(k.rank() - 1);
  ASSERT_EQ(last, units);
  for (int64_t i = 0; i < k.size(); ++i) {
    if (std::find(kept.begin(), kept.end(), int(i % last)) == kept.end()) k[i] = 0.0f;
  }
}

void expect_same_outputs(Model& a, Model& b, const Tensor& x) {
  Context ctx;
  const Tensor ya = a.forward(x, ctx);
  const Tensor& yb = b.forward(x, ctx);
  ASSERT_EQ(ya.shape(), yb.shape());
  for (int64_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya[i], yb[i], 1e-5f * (1 + std::fabs(ya[i])));
}

TEST(StructuredPruning, DenseNeuronsRemovedNetworkEqualsMaskedOne) {
  Model model = make_gesture_dense_model(180, 2);
  model.initialize(4);
  StructuredResult r = remove_units(model, "dense_50", 0.4f);
  ASSERT_EQ(r.kept.size(), 30u);
  EXPECT_EQ(model.parameter_count(), 180 * 50 + 50 + 50 * 15 + 15 + 15 * 2 + 2);
  EXPECT_EQ(r.model.parameter_count(), 180 * 30 + 30 + 30 * 15 + 15 + 15 * 2 + 2);
  mask_next_inputs(model, "dense_15", r.kept, 50);
  expect_same_outputs(model, r.model, random_batch(3, {180}, 2));
}

TEST(StructuredPruning, ConvFiltersThroughBatchNormAndPooling) {
  Model model;
  NodeId x = model.input({9, 9, 2});
  x = model.add(std::make_unique<Conv2D>(6, 3), x, "conv");
  x = model.add(std::make_unique<BatchNorm>(), x, "bn");
  x = model.add(std::make_unique<ReLU>(), x, "relu");
  x = model.add(std::make_unique<MaxPool2D>(2, 2), x, "pool");
  x = model.add(std::make_unique<Conv2D>(4, 1), x, "conv2");
  x = model.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  model.initialize(6);
  StructuredResult r = remove_units(model, "conv", 0.5f);
  ASSERT_EQ(r.kept.size(), 3u);
  EXPECT_EQ(r.model.layer("conv").param("kernel").value->shape(), (Shape{3, 3, 3, 2}));
  EXPECT_EQ(r.model.layer("bn").param("gamma").value->shape(), (Shape{3}));
  EXPECT_EQ(r.model.layer("conv2").param("kernel").value->shape(), (Shape{4, 1, 1, 3}));
  EXPECT_LT(r.model.parameter_count(), model.parameter_count());
  mask_next_inputs(model, "conv2", r.kept, 6);
  expect_same_outputs(model, r.model, random_batch(2, {9, 9, 2}, 3));
}

// A Fire module (squeeze 1x1 feeding expand 1x1 and 3x3, concatenated) with a
// BatchNorm after the concatenation, then a 1x1 conv and global pooling.
Model fire_model() {
  Model model;
  NodeId x = model.input({7, 7, 3});
  NodeId s = model.add(std::make_unique<Conv2D>(6, 1), x, "squeeze");
  s = model.add(std::make_unique<ReLU>(), s, "squeeze_relu");
  NodeId e1 = model.add(std::make_unique<Conv2D>(4, 1), s, "expand1x1");
  e1 = model.add(std::make_unique<ReLU>(), e1, "expand1x1_relu");
  NodeId e3 = model.add(std::make_unique<Conv2D>(8, 3, 1, Padding::kSame), s, "expand3x3");
  e3 = model.add(std::make_unique<ReLU>(), e3, "expand3x3_relu");
  x = model.add(std::make_unique<Concatenate>(), {e1, e3}, "concat");
  x = model.add(std::make_unique<BatchNorm>(), x, "bn");
  x = model.add(std::make_unique<MaxPool2D>(2, 2), x, "pool");
  x = model.add(std::make_unique<Conv2D>(5, 1), x, "conv10");
  model.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  model.initialize(9);
  // Non-trivial BatchNorm statistics, so a wrongly sliced vector shows.
  Tensor& mean = *model.layer("bn").param("moving_mean").value;
  Tensor& beta = *model.layer("bn").param("beta").value;
  for (int64_t i = 0; i < mean.size(); ++i) {
    mean[i] = 0.1f * float(i);
    beta[i] = 0.05f * float(i) - 0.3f;
  }
  return model;
}

// Zeroes the inputs of `layer` whose channel is not in `kept`.
void mask_inputs(Model& model, const std::string& layer, const std::vector<int>& kept) {
  Tensor& k = *model.layer(layer).param("kernel").value;
  const int64_t last = k.dim(k.rank() - 1);
  for (int64_t i = 0; i < k.size(); ++i) {
    if (std::find(kept.begin(), kept.end(), int(i % last)) == kept.end()) k[i] = 0.0f;
  }
}

TEST(StructuredPruning, FireModuleExpandLayersThroughTheConcatenation) {
  const Tensor x = random_batch(2, {7, 7, 3}, 5);
  // expand3x3's channels sit after expand1x1's 4 in the concatenation.
  Model model = fire_model();
  StructuredResult r = remove_units(model, "expand3x3", 0.5f);
  ASSERT_EQ(r.kept.size(), 4u);
  EXPECT_EQ(r.model.layer("expand3x3").param("kernel").value->shape(), (Shape{4, 3, 3, 6}));
  EXPECT_EQ(r.model.layer("bn").param("gamma").value->shape(), (Shape{8}));
  EXPECT_EQ(r.model.layer("conv10").param("kernel").value->shape(), (Shape{5, 1, 1, 8}));
  std::vector<int> surviving = {0, 1, 2, 3};
  for (int k : r.kept) surviving.push_back(4 + k);
  mask_inputs(model, "conv10", surviving);
  expect_same_outputs(model, r.model, x);

  // expand1x1's channels come first.
  Model model1 = fire_model();
  StructuredResult r1 = remove_units(model1, "expand1x1", 0.5f);
  ASSERT_EQ(r1.kept.size(), 2u);
  EXPECT_EQ(r1.model.layer("conv10").param("kernel").value->shape(), (Shape{5, 1, 1, 10}));
  std::vector<int> surviving1(r1.kept.begin(), r1.kept.end());
  for (int k = 4; k < 12; ++k) surviving1.push_back(k);
  mask_inputs(model1, "conv10", surviving1);
  expect_same_outputs(model1, r1.model, x);
}

TEST(StructuredPruning, FireModuleSqueezeFeedsBothExpandLayers) {
  Model model = fire_model();
  StructuredResult r = remove_units(model, "squeeze", 0.5f);
  ASSERT_EQ(r.kept.size(), 3u);
  EXPECT_EQ(r.model.layer("squeeze").param("kernel").value->shape(), (Shape{3, 1, 1, 3}));
  EXPECT_EQ(r.model.layer("expand1x1").param("kernel").value->shape(), (Shape{4, 1, 1, 3}));
  EXPECT_EQ(r.model.layer("expand3x3").param("kernel").value->shape(), (Shape{8, 3, 3, 3}));
  mask_inputs(model, "expand1x1", r.kept);
  mask_inputs(model, "expand3x3", r.kept);
  expect_same_outputs(model, r.model, random_batch(2, {7, 7, 3}, 6));
}

TEST(StructuredPruning, ThesisSqueezeNetShrinksAndStillRuns) {
  Model model = make_squeezenet_audio(33, 33, 10);
  model.initialize(2);
  Model pruned = remove_units(model, "fire4_expand3x3", 0.5f).model;
  for (const char* name : {"fire4_squeeze", "fire4_expand1x1", "fire5_squeeze", "conv1"})
    pruned = remove_units(pruned, name, 0.5f).model;
  EXPECT_LT(pruned.parameter_count(), model.parameter_count());
  Context ctx;
  EXPECT_EQ(pruned.forward(random_batch(1, {33, 33, 1}, 7), ctx).shape(), (Shape{1, 10}));
  EXPECT_THROW(remove_units(model, "conv10", 0.5f), Error);  // the classes
}

TEST(MagnitudePruner, GestureNetworkPrunedTo80PercentOnRealData) {
  GestureBaseline base;
  const Dataset& train = base.train;
  const Dataset& test = base.test;
  Model& model = base.model;
  const FitOptions& fit = base.fit;
  Trainer& trainer = base.trainer;
  const double float_accuracy = base.float_accuracy;

  PolynomialDecay schedule;
  schedule.final_sparsity = 0.8f;
  schedule.begin_step = 0;
  schedule.end_step = 55;  // 45 recordings / batch 4 = 12 steps per epoch
  schedule.frequency = 5;
  MagnitudePruner pruner(model, schedule);
  StepHookOptions tune;
  tune.epochs = 10;
  tune.batch_size = 4;
  fit_with_step_hook(trainer, train, tune, [&](int64_t step) { pruner.on_step(step); });
  const double pruned_accuracy = trainer.evaluate(test).accuracy;
  EXPECT_NEAR(pruner.sparsity(), 0.8, 1e-3);

  StructuredResult smaller = remove_units(model, "dense_50", 0.5f);
  RmsProp optimizer2(RmsPropOptions{});
  Trainer trainer2(smaller.model, optimizer2, fit);
  const double structured_accuracy = trainer2.evaluate(test).accuracy;
  std::cout << "gesture test fold (" << test.size() << " recordings): float " << float_accuracy
            << ", 80 % sparse after 10 epochs " << pruned_accuracy
            << "; then half of dense_50 removed (" << model.parameter_count() << " -> "
            << smaller.model.parameter_count() << " parameters) " << structured_accuracy << "\n";
  EXPECT_GE(pruned_accuracy, float_accuracy - 0.1);
}

TEST(StructuredPruning, RefusesWhatItCannotRewrite) {
  Model model = make_gesture_dense_model(6, 2);
  model.initialize(1);
  EXPECT_THROW(remove_units(model, "logits", 0.5f), Error);   // feeds the output
  EXPECT_THROW(remove_units(model, "relu_50", 0.5f), Error);  // not Dense/Conv2D
  EXPECT_THROW(remove_units(model, "dense_50", 1.0f), Error);
  EXPECT_THROW(remove_units(model, "dense_50", -0.5f), Error);
  EXPECT_THROW(remove_units(model, "missing", 0.5f), Error);
}

}  // namespace
}  // namespace edge::train
