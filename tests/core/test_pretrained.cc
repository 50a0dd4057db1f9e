// load_pretrained_weights (core/learn/train/pretrained.h): a model's layers take the weights of
// another network's weighted operators. A float model gives them exactly; TFLM's int8
// person_detect gives them dequantized, and the float layers then compute what the int8
// network computes, within its quantization.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/feature_extractor.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "tests/common/test_util.h"
#include "train/activation.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/export_ir.h"
#include "train/pool.h"
#include "train/pretrained.h"
#include "train/rng.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

Window2D window(int kernel, int stride, Padding padding) {
  Window2D w;
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride;
  w.padding = padding;
  return w;
}

// conv 3x3/2 + relu6, depthwise 3x3 + relu6, pointwise 8, GAP, dense 3.
Model small_model(int conv_stride = 2, bool relu_after_dw = true) {
  Model m;
  NodeId x = m.input({12, 12, 2});
  x = m.add(std::make_unique<Conv2D>(6, window(3, conv_stride, Padding::kSame)), x, "conv");
  x = m.add(std::make_unique<ReLU6>(), x, "conv_relu6");
  x = m.add(std::make_unique<DepthwiseConv2D>(window(3, 1, Padding::kSame), 2), x, "dw");
  if (relu_after_dw) x = m.add(std::make_unique<ReLU6>(), x, "dw_relu6");
  x = m.add(std::make_unique<Conv2D>(8, window(1, 1, Padding::kValid)), x, "pw");
  x = m.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  m.add(std::make_unique<Dense>(3), x, "logits");
  return m;
}

Tensor random_batch(int batch, const Shape& sample, uint64_t seed) {
  Tensor x(batched(batch, sample));
  Rng rng(seed);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = float(rng.uniform() * 2.0 - 1.0);
  return x;
}

// A float model file (the source's export) and a differently initialized model of its shape.
class PretrainedFloat : public ::testing::Test {
 protected:
  PretrainedFloat() : source(small_model()), target(small_model()) {
    source.initialize(1);
    target.initialize(2);
    ir = export_ir(source);
  }
  Model source, target;
  nn::Model ir;
};

TEST_F(PretrainedFloat, WeightsAreCopiedExactly) {
  const std::vector<std::string> log =
      load_pretrained_weights(target, ir, {"conv", "dw", "pw", "logits"});
  ASSERT_EQ(log.size(), 4u);
  EXPECT_NE(log[1].find("dw <- operator"), std::string::npos) << log[1];
  const Tensor x = random_batch(3, {12, 12, 2}, 5);
  Context ctx;
  const Tensor want = source.forward(x, ctx);
  const Tensor got = target.forward(x, ctx);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "logit " << i;
}

TEST_F(PretrainedFloat, APrefixOfTheOperatorsLeavesTheOtherLayersAsTheyWere) {
  const std::vector<float> logits_before(target.layer("logits").param("kernel").value->data(),
                                         target.layer("logits").param("kernel").value->data() + 24);
  load_pretrained_weights(target, ir, {"conv", "dw"});
  const Tensor& conv = *target.layer("conv").param("kernel").value;
  const Tensor& conv_source = *source.layer("conv").param("kernel").value;
  for (int64_t i = 0; i < conv.size(); ++i) EXPECT_EQ(conv[i], conv_source[i]);
  const float* logits = target.layer("logits").param("kernel").value->data();
  EXPECT_EQ(std::vector<float>(logits, logits + 24), logits_before);
}

void expect_refused(Model& target, const nn::Model& ir, const std::vector<std::string>& layers,
                    const std::string& needle) {
  try {
    load_pretrained_weights(target, ir, layers);
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Pretrained, MismatchesAreRefusedNamingOperatorAndLayer) {
  Model source = small_model();
  source.initialize(1);
  const nn::Model ir = export_ir(source);
  {
    Model target = small_model();
    expect_refused(target, ir, {"conv", "nope"}, "no layer \"nope\" (layers: conv, conv_relu6");
  }
  {
    Model target = small_model();
    expect_refused(target, ir, {"dw"},
                   "operator 0 (CONV_2D) -> layer \"dw\": the layer is "
                   "DepthwiseConv2D, the operator needs Conv2D");
  }
  {
    Model target = small_model(/*conv_stride=*/1);
    expect_refused(target, ir, {"conv"}, "the file has stride [2, 2]");
  }
  {
    Model target = small_model(2, /*relu_after_dw=*/false);
    expect_refused(target, ir, {"conv", "dw"},
                   "the file fuses ReLU6 into the operator, the layer is followed by no "
                   "activation (give the layer activation = \"relu6\")");
  }
  {
    Model target = small_model();
    expect_refused(target, ir, {"conv", "dw", "pw", "logits", "gap"},
                   "5 layers are to take its weights, it has 4 weighted operators");
  }
  {
    Model wider;
    NodeId x = wider.input({12, 12, 2});
    wider.add(std::make_unique<Conv2D>(7, window(3, 2, Padding::kSame)), x, "conv");
    wider.add(std::make_unique<ReLU6>(), 1, "conv_relu6");
    expect_refused(wider, ir, {"conv"}, "has shape [6, 3, 3, 2], the layer's is [7, 3, 3, 2]");
  }
}

// person_detect's first eleven operators as trainer layers (what pipelines/sound-finetune's
// model file declares), then a global average pool.
Model person_detect_layers() {
  Model m;
  NodeId x = m.input({96, 96, 1});
  auto relu6 = [&](const std::string& name) { x = m.add(std::make_unique<ReLU6>(), x, name); };
  x = m.add(std::make_unique<DepthwiseConv2D>(window(3, 2, Padding::kSame), 8), x, "conv0");
  relu6("conv0_relu6");
  const int pointwise[] = {16, 32, 32, 64, 64};
  const int dw_stride[] = {1, 2, 1, 2, 1};
  for (int b = 0; b < 5; ++b) {
    const std::string n = std::to_string(b + 1);
    x = m.add(std::make_unique<DepthwiseConv2D>(window(3, dw_stride[b], Padding::kSame)), x,
              "dw" + n);
    relu6("dw" + n + "_relu6");
    x = m.add(std::make_unique<Conv2D>(pointwise[b], window(1, 1, Padding::kValid)), x, "pw" + n);
    relu6("pw" + n + "_relu6");
  }
  m.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  return m;
}

TEST(Pretrained, Int8PersonDetectSeedsFloatLayersThatComputeWhatItComputes) {
  EDGE_REQUIRE_SHARED(model_path, "models/tflm/person_detect.tflite");
  const nn::Model source = nn::read_tflite_file(model_path);
  Model model = person_detect_layers();
  model.initialize(3);
  const std::vector<std::string> layers = {"conv0", "dw1", "pw1", "dw2", "pw2", "dw3",
                                           "pw3",   "dw4", "pw4", "dw5", "pw5"};
  load_pretrained_weights(model, source, layers);

  // The int8 network up to Conv2d_5_pointwise, averaged over H and W: 64 int8 features.
  nn::FeatureExtractorOptions options;
  options.tensor = "70";
  options.bands = 1;
  options.max = false;
  const nn::Model cut = nn::cut_feature_extractor(source, options);
  nn::Interpreter interpreter(cut, {nn::KernelSet::kReference, 1});
  const QuantParams& in_q = cut.input(0).quant;
  const QuantParams& out_q = cut.output(0).quant;

  // Smooth images (sums of a few sinusoids), as spectrograms are; each fed to both networks
  // as the same int8 values.
  Rng rng(11);
  double abs_error = 0.0, abs_value = 0.0;
  for (int image = 0; image < 4; ++image) {
    Tensor x(batched(1, {96, 96, 1}));
    const double fy = 1 + 6 * rng.uniform(), fx = 1 + 6 * rng.uniform(), phase = rng.uniform() * 6;
    int8_t* q = interpreter.input(0).data<int8_t>();
    for (int i = 0; i < 96 * 96; ++i) {
      const double v =
          0.6 * std::sin(fy * (i / 96) / 15.0 + phase) * std::cos(fx * (i % 96) / 15.0) +
          0.3 * (rng.uniform() - 0.5);
      const long level = std::lround(v / in_q.scale[0]) + long(in_q.zero_point[0]);
      q[i] = int8_t(std::max(-128L, std::min(127L, level)));
      x[i] = in_q.scale[0] * float(q[i] - in_q.zero_point[0]);
    }
    interpreter.invoke();
    Context ctx;
    const Tensor& features = model.forward(x, ctx);
    ASSERT_EQ(features.size(), 64);
    const int8_t* got = interpreter.output(0).data<int8_t>();
    for (int c = 0; c < 64; ++c) {
      const float int8_value = out_q.scale[0] * float(got[c] - out_q.zero_point[0]);
      abs_error += std::fabs(features[c] - int8_value);
      abs_value += std::fabs(int8_value);
      // Within a few of the int8 output's steps: eleven layers of rounding, then a mean.
      EXPECT_NEAR(features[c], int8_value, 4 * out_q.scale[0])
          << "image " << image << " channel " << c;
    }
  }
  EXPECT_GT(abs_value, 0.0);
  // Not just near on average of nothing: the error is small against the features themselves.
  EXPECT_LT(abs_error, 0.03 * abs_value) << "mean error " << abs_error / 256;
}

}  // namespace
}  // namespace edge::train
