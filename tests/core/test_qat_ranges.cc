// QAT ranges into the int8 quantizer: after quantization-aware training the
// FakeQuant ranges, not a calibration pass, decide the int8 activation
// parameters. Checked on the paper's gesture network (bundled recordings).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>
#include <string>

#include "common/error.h"
#include "nn/interpreter.h"
#include "optimize/ptq.h"
#include "optimize/sequence.h"
#include "tests/core/gesture_baseline.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/export_ir.h"
#include "train/pruning.h"
#include "train/qat.h"

namespace edge::optimize {
namespace {

using train::Dataset;

std::vector<Sample> representative(const Dataset& data) {
  std::vector<Sample> samples;
  const int64_t n = data.x.inner_size();
  for (int i = 0; i < data.size(); ++i) {
    const float* x = data.x.data() + i * n;
    samples.push_back({std::vector<float>(x, x + n)});
  }
  return samples;
}

// Accuracy of a model with float32 input and output on `data`.
double accuracy(const nn::Model& model, const Dataset& data) {
  nn::Interpreter interpreter(model, {nn::KernelSet::kReference, 1});
  const int64_t n = data.x.inner_size();
  int correct = 0;
  for (int i = 0; i < data.size(); ++i) {
    std::memcpy(interpreter.input(0).data<float>(), data.x.data() + i * n, size_t(n) * 4);
    interpreter.invoke();
    const float* p = interpreter.output(0).data<float>();
    const int64_t classes = interpreter.output(0).elements();
    correct += int(std::max_element(p, p + classes) - p) == data.labels[size_t(i)];
  }
  return double(correct) / data.size();
}

// The int8 tensor holding activation `name` (the tensor itself or its _int8 copy).
const nn::Tensor* int8_tensor(const nn::Model& model, const std::string& name) {
  for (const nn::Tensor& t : model.tensors()) {
    if (t.type == DType::kInt8 && (t.name == name || t.name == name + "_int8")) return &t;
  }
  return nullptr;
}

TEST(QatRanges, Int8ScalesAreTheQatRangesAndAccuracyIsKept) {
  train::GestureBaseline base;
  train::Model qat = train::insert_fake_quant(base.model);
  train::WeightFakeQuantizer weights(qat);
  train::RmsProp optimizer(train::RmsPropOptions{});
  train::Trainer trainer(qat, optimizer, base.fit);
  train::StepHookOptions tune;
  tune.epochs = 10;
  tune.batch_size = 4;
  train::fit_with_step_hook(trainer, base.train, tune, [&](int64_t) { weights.after_step(); });
  weights.finish();

  const std::map<std::string, TensorRange> ranges = qat_activation_ranges(qat);
  // The input and the three fused FULLY_CONNECTED outputs, named as export_ir names them.
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges.count("input"), 1u);
  EXPECT_EQ(ranges.count("relu_50"), 1u);
  EXPECT_EQ(ranges.count("logits"), 1u);

  PtqOptions options;
  options.mode = QuantMode::kFullInteger;
  options.representative = representative(base.train);
  const nn::Model ptq_int8 = quantize(train::export_ir(base.model), options).model;
  options.activation_ranges = ranges;
  const PtqResult q = quantize(train::export_ir(qat), options);
  EXPECT_EQ(q.ranges_from_options, 4u);
  for (const auto& [name, range] : ranges) {
    const nn::Tensor* t = int8_tensor(q.model, name);
    ASSERT_NE(t, nullptr) << name;
    const train::FakeQuantGrid grid = train::fake_quant_grid(range.min, range.max);
    EXPECT_NEAR(t->quant.scale.at(0), grid.scale, 1e-6 * grid.scale) << name;
    EXPECT_EQ(t->quant.zero_point.at(0), std::lround(-128.0 - grid.nudged_min / grid.scale))
        << name;
  }
  const double float_acc = base.float_accuracy;
  const double ptq_acc = accuracy(ptq_int8, base.test);
  const double qat_acc = accuracy(q.model, base.test);
  std::cout << "gesture test fold (" << base.test.size() << " recordings): float " << float_acc
            << ", PTQ int8 " << ptq_acc << ", QAT int8 (10 epochs, QAT ranges) " << qat_acc << "\n";
  EXPECT_GE(qat_acc, float_acc - 0.1);
}

TEST(QatRanges, RangesNamingNoActivationOrInvertedAreRefused) {
  train::Model model = train::make_gesture_dense_model(20, 2);
  model.initialize(1);
  const nn::Model ir = train::export_ir(model);
  PtqOptions options;
  options.representative = {{std::vector<float>(20, 0.5f)}, {std::vector<float>(20, -0.5f)}};
  options.activation_ranges["no_such_tensor"] = TensorRange{true, -1.f, 1.f};
  try {
    quantize(ir, options);
    FAIL() << "unknown tensor accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_tensor"), std::string::npos) << e.what();
  }
  options.activation_ranges.clear();
  options.activation_ranges["input"] = TensorRange{true, 1.f, -1.f};
  EXPECT_THROW(quantize(ir, options), Error);
  options.activation_ranges["input"] = TensorRange{true, -1.f, NAN};
  EXPECT_THROW(quantize(ir, options), Error);
  // A given range is used as is: input [-1, 3] -> scale 4/255, zero point
  // -128 + 1 / (4/255) = -64.25 -> -64.
  options.activation_ranges["input"] = TensorRange{true, -1.f, 3.f};
  const PtqResult q = quantize(ir, options);
  const nn::Tensor* in = int8_tensor(q.model, "input");
  ASSERT_NE(in, nullptr);
  EXPECT_FLOAT_EQ(in->quant.scale.at(0), 4.f / 255.f);
  EXPECT_EQ(in->quant.zero_point.at(0), -64);
}

}  // namespace
}  // namespace edge::optimize
