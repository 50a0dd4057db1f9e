// Fitting stream tensors to model inputs, reading outputs as scores, top-k and
// labels files: hand-checkable values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/stream_adapter.h"

namespace edge::nn {
namespace {

Tensor input_tensor(DType type, Shape shape, float scale = 0, int64_t zero_point = 0) {
  Tensor t;
  t.name = "in";
  t.type = type;
  t.shape = std::move(shape);
  if (scale > 0) {
    t.quant.scale = {scale};
    t.quant.zero_point = {zero_point};
  }
  return t;
}

std::string fit_error(DType type, const Shape& shape, const Tensor& input) {
  try {
    fit_input(type, shape, input, 0, "m.tflite");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(StreamAdapter, FitsEqualShapesModuloLeadingOnes) {
  const Tensor image = input_tensor(DType::kInt8, {1, 96, 96, 1}, 0.5f, -1);
  EXPECT_EQ(fit_input(DType::kInt8, {96, 96, 1}, image, 0, "m"), InputConversion::kCopy);
  EXPECT_EQ(fit_input(DType::kInt8, {1, 1, 96, 96, 1}, image, 0, "m"), InputConversion::kCopy);
  EXPECT_EQ(fit_input(DType::kFloat32, {1, 96, 96, 1}, image, 0, "m"), InputConversion::kQuantize);
  // One channel: a 2-D feature map into an NHWC input with C = 1 (same bytes).
  EXPECT_EQ(fit_input(DType::kFloat32, {96, 96}, image, 0, "m"), InputConversion::kQuantize);
  // Inner 1s do not change the bytes either.
  EXPECT_EQ(fit_input(DType::kInt8, {96, 1, 96}, image, 0, "m"), InputConversion::kCopy);
  // Same count, different layout: refused for a non-flat input.
  EXPECT_EQ(fit_error(DType::kInt8, {192, 48}, image),
            "the stream's tensor int8 [192, 48] does not fit input 0 of model m.tflite, \"in\" "
            "int8 [1, 96, 96, 1]: the shapes differ (equal shapes after dropping every dimension "
            "of 1, or 9216 elements for a flat model input, are accepted)");
  EXPECT_NE(fit_error(DType::kInt8, {48, 192}, image).find("the shapes differ"), std::string::npos);
}

// The magic-wand conv net: 1-D convolutions over time written as 2-D ones ([T, 1, C] per
// sample) take the [T, C] window the IMU graphs cut; the transposed window does not fit.
TEST(StreamAdapter, FitsAWindowIntoAConvolutionOverTime) {
  const Tensor conv1d = input_tensor(DType::kFloat32, {1, 119, 1, 6});
  EXPECT_EQ(fit_input(DType::kFloat32, {119, 6}, conv1d, 0, "m"), InputConversion::kCopy);
  EXPECT_EQ(fit_input(DType::kFloat32, {1, 119, 6}, conv1d, 0, "m"), InputConversion::kCopy);
  EXPECT_NE(fit_error(DType::kFloat32, {6, 119}, conv1d).find("the shapes differ"),
            std::string::npos);
  EXPECT_FALSE(takes_any_shape(conv1d));
}

TEST(StreamAdapter, FlatInputTakesAnyShapeOfTheSameCount) {
  const Tensor flat = input_tensor(DType::kInt8, {1, 1960}, 0.1f, -128);
  EXPECT_EQ(fit_input(DType::kInt8, {49, 40}, flat, 0, "m"), InputConversion::kCopy);
  EXPECT_EQ(fit_input(DType::kFloat32, {1, 49, 40, 1}, flat, 0, "m"), InputConversion::kQuantize);
  EXPECT_NE(fit_error(DType::kInt8, {49, 41}, flat).find("1960 elements"), std::string::npos);
  const Tensor scalar_like = input_tensor(DType::kFloat32, {1, 1});
  EXPECT_EQ(fit_input(DType::kFloat32, {1}, scalar_like, 0, "m"), InputConversion::kCopy);
  EXPECT_EQ(fit_input(DType::kFloat32, {}, scalar_like, 0, "m"), InputConversion::kCopy);
}

TEST(StreamAdapter, TypeRules) {
  const Tensor int8_in = input_tensor(DType::kInt8, {1, 4}, 0.5f, 0);
  EXPECT_NE(
      fit_error(DType::kUInt8, {4}, int8_in).find("the types differ (accepted: int8, or float32)"),
      std::string::npos);
  const Tensor float_in = input_tensor(DType::kFloat32, {1, 4});
  EXPECT_NE(fit_error(DType::kInt8, {4}, float_in).find("the types differ (accepted: float32)"),
            std::string::npos);
  const Tensor unquantized = input_tensor(DType::kInt8, {1, 4});
  EXPECT_NE(fit_error(DType::kFloat32, {4}, unquantized).find("no per-tensor quantization"),
            std::string::npos);
  const Tensor int16_in = input_tensor(DType::kInt16, {1, 96}, 0.000625f, 0);
  EXPECT_EQ(fit_input(DType::kFloat32, {96}, int16_in, 0, "m"), InputConversion::kQuantize);
  EXPECT_EQ(stream_bytes(DType::kFloat32, int16_in), 384u);
  EXPECT_EQ(stream_bytes(DType::kInt16, int16_in), 192u);
}

TEST(StreamAdapter, QuantizesFloatInput) {
  // q = round(x / 0.5) + (-1), saturating; NaN -> zero point.
  const Tensor in = input_tensor(DType::kInt8, {1, 6}, 0.5f, -1);
  const float x[6] = {0.0f, 0.74f, 0.75f, -0.75f, 1000.0f, std::numeric_limits<float>::quiet_NaN()};
  int8_t q[6];
  write_input(InputConversion::kQuantize, x, in, q);
  EXPECT_EQ(q[0], -1);
  EXPECT_EQ(q[1], 0);    // 1.48 -> 1
  EXPECT_EQ(q[2], 1);    // 1.5 -> 2 (half away from zero)
  EXPECT_EQ(q[3], -3);   // -1.5 -> -2
  EXPECT_EQ(q[4], 127);  // saturates
  EXPECT_EQ(q[5], -1);
  const Tensor in16 = input_tensor(DType::kInt16, {2}, 0.001f, 0);
  const float y[2] = {0.0125f, -40.0f};
  int16_t q16[2];
  write_input(InputConversion::kQuantize, y, in16, q16);
  EXPECT_EQ(q16[0], 13);  // 12.5 -> 13
  EXPECT_EQ(q16[1], -32768);
  const int8_t raw[6] = {1, 2, 3, 4, 5, 6};
  int8_t copy[6] = {};
  write_input(InputConversion::kCopy, raw, in, copy);
  EXPECT_EQ(copy[5], 6);
}

TEST(StreamAdapter, OutputsAsFloat) {
  float out[3];
  const Tensor s8 = input_tensor(DType::kInt8, {1, 3}, 1.0f / 256, -128);
  const int8_t q8[3] = {-128, 0, 127};
  tensor_to_float(s8, q8, out);
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_FLOAT_EQ(out[1], 0.5f);
  EXPECT_FLOAT_EQ(out[2], 255.0f / 256);
  const Tensor s32 = input_tensor(DType::kInt32, {1, 2}, 0.5f, 2);
  const int32_t q32[2] = {2, -2};
  tensor_to_float(s32, q32, out);
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_FLOAT_EQ(out[1], -2.0f);
  const Tensor plain16 = input_tensor(DType::kInt16, {2});
  const int16_t p16[2] = {-7, 300};
  tensor_to_float(plain16, p16, out);
  EXPECT_FLOAT_EQ(out[1], 300.0f);
  const Tensor half = input_tensor(DType::kFloat16, {2});
  const uint16_t h[2] = {0x3c00, 0xc000};  // 1.0, -2.0
  tensor_to_float(half, h, out);
  EXPECT_FLOAT_EQ(out[0], 1.0f);
  EXPECT_FLOAT_EQ(out[1], -2.0f);
  const Tensor f = input_tensor(DType::kFloat32, {1});
  const float v = 0.25f;
  tensor_to_float(f, &v, out);
  EXPECT_FLOAT_EQ(out[0], 0.25f);
}

TEST(StreamAdapter, TopK) {
  const float scores[6] = {0.1f, 0.7f, std::nanf(""), 0.7f, -1.0f, 0.2f};
  std::vector<ScoredClass> best;
  top_k(scores, 6, 3, &best);
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].index, 1);  // tie at 0.7: lower index first
  EXPECT_EQ(best[1].index, 3);
  EXPECT_EQ(best[2].index, 5);
  top_k(scores, 6, 10, &best);
  ASSERT_EQ(best.size(), 6u);
  EXPECT_EQ(best[4].index, 4);
  EXPECT_EQ(best[5].index, 2);  // NaN last
  top_k(scores, 0, 3, &best);
  EXPECT_TRUE(best.empty());
  top_k(scores, 1, 1, &best);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].index, 0);
}

TEST(StreamAdapter, LabelsFile) {
  const std::string path = ::testing::TempDir() + "edge_labels.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "silence\r\nunknown\n\nyes\nno\n\n";
  }
  EXPECT_EQ(read_labels_file(path),
            (std::vector<std::string>{"silence", "unknown", "", "yes", "no"}));
  {
    std::ofstream out(path, std::ios::binary);
    out << "\n\n";
  }
  EXPECT_THROW(read_labels_file(path), Error);
  std::remove(path.c_str());
  try {
    read_labels_file("/nonexistent/labels.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "/nonexistent/labels.txt: cannot read the labels file: cannot open"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace edge::nn
