// cut_feature_extractor (core/runtime/nn/feature_extractor.h): TFLM's person_detect cut at
// Conv2d_5_pointwise (../shared/data/models/tflm) against an independent reference (the
// source's own operators up to the cut, run as they are, pooled here), a hand-built float
// model against hand-computed pooling, every refused cut, and the written file read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/feature_extractor.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "tests/common/test_util.h"

namespace edge::nn {
namespace {

// The message of the edge::Error `fn` throws; "" when it throws none.
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

// --- person_detect -----------------------------------------------------------------------

constexpr int32_t kCutTensor = 70;  // MobilenetV1/MobilenetV1/Conv2d_5_pointwise/Relu6
constexpr int32_t kCutProducer = 10;
constexpr const char* kCutName = "MobilenetV1/MobilenetV1/Conv2d_5_pointwise/Relu6";

// The source model with its operators 0..last_op and its output set to `output`: every
// tensor and option copied as is, nothing selected by the code under test. Running it gives
// the cut tensor as a graph output, which the planner keeps intact (an intermediate tensor
// of the full model may share arena bytes with later operators).
Model truncated_copy(const Model& source, int32_t last_op, int32_t output) {
  Model copy;
  copy.set_source(source.source() + " (truncated)");
  for (const Tensor& t : source.tensors()) {
    if (t.is_constant) {
      Tensor constant = t;
      constant.data = nullptr;
      constant.data_bytes = 0;
      copy.add_constant(constant, t.data, t.data_bytes);
    } else {
      copy.add_tensor(t);
    }
  }
  for (int32_t o = 0; o <= last_op; ++o) copy.add_operator(source.operators()[size_t(o)]);
  copy.set_inputs(source.inputs());
  copy.set_outputs({output});
  copy.validate();
  return copy;
}

// TFLite's int8 AVERAGE_POOL_2D: the sum over the window divided by its size, rounded half
// away from zero; MAX_POOL_2D: the largest value. Embedding layout (band, pool, channel).
std::vector<int8_t> reference_embedding(const int8_t* map, int h, int w, int c, int bands) {
  const int band_w = w / bands;
  std::vector<int8_t> out;
  for (int b = 0; b < bands; ++b) {
    std::vector<int8_t> means, maxes;
    for (int ch = 0; ch < c; ++ch) {
      int sum = 0, max = -128;
      for (int y = 0; y < h; ++y) {
        for (int x = b * band_w; x < (b + 1) * band_w; ++x) {
          const int v = map[(y * w + x) * c + ch];
          sum += v;
          max = std::max(max, v);
        }
      }
      const int count = h * band_w;
      const double mean = std::round(double(sum) / count);  // std::round: half away from 0
      means.push_back(static_cast<int8_t>(mean));
      maxes.push_back(static_cast<int8_t>(max));
    }
    out.insert(out.end(), means.begin(), means.end());
    out.insert(out.end(), maxes.begin(), maxes.end());
  }
  return out;
}

// Deterministic 96x96 int8 images: the pixel bytes of TFLM's two test BMPs as stored (their
// row order does not matter here) and two seeded random images.
std::vector<std::vector<int8_t>> test_images(const std::string& models_dir) {
  std::vector<std::vector<int8_t>> images;
  for (const char* name : {"person.bmp", "no_person.bmp"}) {
    std::ifstream file(models_dir + name, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    if (bytes.size() < 14) continue;
    const uint32_t offset =
        bytes[10] | bytes[11] << 8 | bytes[12] << 16 | uint32_t(bytes[13]) << 24;
    if (offset + 96 * 96 > bytes.size()) continue;
    images.emplace_back(bytes.begin() + offset, bytes.begin() + offset + 96 * 96);
  }
  for (unsigned seed : {1u, 2u}) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> value(-128, 127);
    std::vector<int8_t> image(96 * 96);
    for (int8_t& v : image) v = static_cast<int8_t>(value(random));
    images.push_back(image);
  }
  return images;
}

class PersonDetectCut : public ::testing::TestWithParam<KernelSet> {};

TEST_P(PersonDetectCut, Conv2d5PointwiseIntoFourBands) {
  EDGE_REQUIRE_SHARED(model_path, "models/tflm/person_detect.tflite");
  const Model source = read_tflite_file(model_path);
  ASSERT_EQ(source.tensor(kCutTensor).name, kCutName);
  ASSERT_EQ(source.operators()[kCutProducer].outputs, std::vector<int32_t>{kCutTensor});

  FeatureExtractorOptions options;
  options.tensor = std::to_string(kCutTensor);
  options.bands = 4;
  const Model cut = cut_feature_extractor(source, options);
  ASSERT_EQ(cut.operators().size(), 15u);  // 11 kept, 2 pools, concatenation, reshape
  for (size_t o = 0; o <= kCutProducer; ++o) {
    EXPECT_EQ(cut.operators()[o].op, source.operators()[o].op) << "operator " << o;
    EXPECT_EQ(cut.operators()[o].version, source.operators()[o].version) << "operator " << o;
  }
  EXPECT_EQ(cut.operators()[11].op, Op::kAveragePool2D);
  EXPECT_EQ(cut.operators()[12].op, Op::kMaxPool2D);
  EXPECT_EQ(cut.operators()[13].op, Op::kConcatenation);
  EXPECT_EQ(cut.operators()[14].op, Op::kReshape);
  ASSERT_EQ(cut.inputs().size(), 1u);
  EXPECT_EQ(cut.input(0).name, "input");
  EXPECT_EQ(cut.input(0).shape, (Shape{1, 96, 96, 1}));
  ASSERT_EQ(cut.outputs().size(), 1u);
  const Tensor& embedding = cut.output(0);
  EXPECT_EQ(embedding.name, "embedding");
  EXPECT_EQ(embedding.type, DType::kInt8);
  EXPECT_EQ(embedding.shape, (Shape{1, 512}));
  EXPECT_EQ(embedding.quant.scale, source.tensor(kCutTensor).quant.scale);
  EXPECT_EQ(embedding.quant.zero_point, source.tensor(kCutTensor).quant.zero_point);
  EXPECT_EQ(cut.description(), msg("feature extractor: person_detect.tflite cut at ", kCutName,
                                   ", mean and max over H and 4 bands of W"));
  // Only the weights of the kept operators (plus the reshape's 8-byte shape).
  EXPECT_LT(cut.parameter_bytes(), source.parameter_bytes() / 10);

  // By name: the same model.
  options.tensor = kCutName;
  const Model by_name = cut_feature_extractor(source, options);
  EXPECT_EQ(write_tflite(by_name), write_tflite(cut));

  const Model reference_model = truncated_copy(source, kCutProducer, kCutTensor);
  Interpreter reference(reference_model, {KernelSet::kReference, 1});
  Interpreter interpreter(cut, {GetParam(), 1});
  const std::vector<std::vector<int8_t>> images =
      test_images(test::shared_data_root() + "/models/tflm/");
  EXPECT_EQ(images.size(), 4u);
  for (size_t i = 0; i < images.size(); ++i) {
    SCOPED_TRACE(msg("image ", i));
    std::memcpy(reference.input(0).raw(), images[i].data(), images[i].size());
    reference.invoke();
    ASSERT_EQ(reference.output(0).shape(), (Shape{1, 12, 12, 64}));
    const std::vector<int8_t> expected =
        reference_embedding(reference.output(0).data<int8_t>(), 12, 12, 64, 4);

    std::memcpy(interpreter.input(0).raw(), images[i].data(), images[i].size());
    interpreter.invoke();
    const int8_t* got = interpreter.output(0).data<int8_t>();
    const std::vector<int8_t> actual(got, got + 512);
    EXPECT_EQ(actual, expected);
    // Not a degenerate map: the bands differ.
    EXPECT_NE(std::vector<int8_t>(actual.begin(), actual.begin() + 128),
              std::vector<int8_t>(actual.begin() + 128, actual.begin() + 256));
  }
}

TEST(PersonDetectCut, WrittenFileReadsBackAndRuns) {
  EDGE_REQUIRE_SHARED(model_path, "models/tflm/person_detect.tflite");
  const Model source = read_tflite_file(model_path);
  FeatureExtractorOptions options;
  options.tensor = kCutName;
  options.bands = 4;
  const Model cut = cut_feature_extractor(source, options);
  const std::string path = testing::TempDir() + "/person_detect_backbone.tflite";
  WriteOptions write_options;
  write_options.description = cut.description();
  write_tflite_file(cut, path, write_options);
  const Model reread = read_tflite_file(path);
  EXPECT_EQ(reread.description(), cut.description());
  EXPECT_EQ(reread.operators().size(), 15u);
  EXPECT_TRUE(reread.labels().empty());
  const Operator& reshape = reread.operators().back();
  ASSERT_EQ(reshape.inputs.size(), 2u);
  EXPECT_TRUE(reread.tensor(reshape.inputs[1]).is_constant);
  ASSERT_NE(reshape.options_as<ReshapeOptions>(), nullptr);
  EXPECT_EQ(reshape.options_as<ReshapeOptions>()->new_shape, (std::vector<int32_t>{1, 512}));

  Interpreter written(reread, {KernelSet::kFast, 1});
  Interpreter in_memory(cut, {KernelSet::kFast, 1});
  for (Interpreter* run : {&written, &in_memory}) {
    int8_t* in = run->input(0).data<int8_t>();
    for (int i = 0; i < 96 * 96; ++i) in[i] = static_cast<int8_t>((i * 31) % 256 - 128);
    run->invoke();
  }
  EXPECT_EQ(std::memcmp(written.output(0).raw(), in_memory.output(0).raw(), 512), 0);
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Kernels, PersonDetectCut,
                         ::testing::Values(KernelSet::kReference, KernelSet::kFast),
                         [](const auto& info) {
                           return info.param == KernelSet::kFast ? "fast" : "reference";
                         });

// --- a hand-built float model ------------------------------------------------------------

constexpr int kH = 4, kW = 6;

float input_value(int y, int x) { return (y * kW + x) * 0.25f - 2.f; }

// input [1, 4, 6, 1] -> CONV_2D 1x1 "conv1" [1, 4, 6, 2] -> CONV_2D 1x1 "conv2" [1, 4, 6, 3]
// -> RESHAPE "flat" [1, 72]. conv1 channel c is kScale[c] * x + kBias[c].
constexpr float kScale[2] = {1.5f, -0.5f};
constexpr float kBias[2] = {0.25f, 1.0f};

Model float_model() {
  Model model;
  model.set_source("hand.tflite");
  auto activation = [&](const char* name, Shape shape, DType type = DType::kFloat32) {
    Tensor t;
    t.name = name;
    t.type = type;
    t.shape = std::move(shape);
    return model.add_tensor(t);
  };
  auto constant = [&](const char* name, Shape shape, DType type, const void* data, size_t bytes) {
    Tensor t;
    t.name = name;
    t.type = type;
    t.shape = std::move(shape);
    return model.add_constant(t, data, bytes);
  };
  auto floats = [&](const char* name, Shape shape, const std::vector<float>& values) {
    return constant(name, std::move(shape), DType::kFloat32, values.data(), values.size() * 4);
  };
  const int32_t input = activation("input", {1, kH, kW, 1});
  const std::vector<float> w1 = {kScale[0], kScale[1]}, b1 = {kBias[0], kBias[1]};
  const std::vector<float> w2 = {1, 0, 0, 1, 1, -1}, b2 = {0, 0, 0};
  const std::vector<int32_t> flat_shape = {1, kH * kW * 3};
  Conv2DOptions pointwise;
  pointwise.padding = Padding::kValid;

  Operator conv1;
  conv1.op = Op::kConv2D;
  conv1.inputs = {input, floats("w1", {2, 1, 1, 1}, w1), floats("b1", {2}, b1)};
  conv1.outputs = {activation("conv1", {1, kH, kW, 2})};
  conv1.options = pointwise;
  model.add_operator(conv1);
  Operator conv2;
  conv2.op = Op::kConv2D;
  conv2.inputs = {conv1.outputs[0], floats("w2", {3, 1, 1, 2}, w2), floats("b2", {3}, b2)};
  conv2.outputs = {activation("conv2", {1, kH, kW, 3})};
  conv2.options = pointwise;
  model.add_operator(conv2);
  Operator flat;
  flat.op = Op::kReshape;
  flat.inputs = {conv2.outputs[0],
                 constant("flat_shape", {2}, DType::kInt32, flat_shape.data(), 8)};
  flat.outputs = {activation("flat", {1, kH * kW * 3})};
  model.add_operator(flat);
  // An int32 4-D tensor and an unquantized int8 one, for the refused types.
  Operator cast;
  cast.op = Op::kCast;
  cast.inputs = {conv1.outputs[0]};
  cast.outputs = {activation("as_int32", {1, kH, kW, 2}, DType::kInt32)};
  model.add_operator(cast);
  Operator cast8;
  cast8.op = Op::kCast;
  cast8.inputs = {conv1.outputs[0]};
  cast8.outputs = {activation("as_int8", {1, kH, kW, 2}, DType::kInt8)};
  model.add_operator(cast8);
  // State no operator computes (as an SVDF's).
  Tensor state;
  state.name = "state";
  state.shape = {1, kH, kW, 2};
  state.is_variable = true;
  model.add_tensor(state);
  model.set_inputs({input});
  model.set_outputs({flat.outputs[0]});
  static const std::string labels = "a\nb\n";
  model.add_metadata(
      {kLabelsMetadataName, model.adopt_bytes(labels.data(), labels.size()), labels.size()});
  model.validate();
  return model;
}

std::vector<float> run_float(const Model& model) {
  Interpreter interpreter(model, {KernelSet::kReference, 1});
  float* in = interpreter.input(0).data<float>();
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) in[y * kW + x] = input_value(y, x);
  }
  interpreter.invoke();
  const float* out = interpreter.output(0).data<float>();
  return std::vector<float>(out, out + interpreter.output(0).elements());
}

// Hand-computed pooling of conv1 over H and `bands` groups of W, layout (band, pool, channel).
std::vector<float> expected_float(int bands, bool mean, bool max) {
  const int band_w = kW / bands;
  std::vector<float> out;
  for (int b = 0; b < bands; ++b) {
    for (int pool = 0; pool < 2; ++pool) {
      if (!(pool == 0 ? mean : max)) continue;
      for (int c = 0; c < 2; ++c) {
        float sum = 0.f, largest = -1e30f;
        for (int y = 0; y < kH; ++y) {
          for (int x = b * band_w; x < (b + 1) * band_w; ++x) {
            const float v = kScale[c] * input_value(y, x) + kBias[c];
            sum += v;
            largest = std::max(largest, v);
          }
        }
        out.push_back(pool == 0 ? sum / float(kH * band_w) : largest);
      }
    }
  }
  return out;
}

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << i;
}

TEST(FloatCut, MeanAndMaxOverThreeBands) {
  const Model source = float_model();
  FeatureExtractorOptions options;
  options.tensor = "conv1";
  options.bands = 3;
  const Model cut = cut_feature_extractor(source, options);
  // conv1, then the pooling; conv2, the reshape and the casts are not needed.
  ASSERT_EQ(cut.operators().size(), 5u);
  EXPECT_EQ(cut.operators()[0].op, Op::kConv2D);
  EXPECT_EQ(cut.operators()[3].op, Op::kConcatenation);
  EXPECT_EQ(cut.tensors().size(), 4u + 5u);  // input, w1, b1, conv1; 2 pools, concat, shape, out
  EXPECT_EQ(cut.output(0).shape, (Shape{1, 3 * 2 * 2}));
  EXPECT_TRUE(cut.output(0).quant.empty());
  EXPECT_EQ(cut.source(), "hand.tflite cut at \"conv1\"");
  EXPECT_TRUE(cut.metadata().empty());  // the source's labels are not the embedding's
  expect_near(run_float(cut), expected_float(3, true, true));
}

TEST(FloatCut, OnePoolHasNoConcatenation) {
  const Model source = float_model();
  for (const bool mean : {true, false}) {
    SCOPED_TRACE(mean ? "mean" : "max");
    FeatureExtractorOptions options;
    options.tensor = "3";  // conv1 by index (after input, w1, b1)
    options.bands = 2;
    options.mean = mean;
    options.max = !mean;
    const Model cut = cut_feature_extractor(source, options);
    ASSERT_EQ(cut.operators().size(), 3u);
    EXPECT_EQ(cut.operators()[1].op, mean ? Op::kAveragePool2D : Op::kMaxPool2D);
    EXPECT_EQ(cut.operators()[2].op, Op::kReshape);
    EXPECT_EQ(cut.output(0).shape, (Shape{1, 2 * 2}));
    EXPECT_EQ(cut.description(), msg("feature extractor: hand.tflite cut at conv1, ",
                                     mean ? "mean" : "max", " over H and 2 bands of W"));
    expect_near(run_float(cut), expected_float(2, mean, !mean));
  }
  FeatureExtractorOptions whole;
  whole.tensor = "conv2";
  const Model cut = cut_feature_extractor(source, whole);
  EXPECT_EQ(cut.output(0).shape, (Shape{1, 3 * 2}));
  EXPECT_EQ(cut.description(),
            "feature extractor: hand.tflite cut at conv2, mean and max over H and W");
}

TEST(FloatCut, WrittenFileReadsBackAndRuns) {
  FeatureExtractorOptions options;
  options.tensor = "conv1";
  options.bands = 3;
  const Model cut = cut_feature_extractor(float_model(), options);
  const std::string path = testing::TempDir() + "/float_backbone.tflite";
  write_tflite_file(cut, path);
  const Model reread = read_tflite_file(path);
  EXPECT_EQ(reread.operators().size(), cut.operators().size());
  EXPECT_EQ(reread.output(0).name, "embedding");
  expect_near(run_float(reread), expected_float(3, true, true));
  std::remove(path.c_str());
}

TEST(FloatCut, RefusedCutsSayWhy) {
  const Model source = float_model();
  auto cut_error = [&](const std::string& tensor, int bands = 1, bool mean = true,
                       bool max = true) {
    FeatureExtractorOptions options;
    options.tensor = tensor;
    options.bands = bands;
    options.mean = mean;
    options.max = max;
    return error_of([&] { cut_feature_extractor(source, options); });
  };
  const std::string unknown = cut_error("conv9");
  EXPECT_CONTAINS(unknown, "hand.tflite: no tensor named \"conv9\"");
  EXPECT_CONTAINS(unknown, "edgestream-inspect hand.tflite");
  EXPECT_CONTAINS(cut_error("999"), "tensor index 999 is out of range (the model has");
  EXPECT_CONTAINS(cut_error(""), "no tensor to cut at");
  EXPECT_CONTAINS(cut_error("w1"), "\"w1\" float32 [2, 1, 1, 1] const is a constant");
  EXPECT_CONTAINS(cut_error("input"), "is a graph input");
  EXPECT_CONTAINS(cut_error("flat"), "\"flat\" float32 [1, 72] is not 4-D");
  EXPECT_CONTAINS(cut_error("conv1", 4), "W = 6 does not divide into 4 equal bands");
  EXPECT_CONTAINS(cut_error("conv1", 0), "hand.tflite: bands must be at least 1, got 0");
  EXPECT_CONTAINS(cut_error("conv1", 1, false, false), "no pooling chosen");
  EXPECT_CONTAINS(cut_error("as_int32"), "is int32: only int8 and float32 feature maps");
  EXPECT_CONTAINS(cut_error("state"), "is not computed by any operator");
  EXPECT_CONTAINS(cut_error("as_int8"), "has no per-tensor scale and zero point");
  EXPECT_EQ(cut_error("conv1", 6), "");
}

}  // namespace
}  // namespace edge::nn
