// Quantization-aware training: TensorFlow's nudged grid, straight-through
// gradients, per-channel weight quantization, and QAT fine-tuning of the
// gesture network on the bundled punch/flex recordings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <set>

#include "common/error.h"
#include "tests/core/gesture_baseline.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/export_ir.h"
#include "train/optimizer.h"
#include "train/pruning.h"
#include "train/qat.h"

namespace edge::train {
namespace {

TEST(FakeQuantGrid, NudgesSoZeroIsExact) {
  // [-0.503, 2.047]: scale 2.55/255 = 0.01, zero point round(50.3) = 50, so the
  // range is nudged to [-0.5, 2.05] and 0 falls exactly on level 50.
  const FakeQuantGrid g = fake_quant_grid(-0.503f, 2.047f);
  EXPECT_FLOAT_EQ(g.scale, 0.01f);
  EXPECT_NEAR(g.nudged_min, -0.5f, 1e-6f);
  EXPECT_NEAR(g.nudged_max, 2.05f, 1e-6f);
  EXPECT_EQ(fake_quantize(0.0f, g), 0.0f);
  // [0, 2.55]: scale 0.01, no nudging.
  const FakeQuantGrid h = fake_quant_grid(0.0f, 2.55f);
  EXPECT_NEAR(fake_quantize(1.234f, h), 1.23f, 1e-6f);
  EXPECT_NEAR(fake_quantize(3.0f, h), 2.55f, 1e-6f);  // clipped
  EXPECT_EQ(fake_quantize(-1.0f, h), 0.0f);
  // A positive-only range is widened to hold 0.
  EXPECT_FLOAT_EQ(fake_quant_grid(1.0f, 2.55f).nudged_min, 0.0f);
  EXPECT_THROW(fake_quant_grid(1.0f, -1.0f), Error);
  EXPECT_THROW(fake_quant_grid(std::nanf(""), 1.0f), Error);
}

TEST(FakeQuantLayer, GradientsPassStraightThroughInsideAndAreZeroOutside) {
  FakeQuant layer;
  layer.build({{4}});
  layer.set_range(0.0f, 2.55f);
  Tensor x({1, 4});
  x[0] = -1.0f;  // below the range
  x[1] = 0.5f;
  x[2] = 2.0f;
  x[3] = 3.0f;  // above the range
  Tensor y, dy({1, 4}), dx;
  for (int i = 0; i < 4; ++i) dy[i] = 10.0f + float(i);
  Context ctx;
  layer.forward({&x}, &y, ctx);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_NEAR(y[1], 0.5f, 1e-6f);
  EXPECT_NEAR(y[3], 2.55f, 1e-6f);
  layer.backward({&x}, y, dy, {&dx});
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_EQ(dx[1], 11.0f);
  EXPECT_EQ(dx[2], 12.0f);
  EXPECT_EQ(dx[3], 0.0f);
}

TEST(FakeQuantLayer, RefusesInferenceWithoutRangeAndBadDecay) {
  FakeQuant layer;
  layer.build({{2}});
  Tensor x({1, 2}), y;
  x.set_zero();
  EXPECT_THROW(layer.forward({&x}, &y, Context{}), Error);
  EXPECT_THROW(FakeQuant(1.0f), Error);
  EXPECT_THROW(FakeQuant(-0.1f), Error);
}

TEST(WeightFakeQuant, PerChannelSymmetricGolden) {
  Tensor w({2, 3});
  const float values[] = {1.0f, -0.5f, 0.25f, 0.1f, 0.2f, -0.3f};
  std::copy(values, values + 6, w.data());
  Tensor q;
  fake_quantize_per_channel(w, 0, &q);
  EXPECT_FLOAT_EQ(q[0], 1.0f);                   // the channel maximum is exact
  EXPECT_FLOAT_EQ(q[2], 32.0f / 127.0f);         // round(0.25 * 127) = 32
  EXPECT_FLOAT_EQ(q[3], 42.0f * 0.3f / 127.0f);  // round(0.1 / (0.3 / 127)) = 42
  EXPECT_FLOAT_EQ(q[5], -0.3f);
  Tensor zeros({1, 2});
  zeros.set_zero();
  fake_quantize_per_channel(zeros, 0, &q);
  EXPECT_EQ(q[0], 0.0f);
  EXPECT_THROW(fake_quantize_per_channel(w, 2, &q), Error);
}

TEST(Qat, GestureNetworkFineTunedWithQatKeepsItsAccuracy) {
  GestureBaseline base;
  const Dataset& train = base.train;
  const Dataset& test = base.test;
  Model& model = base.model;
  const FitOptions& fit = base.fit;
  const double float_accuracy = base.float_accuracy;

  Model qat = insert_fake_quant(model);
  // input, and after relu_50, relu_15 and logits.
  int fake_quants = 0;
  for (size_t i = 0; i < qat.num_layers(); ++i)
    fake_quants += qat.layer(i).kind() == std::string("FakeQuant");
  EXPECT_EQ(fake_quants, 4);
  WeightFakeQuantizer weights(qat);
  RmsProp qat_optimizer(RmsPropOptions{});
  Trainer qat_trainer(qat, qat_optimizer, fit);
  StepHookOptions tune;
  tune.epochs = 10;
  tune.batch_size = 4;
  fit_with_step_hook(qat_trainer, train, tune, [&](int64_t) { weights.after_step(); });
  weights.finish();
  const double qat_accuracy = qat_trainer.evaluate(test).accuracy;
  const auto& fq = static_cast<const FakeQuant&>(qat.layer("relu_50_fakequant"));
  EXPECT_EQ(fq.range_min(), 0.0f);  // after a ReLU
  EXPECT_GT(fq.range_max(), 0.0f);
  // Each kernel row holds at most 255 int8 levels.
  const Tensor& k = *qat.layer("dense_15").param("kernel").value;
  std::set<float> row(k.data(), k.data() + k.dim(1));
  EXPECT_LE(row.size(), 255u);
  std::cout << "gesture test fold (" << test.size() << " recordings): float " << float_accuracy
            << ", after 10 epochs of QAT (int8 weights and activations simulated) " << qat_accuracy
            << "\n";
  EXPECT_GE(qat_accuracy, float_accuracy - 0.1);
  // The QAT model exports like the float one (FakeQuant dropped, ReLUs fused).
  ExportOptions options;
  options.softmax = false;
  EXPECT_EQ(export_ir(qat, options).operators().size(), 3u);
}

}  // namespace
}  // namespace edge::train
