// Optimizer steps checked against hand-computed goldens (Keras update rules),
// the one-cycle schedule's landmarks, and refusal of invalid settings.
#include <gtest/gtest.h>

#include <cmath>

#include "train/optimizer.h"

namespace edge::train {
namespace {

// One scalar parameter w = 1 with gradient g, plus a non-trainable one.
struct Scalars {
  Param weight, statistic;
  std::vector<Param*> list;
  explicit Scalars(float g) {
    for (Param* p : {&weight, &statistic}) {
      p->value = std::make_shared<Tensor>(Shape{1});
      (*p->value)[0] = 1.0f;
      p->grad.resize({1});
      p->grad[0] = g;
    }
    statistic.trainable = false;
    list = {&weight, &statistic};
  }
  float w() const { return (*weight.value)[0]; }
};

TEST(TrainOptimizer, SgdPlainMomentumNesterov) {
  Scalars plain(0.5f);
  Sgd sgd(SgdOptions{0.1f, 0.0f, false});
  sgd.step(plain.list, 0.1f);
  EXPECT_FLOAT_EQ(plain.w(), 0.95f);  // 1 - 0.1 * 0.5
  EXPECT_FLOAT_EQ((*plain.statistic.value)[0], 1.0f) << "non-trainable parameters stay";

  Scalars heavy(0.5f);
  Sgd momentum(SgdOptions{0.1f, 0.9f, false});
  momentum.step(heavy.list, 0.1f);  // v = -0.05
  EXPECT_FLOAT_EQ(heavy.w(), 0.95f);
  momentum.step(heavy.list, 0.1f);  // v = 0.9 * -0.05 - 0.05 = -0.095
  EXPECT_FLOAT_EQ(heavy.w(), 0.855f);

  Scalars ahead(0.5f);
  Sgd nesterov(SgdOptions{0.1f, 0.9f, true});
  nesterov.step(ahead.list, 0.1f);  // v = -0.05; w += 0.9 * v - 0.05
  EXPECT_FLOAT_EQ(ahead.w(), 0.905f);
}

TEST(TrainOptimizer, RmsPropKerasDefaults) {
  RmsProp rms;  // lr 0.001, rho 0.9, epsilon 1e-7
  EXPECT_FLOAT_EQ(rms.learning_rate(), 0.001f);
  Scalars s(0.5f);
  rms.step(s.list, rms.learning_rate());
  // s = 0.1 * 0.25 = 0.025; w = 1 - 0.001 * 0.5 / (sqrt(0.025) + 1e-7)
  EXPECT_NEAR(s.w(), 0.99683772434, 1e-7);
}

TEST(TrainOptimizer, AdamKerasDefaultsTwoSteps) {
  Adam adam;  // lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7
  Scalars s(0.5f);
  adam.step(s.list, adam.learning_rate());
  // m = 0.05, v = 0.00025, lr_t = 0.001 * sqrt(0.001) / 0.1: a step of ~lr.
  EXPECT_NEAR(s.w(), 0.99900000632, 1e-7);
  s.weight.grad[0] = -0.25f;
  adam.step(s.list, adam.learning_rate());
  EXPECT_NEAR(s.w(), 0.99873367079, 1e-7);
  adam.reset();  // a fresh run starts from step 1 again
  s.weight.grad[0] = 0.5f;
  (*s.weight.value)[0] = 1.0f;
  adam.step(s.list, adam.learning_rate());
  EXPECT_NEAR(s.w(), 0.99900000632, 1e-7);
}

TEST(TrainOptimizer, OneCycleLandmarks) {
  OneCycleLr schedule(OneCycleOptions{0.01f, 100, 0.3f, 25.0f, 1e4f});
  EXPECT_FLOAT_EQ(schedule.at(0), 0.01f / 25);
  EXPECT_FLOAT_EQ(schedule.at(29), 0.01f);  // peak at pct_start * total - 1
  EXPECT_NEAR(schedule.at(99), 0.01 / 25 / 1e4, 1e-12);
  EXPECT_FLOAT_EQ(schedule.at(1000), schedule.at(99));
  for (int64_t s = 1; s <= 29; ++s) EXPECT_GT(schedule.at(s), schedule.at(s - 1)) << s;
  for (int64_t s = 30; s <= 99; ++s) EXPECT_LT(schedule.at(s), schedule.at(s - 1)) << s;
  // Half-way through the warm-up the cosine is at the midpoint.
  OneCycleLr even(OneCycleOptions{1.0f, 22, 0.5f, 2.0f, 1e4f});  // 0.5 -> 1 at step 10
  EXPECT_NEAR(even.at(5), 0.75, 1e-6);
}

TEST(TrainOptimizer, InvalidSettingsAreRefused) {
  EXPECT_THROW(Sgd(SgdOptions{0.0f, 0.0f, false}), Error);
  EXPECT_THROW(Sgd(SgdOptions{0.1f, 1.0f, false}), Error);
  EXPECT_THROW(RmsProp(RmsPropOptions{NAN, 0.9f, 1e-7f}), Error);
  EXPECT_THROW(RmsProp(RmsPropOptions{0.001f, -0.1f, 1e-7f}), Error);
  EXPECT_THROW(Adam(AdamOptions{0.001f, 0.9f, 1.5f, 1e-7f}), Error);
  EXPECT_THROW(Adam(AdamOptions{0.001f, 0.9f, 0.999f, 0.0f}), Error);
  EXPECT_THROW(OneCycleLr(OneCycleOptions{0.01f, 0}), Error);
  EXPECT_THROW(OneCycleLr(OneCycleOptions{0.01f, 10, 1.0f}), Error);
  try {
    RmsProp(RmsPropOptions{0.001f, 2.0f, 1e-7f});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("RMSprop rho"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edge::train
