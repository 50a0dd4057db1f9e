// Model graph (shape inference, errors, branches), trainer determinism,
// convergence on small learnable tasks, early stopping and input validation.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "tools/experiments/gesture_experiment.h"
#include "train/activation.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/loss.h"
#include "train/pool.h"
#include "train/shape_ops.h"
#include "train/trainer.h"

namespace edge::train {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_ERROR_HAS(statement, text)                              \
  do {                                                                 \
    const std::string error_text = error_of([&] { statement; });       \
    EXPECT_NE(error_text.find(text), std::string::npos) << error_text; \
  } while (0)

// squeeze 1x1 -> (expand 1x1, expand 3x3 SAME) -> concatenate, optionally with ReLUs.
NodeId fire(Model& m, NodeId x, int squeeze, int expand, bool relu, const std::string& name) {
  NodeId s = m.add(std::make_unique<Conv2D>(squeeze, 1), x, name + "_squeeze");
  if (relu) s = m.add(std::make_unique<ReLU>(), s);
  NodeId e1 = m.add(std::make_unique<Conv2D>(expand, 1), s, name + "_expand1x1");
  NodeId e3 = m.add(std::make_unique<Conv2D>(expand, 3, 1, Padding::kSame), s, name + "_expand3x3");
  if (relu) {
    e1 = m.add(std::make_unique<ReLU>(), e1);
    e3 = m.add(std::make_unique<ReLU>(), e3);
  }
  return m.add(std::make_unique<Concatenate>(), {e1, e3}, name + "_concat");
}

TEST(TrainModel, ShapeInferenceThroughFireModules) {
  Model m;
  NodeId x = m.input({17, 17, 1});
  x = m.add(std::make_unique<Conv2D>(8, 3, 2), x, "conv1");
  EXPECT_EQ(m.node_shape(x), (Shape{8, 8, 8}));
  x = fire(m, x, 4, 6, true, "fire2");
  EXPECT_EQ(m.node_shape(x), (Shape{8, 8, 12}));
  x = m.add(std::make_unique<MaxPool2D>(3, 2, Padding::kSame), x);
  EXPECT_EQ(m.node_shape(x), (Shape{4, 4, 12}));
  x = m.add(std::make_unique<Conv2D>(5, 1), x);
  x = m.add(std::make_unique<GlobalAveragePool>(), x);
  EXPECT_EQ(m.output_shape(), (Shape{5}));
  EXPECT_EQ(m.layer("conv1").param("kernel").value->shape(), (Shape{8, 3, 3, 1}));
  EXPECT_NE(m.summary().find("fire2_concat (Concatenate) <- relu_"), std::string::npos)
      << m.summary();
  // 9847 = 180*50+50 + 50*15+15 + 15*2+2, the paper's network.
  EXPECT_EQ(make_gesture_dense_model(180, 2).parameter_count(), 9847);
}

TEST(TrainModel, ShapeErrorsNameTheLayer) {
  Model m;
  const NodeId in = m.input({8, 8, 3});
  EXPECT_ERROR_HAS(m.add(std::make_unique<Dense>(4), in, "fc"),
                   "layer 'fc' (Dense): expects a rank-1 input [features] per sample, got [8, 8, 3]"
                   " (add a Flatten layer before it)");
  const NodeId a = m.add(std::make_unique<Conv2D>(2, 3), in, "a");  // 6x6
  const NodeId b = m.add(std::make_unique<Conv2D>(2, 1), in, "b");  // 8x8
  EXPECT_ERROR_HAS(m.add(std::make_unique<Concatenate>(), {a, b}, "cat"),
                   "layer 'cat' (Concatenate): input 1 has shape [8, 8, 2] but input 0 has "
                   "[6, 6, 2]");
  EXPECT_ERROR_HAS(m.add(std::make_unique<ReLU>(), 42, "r"), "input node 42 does not exist");
  EXPECT_ERROR_HAS(m.add(std::make_unique<ReLU>(), a, "a"), "a layer named 'a' already exists");
  EXPECT_ERROR_HAS(m.add(std::make_unique<Conv2D>(2, 9), a, "big"),
                   "layer 'big' (Conv2D): input 6x6 is smaller than the 9x9 window");
  EXPECT_ERROR_HAS(m.add(std::make_unique<Concatenate>(), {a}, "one"), "takes 2 or more inputs");
  Model empty;
  EXPECT_ERROR_HAS(empty.input({0, 4}), "every dimension must be >= 1");
  EXPECT_ERROR_HAS(empty.add(std::make_unique<ReLU>(), 0), "declare the input first");
  Tensor wrong({2, 8, 8, 4});
  EXPECT_ERROR_HAS(m.forward(wrong, Context{}),
                   "model input: expected [batch] + [8, 8, 3], got [2, 8, 8, 4]");
}

// Gradient of the mean cross-entropy through a graph with a branch (the
// squeeze output feeds two convolutions), BatchNorm and a concatenation,
// checked against central differences for the input and every parameter.
TEST(TrainModel, GraphGradientMatchesFiniteDifferences) {
  Model m;
  NodeId x = m.input({5, 5, 2});
  x = m.add(std::make_unique<Conv2D>(3, 3, 2, Padding::kSame), x);
  x = m.add(std::make_unique<BatchNorm>(), x);
  x = fire(m, x, 2, 2, false, "fire");
  x = m.add(std::make_unique<GlobalAveragePool>(), x);
  m.add(std::make_unique<Dense>(3), x);
  m.initialize(5);
  Tensor input({3, 5, 5, 2});
  Rng rng(9);
  for (int64_t i = 0; i < input.size(); ++i) input[i] = float(rng.normal());
  const int32_t labels[] = {0, 2, 1};
  const Context ctx{true, 1, 1.0f};
  auto loss = [&]() {
    return softmax_cross_entropy(m.forward(input, ctx), labels, 1.0f, nullptr).loss_sum / 3;
  };
  Tensor grad_logits, grad_input;
  m.zero_grad();
  softmax_cross_entropy(m.forward(input, ctx), labels, 1.0f / 3, &grad_logits);
  m.backward(grad_logits, &grad_input);
  const double h = 3e-3, rtol = 2e-3, atol = 3e-4;  // as the smooth layers in test_train_layers
  auto check = [&](float* value, double analytic, const std::string& what) {
    const float saved = *value;
    *value = float(saved + h);
    const double plus = loss();
    *value = float(saved - h);
    const double minus = loss();
    *value = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(analytic, numeric, atol + rtol * std::fabs(numeric)) << what;
  };
  for (int64_t i = 0; i < input.size(); ++i) check(&input[i], grad_input[i], msg("input ", i));
  for (Param* p : m.parameters())
    if (p->trainable)
      for (int64_t i = 0; i < p->value->size(); ++i)
        check(&(*p->value)[i], p->grad[i], msg(p->name, " ", i));
}

// Bars: class 0 a horizontal line, class 1 a vertical line, on noise.
Dataset bars(int count, uint64_t seed) {
  Dataset d;
  d.x.resize({count, 8, 8, 1});
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = i % 2;
    const int where = int(rng.below(8));
    float* image = d.x.data() + i * 64;
    for (int p = 0; p < 64; ++p) image[p] = float(0.2 * rng.normal());
    for (int k = 0; k < 8; ++k) image[label == 0 ? where * 8 + k : k * 8 + where] += 1.0f;
    d.labels.push_back(label);
  }
  return d;
}

Model bar_model() {
  Model m;
  NodeId x = m.input({8, 8, 1});
  x = m.add(std::make_unique<Conv2D>(4, 3, 1, Padding::kSame), x);
  x = m.add(std::make_unique<BatchNorm>(), x);
  x = m.add(std::make_unique<ReLU>(), x);
  x = m.add(std::make_unique<MaxPool2D>(2, 2), x);
  x = m.add(std::make_unique<Dropout>(0.2f), x);
  x = m.add(std::make_unique<Flatten>(), x);
  m.add(std::make_unique<Dense>(2), x);
  return m;
}

std::vector<float> trained_weights(int threads, int shards, uint64_t seed) {
  Model m = bar_model();
  m.initialize(seed);
  Adam adam(AdamOptions{0.01f});
  FitOptions options;
  options.epochs = 2;
  options.batch_size = 10;  // 64 samples: a last batch of 4
  options.threads = threads;
  options.shards = shards;
  options.seed = seed;
  Trainer trainer(m, adam, options);
  trainer.fit(bars(64, 3));
  std::vector<float> values;
  m.save_values(&values);
  return values;
}

TEST(TrainDeterminism, SameSeedSameBitsWhateverTheThreadCount) {
  const std::vector<float> one_thread = trained_weights(1, 2, 11);
  const std::vector<float> two_threads = trained_weights(2, 2, 11);
  ASSERT_EQ(one_thread.size(), two_threads.size());
  EXPECT_EQ(0,
            std::memcmp(one_thread.data(), two_threads.data(), one_thread.size() * sizeof(float)))
      << "1 vs 2 threads";
  EXPECT_EQ(trained_weights(2, 2, 11), two_threads) << "repeat run";
  EXPECT_NE(trained_weights(2, 2, 12), two_threads) << "another seed";
  const std::vector<float> four_shards_1 = trained_weights(1, 4, 11);
  EXPECT_EQ(trained_weights(2, 4, 11), four_shards_1) << "4 shards, 1 vs 2 threads";
}

TEST(TrainConvergence, SmallCnnLearnsBars) {
  Model m = bar_model();
  m.initialize(1);
  Adam adam(AdamOptions{0.01f});
  FitOptions options;
  options.epochs = 15;
  options.batch_size = 16;
  options.threads = 2;
  Trainer trainer(m, adam, options);
  const Dataset test = bars(100, 77);
  const double before = trainer.evaluate(test).loss;
  const History history = trainer.fit(bars(128, 5));
  const Evaluation after = trainer.evaluate(test);
  EXPECT_LT(history.epochs.back().loss, history.epochs.front().loss);
  EXPECT_LT(after.loss, before * 0.5);
  EXPECT_GE(after.accuracy, 0.95);
  // BatchNorm's moving statistics have moved from their initial 0 / 1.
  EXPECT_NE((*m.layer("batchnorm_2").param("moving_mean").value)[0], 0.0f);
}

TEST(TrainConvergence, DenseXorWithSgdMomentumAndOneCycle) {
  Dataset xor_data;
  xor_data.x.resize({4, 2});
  const float points[] = {0, 0, 0, 1, 1, 0, 1, 1};
  std::copy(points, points + 8, xor_data.x.data());
  xor_data.labels = {0, 1, 1, 0};
  Model m;
  NodeId x = m.input({2});
  x = m.add(std::make_unique<Dense>(16), x);
  x = m.add(std::make_unique<ReLU>(), x);
  m.add(std::make_unique<Dense>(2), x);
  m.initialize(3);
  Sgd sgd(SgdOptions{0.1f, 0.9f, true});
  OneCycleLr schedule(OneCycleOptions{0.2f, 300});
  FitOptions options;
  options.epochs = 300;
  options.batch_size = 4;
  options.schedule = &schedule;
  Trainer trainer(m, sgd, options);
  const History history = trainer.fit(xor_data);
  EXPECT_FLOAT_EQ(history.epochs.front().learning_rate, 0.2f / 25);
  EXPECT_EQ(trainer.evaluate(xor_data).accuracy, 1.0);
  EXPECT_EQ(trainer.predict(xor_data), (std::vector<int32_t>{0, 1, 1, 0}));
}

// With the teacher's weight at 1 the student learns the teacher's function, not
// the labels: a teacher that answers XNOR wins over XOR labels.
TEST(TrainDistillation, StudentFollowsTheTeacherNotTheLabels) {
  Dataset xor_data;
  xor_data.x.resize({4, 2});
  const float points[] = {0, 0, 0, 1, 1, 0, 1, 1};
  std::copy(points, points + 8, xor_data.x.data());
  xor_data.labels = {0, 1, 1, 0};
  Tensor xnor_teacher({4, 2});
  const float logits[] = {-3, 3, 3, -3, 3, -3, -3, 3};
  std::copy(logits, logits + 8, xnor_teacher.data());
  Model m;
  NodeId x = m.input({2});
  x = m.add(std::make_unique<Dense>(16), x);
  x = m.add(std::make_unique<ReLU>(), x);
  m.add(std::make_unique<Dense>(2), x);
  m.initialize(3);
  Adam adam(AdamOptions{0.05f});
  FitOptions options;
  options.epochs = 300;
  options.batch_size = 4;
  options.distillation.teacher_logits = &xnor_teacher;
  options.distillation.weight = 1.0f;
  options.distillation.temperature = 2.0f;
  Trainer trainer(m, adam, options);
  trainer.fit(xor_data);
  EXPECT_EQ(trainer.predict(xor_data), (std::vector<int32_t>{1, 0, 0, 1}));
  const Tensor out = predict_logits(m, xor_data);
  ASSERT_EQ(out.shape(), (Shape{4, 2}));
  EXPECT_GT(out[1] - out[0], 1.0f);  // sample 0: the teacher's class 1 by a margin

  // Teacher rows that do not match the data are refused by name.
  Tensor short_teacher({3, 2});
  options.distillation.teacher_logits = &short_teacher;
  Trainer bad(m, adam, options);
  try {
    bad.fit(xor_data);
    FAIL() << "3 teacher rows for 4 samples accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("teacher's logits are [3, 2], expected [4, 2]"),
              std::string::npos)
        << e.what();
  }
}

TEST(TrainEarlyStopping, StopsAndRestoresBestWeights) {
  // Few noisy training samples and a big network: validation loss rises.
  Dataset train = bars(12, 21), validation = bars(40, 22);
  for (int64_t i = 0; i < train.x.size(); ++i) train.x[i] *= 0.3f;
  Model m;
  NodeId x = m.input({8, 8, 1});
  x = m.add(std::make_unique<Flatten>(), x);
  x = m.add(std::make_unique<Dense>(64), x);
  x = m.add(std::make_unique<ReLU>(), x);
  m.add(std::make_unique<Dense>(2), x);
  m.initialize(4);
  Adam adam(AdamOptions{0.05f});
  FitOptions options;
  options.epochs = 200;
  options.batch_size = 4;
  options.early_stopping.patience = 5;
  Trainer trainer(m, adam, options);
  const History history = trainer.fit(train, &validation);
  ASSERT_TRUE(history.stopped_early);
  ASSERT_GE(history.best_epoch, 0);
  EXPECT_EQ(int(history.epochs.size()), history.best_epoch + 1 + 5);
  EXPECT_NEAR(trainer.evaluate(validation).loss,
              history.epochs[size_t(history.best_epoch)].val_loss, 1e-6);
}

// Label smoothing: on separable data the model's confidence settles at the smoothed target
// (1 - e + e / K), not at 1 as plain cross-entropy drives it.
TEST(TrainLabelSmoothing, ConfidenceSettlesAtTheSmoothedTarget) {
  auto confidence = [](float smoothing) {
    Model m = bar_model();
    m.initialize(3);
    Adam adam(AdamOptions{0.01f});
    FitOptions options;
    options.epochs = 60;
    options.batch_size = 16;
    options.label_smoothing = smoothing;
    Trainer trainer(m, adam, options);
    const Dataset train = bars(64, 5);
    trainer.fit(train);
    const Tensor logits = predict_logits(m, train);
    Tensor p;
    softmax(logits, &p);
    double sum = 0.0;
    for (int i = 0; i < train.size(); ++i) sum += p[i * 2 + train.labels[size_t(i)]];
    return sum / train.size();
  };
  const double plain = confidence(0.0f), smoothed = confidence(0.2f);
  EXPECT_GT(plain, 0.97);
  EXPECT_NEAR(smoothed, 1.0 - 0.2 + 0.2 / 2, 0.02);  // 0.9
  FitOptions bad;
  bad.label_smoothing = 1.0f;
  Model m = bar_model();
  m.initialize(1);
  Adam adam;
  EXPECT_ERROR_HAS(Trainer(m, adam, bad), "label_smoothing must be in [0, 1)");
}

// Weight averaging: the model fit() returns holds the moving average of the weights of every
// step, which training itself never uses (the raw trajectory is the same with and without).
TEST(TrainWeightAveraging, FitReturnsTheAverageOfTheStepsWeights) {
  Dataset d;
  d.x.resize({6, 4});
  for (int64_t i = 0; i < d.x.size(); ++i) d.x[i] = float((i * 7) % 5) - 2.0f;
  d.labels = {0, 1, 0, 1, 1, 0};
  auto run = [&](float momentum, std::vector<std::vector<float>>* per_epoch) {
    Model m = make_gesture_dense_model(4, 2);
    m.initialize(2);
    Sgd sgd(SgdOptions{0.1f});
    FitOptions options;
    options.epochs = 4;
    options.batch_size = 6;  // one step per epoch
    options.shuffle = false;
    options.ema_momentum = momentum;
    if (per_epoch)
      options.on_epoch = [&m, per_epoch](int, double, double, double, double) {
        per_epoch->emplace_back();
        m.save_values(&per_epoch->back());
      };
    Trainer trainer(m, sgd, options);
    trainer.fit(d);
    std::vector<float> values;
    m.save_values(&values);
    return values;
  };
  std::vector<std::vector<float>> raw;
  const std::vector<float> last = run(0.0f, &raw);
  ASSERT_EQ(raw.size(), 4u);
  EXPECT_EQ(raw.back(), last);
  std::vector<float> expected = raw[0];  // the first step copies
  for (size_t step = 1; step < raw.size(); ++step)
    for (size_t i = 0; i < expected.size(); ++i)
      expected[i] = 0.5f * expected[i] + 0.5f * raw[step][i];
  std::vector<std::vector<float>> raw_while_averaging;
  const std::vector<float> averaged = run(0.5f, &raw_while_averaging);
  EXPECT_EQ(raw_while_averaging, raw);  // without validation the callback sees the raw weights
  ASSERT_EQ(averaged.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(averaged[i], expected[i], 1e-6f) << i;
}

// With validation, early stopping judges (and restores) the averaged weights, their BatchNorm
// statistics recomputed for them.
TEST(TrainWeightAveraging, EarlyStoppingRestoresTheBestAverage) {
  Model m = bar_model();
  m.initialize(6);
  Adam adam(AdamOptions{0.02f});
  FitOptions options;
  options.epochs = 30;
  options.batch_size = 8;
  options.ema_momentum = 0.9f;
  options.early_stopping.patience = 4;
  Trainer trainer(m, adam, options);
  const Dataset train = bars(48, 31), validation = bars(40, 32);
  const History history = trainer.fit(train, &validation);
  ASSERT_GE(history.best_epoch, 0);
  EXPECT_NEAR(trainer.evaluate(validation).loss,
              history.epochs[size_t(history.best_epoch)].val_loss, 1e-6);
  EXPECT_GE(trainer.evaluate(bars(100, 77)).accuracy, 0.85);  // the average is a working model
}

TEST(TrainTrainer, BadDataAndOptionsAreRefused) {
  Model m = make_gesture_dense_model(4, 2);
  m.initialize(1);
  RmsProp rms;
  Dataset d;
  d.x.resize({3, 4});
  d.x.set_zero();
  d.labels = {0, 1, 2};
  FitOptions options;
  Trainer trainer(m, rms, options);
  EXPECT_ERROR_HAS(trainer.fit(d), "label of sample 2 is 2, expected a class index in [0, 2)");
  d.labels = {0, 1};
  EXPECT_ERROR_HAS(trainer.fit(d), "3 samples but 2 labels");
  d.labels = {0, 1, 1};
  d.x[5] = NAN;
  EXPECT_ERROR_HAS(trainer.fit(d), "sample 1 has a non-finite value (nan) at element 1");
  d.x[5] = 0.0f;
  Dataset wrong;
  wrong.x.resize({3, 5});
  wrong.labels = {0, 0, 0};
  EXPECT_ERROR_HAS(trainer.fit(wrong),
                   "samples must be [4] (the model input), got x of shape [3, 5]");
  FitOptions no_epochs;
  no_epochs.epochs = 0;
  EXPECT_ERROR_HAS(Trainer(m, rms, no_epochs), "epochs must be >= 1");
  FitOptions stopping;
  stopping.early_stopping.patience = 3;
  Trainer needs_validation(m, rms, stopping);
  EXPECT_ERROR_HAS(needs_validation.fit(d), "give validation data");
  // A learning rate that blows up is reported, not trained on silently.
  Dataset big = d;
  big.x.vector().setConstant(1e30f);
  Sgd wild(SgdOptions{1e30f});
  FitOptions two_steps;
  two_steps.epochs = 2;
  Trainer diverging(m, wild, two_steps);
  EXPECT_ERROR_HAS(diverging.fit(big), "training diverged at step 1: the loss is");
}

// Batch normalization cannot train on one sample per batch: a dense input's variance is 0
// (the layer outputs beta whatever the input), a convolution's statistics are one sample's
// (instance norm), which inference never sees. The trainer refuses it, naming the setting.
TEST(TrainBatchNormSettings, BatchSizeOneIsRefusedNamingTheLayer) {
  Model m;
  NodeId x = m.input({4});
  x = m.add(std::make_unique<Dense>(3), x);
  x = m.add(std::make_unique<BatchNorm>(), x, "bn_1");
  m.add(std::make_unique<Dense>(2), x);
  m.initialize(1);
  Adam adam;
  FitOptions options;
  options.batch_size = 1;
  options.shards = 1;
  EXPECT_ERROR_HAS(Trainer(m, adam, options),
                   "batch_size 1 cannot train BatchNorm layer 'bn_1': batch normalization needs "
                   "at least 2 samples per batch");
  options.batch_size = 2;
  EXPECT_NO_THROW(Trainer(m, adam, options));
  // Without batch normalization batch size 1 is fine (the paper's recipe).
  Model dense = make_gesture_dense_model(4, 2);
  dense.initialize(1);
  options.batch_size = 1;
  EXPECT_NO_THROW(Trainer(dense, adam, options));
}

// Samples whose mean differs between the two halves of the batch: per-shard variances miss
// the spread between the shards' means. One step at momentum 0 leaves the moving statistics
// equal to the batch's whatever the shard count, and no shard of one sample is cut.
TEST(TrainBatchNormSettings, MovingStatisticsAreTheWholeBatchsWhateverTheShards) {
  auto moving = [](int shards, int batch) {
    Model m;
    NodeId x = m.input({2});
    x = m.add(std::make_unique<BatchNorm>(0.0f), x, "bn");
    m.add(std::make_unique<Dense>(2), x);
    m.initialize(1);
    Dataset d;
    d.x.resize({batch, 2});
    for (int i = 0; i < batch; ++i) {
      d.x[2 * i] = i < batch / 2 ? float(i) : float(i) + 10.0f;
      d.x[2 * i + 1] = float(i % 3);
      d.labels.push_back(i % 2);
    }
    Sgd sgd;
    FitOptions options;
    options.shards = shards;
    options.batch_size = batch;
    options.shuffle = false;
    Trainer trainer(m, sgd, options);
    std::vector<int> all(static_cast<size_t>(batch));
    for (int i = 0; i < batch; ++i) all[size_t(i)] = i;
    trainer.train_step(d, all.data(), batch, 0);
    const Layer& bn = m.layer("bn");
    return std::vector<float>{
        (*bn.param("moving_mean").value)[0], (*bn.param("moving_mean").value)[1],
        (*bn.param("moving_variance").value)[0], (*bn.param("moving_variance").value)[1]};
  };
  // x0 = 0..3 then 14..17: mean 8.5, biased variance 50.25 (within-halves mean: 1.25).
  const std::vector<float> one = moving(1, 8);
  EXPECT_NEAR(one[0], 8.5f, 1e-5f);
  EXPECT_NEAR(one[2], 50.25f, 1e-3f);
  for (int shards : {2, 4, 8}) {
    const std::vector<float> many = moving(shards, 8);
    for (size_t i = 0; i < one.size(); ++i)
      EXPECT_NEAR(many[i], one[i], 1e-3f) << shards << " shards, statistic " << i;
  }
  // A batch of 3 over 4 shards: one shard of all 3 (no ghost batch of 1 sample).
  const std::vector<float> three = moving(4, 3);  // x0 = 0, 11, 12
  const float mean3 = 23.0f / 3.0f;
  const float var3 =
      (mean3 * mean3 + (11 - mean3) * (11 - mean3) + (12 - mean3) * (12 - mean3)) / 3.0f;
  EXPECT_NEAR(three[0], mean3, 1e-4f);
  EXPECT_NEAR(three[2], var3, 1e-3f);
}

// A small dataset trains for few steps: a moving average at momentum 0.99 that starts at
// mean 0, variance 1 is still far from data of mean 5, variance 0.01 after 10 steps, and the
// network then sees other inputs in inference than in training (the magic-wand conv net:
// 0.89 training accuracy, 0.39 in inference on the same recordings). fit() ends with the
// statistics of the whole training set.
TEST(TrainBatchNormSettings, FitEndsWithTheTrainingSetsStatistics) {
  Model m;
  NodeId x = m.input({3});
  x = m.add(std::make_unique<BatchNorm>(), x, "bn");
  m.add(std::make_unique<Dense>(2), x);
  m.initialize(1);
  Dataset d;
  d.x.resize({40, 3});
  Rng rng(3);
  double sum = 0.0, sum_sq = 0.0;
  for (int i = 0; i < 40; ++i) {
    for (int c = 0; c < 3; ++c) d.x[3 * i + c] = 5.0f + 0.1f * float(rng.normal());
    sum += d.x[3 * i];
    sum_sq += double(d.x[3 * i]) * d.x[3 * i];
    d.labels.push_back(i % 2);
  }
  const double mean = sum / 40, variance = sum_sq / 40 - mean * mean;
  Adam adam;
  FitOptions options;
  options.batch_size = 8;  // 5 steps
  options.epochs = 2;
  Trainer trainer(m, adam, options);
  trainer.fit(d);
  const Layer& bn = m.layer("bn");
  EXPECT_NEAR((*bn.param("moving_mean").value)[0], mean, 1e-4);
  EXPECT_NEAR((*bn.param("moving_variance").value)[0], variance, 1e-4);
}

}  // namespace
}  // namespace edge::train

// ---- The training hot path does not allocate --------------------------------
// Counts global operator new calls; the test reads the counter around steps.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// GCC sees malloc behind operator new and free behind operator delete and
// warns about the pair; they are matched here on purpose.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace edge::train {
namespace {

TEST(TrainTrainer, StepsAfterTheFirstDoNotAllocate) {
  Model m;
  NodeId x = m.input({9, 9, 2});
  x = m.add(std::make_unique<Conv2D>(4, 3, 2, Padding::kSame), x);
  x = m.add(std::make_unique<BatchNorm>(), x);
  x = m.add(std::make_unique<ReLU6>(), x);
  x = m.add(std::make_unique<DepthwiseConv2D>(Window2D{3, 3, 1, 1, 1, 1, Padding::kSame}), x);
  x = m.add(std::make_unique<MaxPool2D>(2, 1), x);
  x = fire(m, x, 2, 3, true, "fire");
  x = m.add(std::make_unique<AveragePool2D>(2, 2, Padding::kSame), x);
  x = m.add(std::make_unique<Dropout>(0.3f), x);
  x = m.add(std::make_unique<Flatten>(), x);
  m.add(std::make_unique<Dense>(3), x);
  m.initialize(1);
  Dataset data;
  data.x.resize({10, 9, 9, 2});
  Rng rng(1);
  for (int64_t i = 0; i < data.x.size(); ++i) data.x[i] = float(rng.normal());
  for (int i = 0; i < 10; ++i) data.labels.push_back(i % 3);
  Adam adam;
  FitOptions options;
  options.threads = 2;
  Trainer trainer(m, adam, options);
  const int order[] = {3, 1, 4, 0, 5, 9, 2, 6, 8, 7};
  trainer.train_step(data, order, 10, 0);  // first step sizes everything
  trainer.train_step(data, order, 7, 1);   // a smaller (last) batch
  const long before = g_allocations.load();
  for (int64_t step = 2; step < 6; ++step) trainer.train_step(data, order, step % 2 ? 7 : 10, step);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace edge::train
