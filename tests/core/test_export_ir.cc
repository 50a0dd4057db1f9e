// export_ir: the IR of a trained model runs in the interpreter and gives the
// trainer's inference-mode outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/activation.h"
#include "train/architectures.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/export_ir.h"
#include "train/pool.h"
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

// Gives BatchNorm layers non-trivial statistics so folding is really tested.
void randomize_batchnorms(Model& model, uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < model.num_layers(); ++i) {
    if (std::string(model.layer(i).kind()) != "BatchNorm") continue;
    for (Param& p : model.layer(i).params()) {
      Tensor& v = *p.value;
      for (int64_t k = 0; k < v.size(); ++k) {
        const float u = float(rng.uniform());
        if (p.name == "moving_variance")
          v[k] = 0.2f + 2.0f * u;
        else if (p.name == "gamma")
          v[k] = 0.5f + u;
        else
          v[k] = u - 0.5f;
      }
    }
  }
}

// Runs the IR on x (batch folded into the IR's batch) and returns its output.
std::vector<float> run_ir(const nn::Model& ir, const Tensor& x) {
  nn::Interpreter interpreter(ir, {nn::KernelSet::kReference, 1});
  EXPECT_EQ(interpreter.input(0).elements(), x.size());
  std::memcpy(interpreter.input(0).data<float>(), x.data(), size_t(x.size()) * sizeof(float));
  interpreter.invoke();
  const float* out = interpreter.output(0).data<float>();
  return std::vector<float>(out, out + interpreter.output(0).elements());
}

void expect_close(const std::vector<float>& got, const Tensor& want, double rel) {
  ASSERT_EQ(int64_t(got.size()), want.size());
  double scale = 0.0;
  for (int64_t i = 0; i < want.size(); ++i) scale = std::max(scale, double(std::fabs(want[i])));
  ASSERT_GT(scale, 0.0);
  for (int64_t i = 0; i < want.size(); ++i) {
    EXPECT_LE(std::fabs(double(got[size_t(i)]) - want[i]), rel * scale)
        << "element " << i << ": IR " << got[size_t(i)] << ", trainer " << want[i];
  }
}

int count_ops(const nn::Model& ir, nn::Op op) {
  return int(std::count_if(ir.operators().begin(), ir.operators().end(),
                           [op](const nn::Operator& o) { return o.op == op; }));
}

TEST(ExportIr, GestureDenseNetworkMatchesTrainerLogits) {
  Model model = make_gesture_dense_model(180, 2);
  model.initialize(7);
  const Tensor x = random_batch(4, {180}, 11);
  Context ctx;
  const Tensor want = model.forward(x, ctx);

  ExportOptions options;
  options.batch = 4;
  options.softmax = false;
  const nn::Model ir = export_ir(model, options);
  // 3 FULLY_CONNECTED, the first two with fused ReLU; no RELU operators.
  ASSERT_EQ(ir.operators().size(), 3u);
  EXPECT_EQ(count_ops(ir, nn::Op::kRelu), 0);
  EXPECT_EQ(ir.operators()[0].options_as<nn::FullyConnectedOptions>()->activation,
            nn::Activation::kRelu);
  EXPECT_EQ(ir.operators()[2].options_as<nn::FullyConnectedOptions>()->activation,
            nn::Activation::kNone);
  EXPECT_EQ(ir.parameter_bytes(), size_t(model.parameter_count()) * 4);
  expect_close(run_ir(ir, x), want, 1e-5);
}

TEST(ExportIr, SoftmaxAndLabelsPassThrough) {
  Model model = make_gesture_dense_model(180, 2);
  model.initialize(3);
  const Tensor x = random_batch(1, {180}, 5);
  Context ctx;
  const Tensor logits = model.forward(x, ctx);
  ExportOptions options;
  options.labels = {"punch", "flex"};
  options.metadata = {{"edgestream.preprocess", "edgenormalize mode=minmax"}};
  const nn::Model ir = export_ir(model, options);
  EXPECT_EQ(ir.operators().back().op, nn::Op::kSoftmax);
  EXPECT_EQ(ir.labels(), (std::vector<std::string>{"punch", "flex"}));
  ASSERT_NE(ir.find_metadata("edgestream.preprocess"), nullptr);
  EXPECT_EQ(ir.find_metadata("edgestream.preprocess")->as_string(), "edgenormalize mode=minmax");
  const std::vector<float> probs = run_ir(ir, x);
  const double m = std::max(logits[0], logits[1]);
  const double e0 = std::exp(logits[0] - m), e1 = std::exp(logits[1] - m);
  EXPECT_NEAR(probs[0], e0 / (e0 + e1), 1e-6);
  EXPECT_NEAR(probs[1], e1 / (e0 + e1), 1e-6);
}

TEST(ExportIr, FireModuleCnnWithBatchNormMatchesTrainer) {
  Model model;
  NodeId x = model.input({15, 15, 1});
  x = model.add(std::make_unique<Conv2D>(8, 3, 2), x, "conv1");  // 7x7x8
  x = model.add(std::make_unique<BatchNorm>(), x, "conv1_bn");
  x = model.add(std::make_unique<ReLU>(), x, "conv1_relu");
  x = model.add(std::make_unique<MaxPool2D>(3, 2), x, "pool1");  // 3x3x8
  x = add_fire_module(model, x, 4, 6, "fire2");                  // 3x3x12
  x = model.add(std::make_unique<Dropout>(0.5f), x, "drop");
  x = model.add(std::make_unique<Conv2D>(3, 1), x, "conv10");
  model.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  model.initialize(21);
  randomize_batchnorms(model, 4);

  const Tensor input = random_batch(2, {15, 15, 1}, 8);
  Context ctx;
  const Tensor want = model.forward(input, ctx);
  ExportOptions options;
  options.batch = 2;
  options.softmax = false;
  const nn::Model ir = export_ir(model, options);
  EXPECT_EQ(count_ops(ir, nn::Op::kConv2D), 5);  // conv1, squeeze, 2 expands, conv10
  EXPECT_EQ(count_ops(ir, nn::Op::kConcatenation), 1);
  EXPECT_EQ(count_ops(ir, nn::Op::kMean), 1);
  EXPECT_EQ(count_ops(ir, nn::Op::kRelu), 0);  // all fused
  expect_close(run_ir(ir, input), want, 1e-5);
}

TEST(ExportIr, DepthwiseAveragePoolFlattenAndStandaloneRelu6) {
  Model model;
  NodeId x = model.input({8, 8, 3});
  Window2D w;
  w.kernel_h = w.kernel_w = 3;
  w.padding = Padding::kSame;
  const NodeId dw = model.add(std::make_unique<DepthwiseConv2D>(w, 2), x, "dw");  // 8x8x6
  x = model.add(std::make_unique<BatchNorm>(), dw, "dw_bn");
  x = model.add(std::make_unique<ReLU6>(), x, "dw_relu6");
  x = model.add(std::make_unique<AveragePool2D>(2, 2, Padding::kSame), x, "avg");  // 4x4x6
  x = model.add(std::make_unique<ReLU6>(), x, "avg_relu6");  // not after a weighted layer
  x = model.add(std::make_unique<Flatten>(), x, "flatten");
  x = model.add(std::make_unique<Dense>(5, /*use_bias=*/false), x, "dense");
  model.initialize(2);
  randomize_batchnorms(model, 9);

  const Tensor input = random_batch(3, {8, 8, 3}, 1);
  Context ctx;
  const Tensor want = model.forward(input, ctx);
  ExportOptions options;
  options.batch = 3;
  options.softmax = false;
  const nn::Model ir = export_ir(model, options);
  EXPECT_EQ(count_ops(ir, nn::Op::kDepthwiseConv2D), 1);
  EXPECT_EQ(count_ops(ir, nn::Op::kRelu6), 1);
  EXPECT_EQ(count_ops(ir, nn::Op::kReshape), 1);
  EXPECT_EQ(count_ops(ir, nn::Op::kAveragePool2D), 1);
  expect_close(run_ir(ir, input), want, 1e-5);
}

TEST(ExportIr, WrittenAsTfliteAndReadBackGivesTheSameOutputs) {
  Model model;
  NodeId x = model.input({15, 15, 1});
  x = model.add(std::make_unique<Conv2D>(8, 3, 2), x, "conv1");
  x = model.add(std::make_unique<BatchNorm>(), x, "conv1_bn");
  x = model.add(std::make_unique<ReLU>(), x, "conv1_relu");
  x = add_fire_module(model, x, 4, 6, "fire2");
  x = model.add(std::make_unique<Conv2D>(3, 1), x, "conv10");
  model.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  model.initialize(5);
  randomize_batchnorms(model, 6);
  ExportOptions options;
  options.labels = {"dog", "rain", "siren"};
  const nn::Model ir = export_ir(model, options);
  const std::vector<uint8_t> bytes = nn::write_tflite(ir);
  const nn::Model back = nn::read_tflite_buffer(bytes.data(), bytes.size(), "<exported>");
  EXPECT_EQ(back.labels(), options.labels);
  const Tensor input = random_batch(1, {15, 15, 1}, 4);
  const std::vector<float> want = run_ir(ir, input);
  const std::vector<float> got = run_ir(back, input);
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

TEST(ExportIr, RefusesUnfoldableBatchNormAndBadOptions) {
  Model model;
  NodeId x = model.input({4, 4, 2});
  x = model.add(std::make_unique<MaxPool2D>(2, 2), x, "pool");
  model.add(std::make_unique<BatchNorm>(), x, "lonely_bn");
  model.initialize(1);
  try {
    export_ir(model);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lonely_bn"), std::string::npos) << e.what();
  }

  Model dense = make_gesture_dense_model(6, 2);
  dense.initialize(1);
  ExportOptions bad_batch;
  bad_batch.batch = 0;
  EXPECT_THROW(export_ir(dense, bad_batch), Error);
  ExportOptions wrong_labels;
  wrong_labels.labels = {"a", "b", "c"};
  EXPECT_THROW(export_ir(dense, wrong_labels), Error);
  ExportOptions multiline;
  multiline.labels = {"a", "b\nc"};
  EXPECT_THROW(export_ir(dense, multiline), Error);
}

}  // namespace
}  // namespace edge::train
