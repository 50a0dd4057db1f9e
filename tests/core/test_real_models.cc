// Conformance on real models written by TensorFlow's converter
// (../shared/data/models/tflm), through the reader, the op layer, the planner and
// the interpreter, with both kernel sets. Each test states the numbers it expects.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "tests/common/test_util.h"

namespace edge::nn {
namespace {

const char* kModels = "models/tflm/";

Model load(const std::string& path) {
  ReadOptions options;
  options.allow_unsupported = true;  // SVDF and its variable state: the interpreter decides
  return read_tflite_file(path, options);
}

// Strict reader for the 8-bit palettized BMPs of TFLite Micro's person_detect test:
// BITMAPINFOHEADER, 8 bits per pixel, no compression, 256-entry palette. Returns the
// raw pixel bytes top row first (BMP stores positive-height images bottom-up).
std::vector<uint8_t> read_grey_bmp(const std::string& path, int* width, int* height) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(msg(path, ": cannot open"));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  auto u16 = [&](size_t at) { return static_cast<uint32_t>(bytes[at] | bytes[at + 1] << 8); };
  auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
  if (bytes.size() < 54 || bytes[0] != 'B' || bytes[1] != 'M') {
    throw Error(msg(path, ": not a BMP file (no 'BM' header)"));
  }
  const uint32_t pixel_offset = u32(10);
  const uint32_t header_size = u32(14);
  const int32_t w = static_cast<int32_t>(u32(18));
  const int32_t h = static_cast<int32_t>(u32(22));
  if (header_size < 40 || u16(26) != 1 || u16(28) != 8 || u32(30) != 0) {
    throw Error(msg(path, ": expected an uncompressed 8-bit BMP, found header ", header_size,
                    " bits ", u16(28), " compression ", u32(30)));
  }
  if (w <= 0 || h == 0 || w > 4096 || std::abs(h) > 4096) {
    throw Error(msg(path, ": bad size ", w, "x", h));
  }
  const size_t stride = (static_cast<size_t>(w) + 3) / 4 * 4;
  const size_t rows = static_cast<size_t>(std::abs(h));
  if (pixel_offset < 54 || pixel_offset + stride * rows > bytes.size()) {
    throw Error(msg(path, ": pixel data (offset ", pixel_offset, ") is truncated"));
  }
  std::vector<uint8_t> pixels(static_cast<size_t>(w) * rows);
  for (size_t r = 0; r < rows; ++r) {
    const size_t src_row = h > 0 ? rows - 1 - r : r;  // bottom-up when height > 0
    std::memcpy(&pixels[r * static_cast<size_t>(w)], &bytes[pixel_offset + src_row * stride],
                static_cast<size_t>(w));
  }
  *width = w;
  *height = static_cast<int>(rows);
  return pixels;
}

template <typename T>
std::vector<T> output_values(const Interpreter& interpreter, size_t i) {
  const TensorView out = interpreter.output(i);
  const T* data = out.data<T>();
  return std::vector<T>(data, data + out.elements());
}

class RealModels : public ::testing::TestWithParam<KernelSet> {};

// hello_world: a 1-16-16-1 dense network trained on sin(x). Measured max |error| vs
// sin(x) over 200 points in [0, 2pi]: float 0.049 (asserted <= 0.06), int8 0.116
// (asserted <= 0.15, the int8 input step is 0.024), float vs int8 0.110 (<= 0.15).
// At TFLite Micro's own test points x = 0, 1, 3, 5 both are within 0.05 of sin(x).
TEST_P(RealModels, HelloWorldApproximatesSine) {
  EDGE_REQUIRE_SHARED(float_path, std::string(kModels) + "hello_world_float.tflite");
  EDGE_REQUIRE_SHARED(int8_path, std::string(kModels) + "hello_world_int8.tflite");
  const Model float_model = load(float_path);
  const Model int8_model = load(int8_path);
  Interpreter f(float_model, {GetParam(), 1});
  Interpreter q(int8_model, {GetParam(), 1});
  ASSERT_EQ(f.input(0).type(), DType::kFloat32);
  ASSERT_EQ(q.input(0).type(), DType::kInt8);
  ASSERT_EQ(q.output(0).type(), DType::kInt8);
  const float in_scale = q.input(0).quant().scale[0];
  const int32_t in_zp = static_cast<int32_t>(q.input(0).quant().zero_point[0]);
  const float out_scale = q.output(0).quant().scale[0];
  const int32_t out_zp = static_cast<int32_t>(q.output(0).quant().zero_point[0]);

  double max_float_error = 0, max_int8_error = 0, max_disagreement = 0;
  const double two_pi = 6.283185307179586;
  for (int i = 0; i < 200; ++i) {
    const float x = static_cast<float>(two_pi * i / 199);
    f.input(0).data<float>()[0] = x;
    f.invoke();
    const float y_float = f.output(0).data<float>()[0];
    const int32_t xq = static_cast<int32_t>(std::lround(x / in_scale)) + in_zp;
    q.input(0).data<int8_t>()[0] = static_cast<int8_t>(std::min(127, std::max(-128, xq)));
    q.invoke();
    const float y_int8 = out_scale * (q.output(0).data<int8_t>()[0] - out_zp);
    max_float_error =
        std::max(max_float_error, static_cast<double>(std::fabs(y_float - std::sin(x))));
    max_int8_error = std::max(max_int8_error, static_cast<double>(std::fabs(y_int8 - std::sin(x))));
    max_disagreement = std::max(max_disagreement, static_cast<double>(std::fabs(y_float - y_int8)));
  }
  std::printf("hello_world: max |error| float %.4f, int8 %.4f, float vs int8 %.4f\n",
              max_float_error, max_int8_error, max_disagreement);
  EXPECT_LE(max_float_error, 0.06);
  EXPECT_LE(max_int8_error, 0.15);
  EXPECT_LE(max_disagreement, 0.15);
  for (float x : {0.f, 1.f, 3.f, 5.f}) {
    f.input(0).data<float>()[0] = x;
    f.invoke();
    EXPECT_NEAR(f.output(0).data<float>()[0], std::sin(x), 0.05) << "float, x = " << x;
    q.input(0).data<int8_t>()[0] = static_cast<int8_t>(std::lround(x / in_scale) + in_zp);
    q.invoke();
    EXPECT_NEAR(out_scale * (q.output(0).data<int8_t>()[0] - out_zp), std::sin(x), 0.05)
        << "int8, x = " << x;
  }
  EXPECT_EQ(f.macs(), 16 + 16 * 16 + 16);
  EXPECT_EQ(q.macs(), 16 + 16 * 16 + 16);
}

// person_detect on TFLite Micro's two test images. Output [1, 2] int8:
// index 0 "notperson", index 1 "person".
TEST_P(RealModels, PersonDetectScoresTheRightImage) {
  EDGE_REQUIRE_SHARED(model_path, std::string(kModels) + "person_detect.tflite");
  EDGE_REQUIRE_SHARED(person_path, std::string(kModels) + "person.bmp");
  EDGE_REQUIRE_SHARED(no_person_path, std::string(kModels) + "no_person.bmp");
  const Model model = load(model_path);
  Interpreter interpreter(model, {GetParam(), 1});
  const TensorView input = interpreter.input(0);
  ASSERT_EQ(input.type(), DType::kInt8);
  ASSERT_EQ(input.shape(), (Shape{1, 96, 96, 1}));
  ASSERT_EQ(interpreter.output(0).shape(), (Shape{1, 2}));
  ASSERT_EQ(interpreter.output(0).type(), DType::kInt8);

  auto scores = [&](const std::string& path) {
    int w = 0, h = 0;
    const std::vector<uint8_t> pixels = read_grey_bmp(path, &w, &h);
    EXPECT_EQ(w, 96);
    EXPECT_EQ(h, 96);
    std::memcpy(interpreter.input(0).data<int8_t>(), pixels.data(), pixels.size());
    interpreter.invoke();
    return output_values<int8_t>(interpreter, 0);
  };
  const std::vector<int8_t> person = scores(person_path);
  const std::vector<int8_t> no_person = scores(no_person_path);
  std::printf(
      "person_detect (%s): person.bmp [notperson %d, person %d], "
      "no_person.bmp [notperson %d, person %d]\n",
      GetParam() == KernelSet::kFast ? "fast" : "ref", person[0], person[1], no_person[0],
      no_person[1]);
  EXPECT_GT(person[1], person[0]);
  EXPECT_GT(no_person[0], no_person[1]);
  EXPECT_GT(person[1], no_person[1]);
  // Arena target of the issue: <= 90 KB (TFLite Micro needs about 85 KB with its own
  // bookkeeping); the plan must also be close to the live-set lower bound.
  std::printf("person_detect arena %zu bytes (lower bound %zu), MACs %lld\n",
              interpreter.arena_bytes(), interpreter.arena_lower_bound(),
              static_cast<long long>(interpreter.macs()));
  EXPECT_LE(interpreter.arena_bytes(), 90u * 1024u);
  EXPECT_LE(interpreter.arena_bytes(), interpreter.arena_lower_bound() * 5 / 4);
}

// micro_speech_quantized: int8 [1, 1960] features (49 x 40) -> int8 [1, 4] scores
// (silence, unknown, yes, no), softmax output scale 1/256 zero point -128, so the
// four dequantized probabilities sum to 1 within 4 quantization steps.
TEST_P(RealModels, MicroSpeechRunsWithExpectedShapes) {
  EDGE_REQUIRE_SHARED(model_path, std::string(kModels) + "micro_speech_quantized.tflite");
  const Model model = load(model_path);
  Interpreter interpreter(model, {GetParam(), 1});
  ASSERT_EQ(interpreter.input(0).type(), DType::kInt8);
  ASSERT_EQ(interpreter.input(0).elements(), 49 * 40);
  ASSERT_EQ(interpreter.output(0).type(), DType::kInt8);
  ASSERT_EQ(interpreter.output(0).shape(), (Shape{1, 4}));
  int8_t* in = interpreter.input(0).data<int8_t>();
  for (int i = 0; i < 49 * 40; ++i) in[i] = static_cast<int8_t>((i * 37) % 256 - 128);
  interpreter.invoke();
  const std::vector<int8_t> out = output_values<int8_t>(interpreter, 0);
  double sum = 0;
  for (int8_t v : out) sum += (v + 128) / 256.0;
  std::printf("micro_speech: scores %d %d %d %d (sum of probabilities %.4f)\n", out[0], out[1],
              out[2], out[3], sum);
  EXPECT_NEAR(sum, 1.0, 4.0 / 256);
}

// keyword_scrambled (int16 input, SVDF with int16 state, int8 FC, int8->int16
// softmax, int16->int32 quantize) and keyword_scrambled_8bit (int8 state): int32
// [1, 2] output; the int16 softmax output (scale 1/65536, zp -32768) requantized
// to int32 (scale ~1/32768): the two values sum to about 32768.
TEST_P(RealModels, KeywordScrambledRunsWithExpectedShapes) {
  for (const char* name : {"keyword_scrambled.tflite", "keyword_scrambled_8bit.tflite"}) {
    EDGE_REQUIRE_SHARED(model_path, std::string(kModels) + name);
    const Model model = load(model_path);
    Interpreter interpreter(model, {GetParam(), 1});
    ASSERT_EQ(interpreter.input(0).type(), DType::kInt16) << name;
    ASSERT_EQ(interpreter.input(0).shape(), (Shape{1, 96})) << name;
    ASSERT_EQ(interpreter.output(0).type(), DType::kInt32) << name;
    ASSERT_EQ(interpreter.output(0).shape(), (Shape{1, 2})) << name;
    for (int step = 0; step < 5; ++step) {
      int16_t* in = interpreter.input(0).data<int16_t>();
      for (int i = 0; i < 96; ++i)
        in[i] = static_cast<int16_t>((i * 1297 + step * 7919) % 20000 - 10000);
      interpreter.invoke();
    }
    const std::vector<int32_t> out = output_values<int32_t>(interpreter, 0);
    std::printf("%s: output %d %d\n", name, out[0], out[1]);
    EXPECT_NEAR(out[0] + out[1], 32768, 4) << name;
    EXPECT_GE(out[0], 0);
    EXPECT_GE(out[1], 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, RealModels,
                         ::testing::Values(KernelSet::kReference, KernelSet::kFast),
                         [](const auto& info) {
                           return std::string(info.param == KernelSet::kFast ? "fast" : "ref");
                         });

// Reference and fast kernels give identical integer outputs on every model, over
// several invokes (the keyword models carry SVDF state from one invoke to the next).
TEST(RealModelsAgreement, FastEqualsReferenceBitForBit) {
  const char* names[] = {"hello_world_int8.tflite", "person_detect.tflite",
                         "micro_speech_quantized.tflite", "keyword_scrambled.tflite",
                         "keyword_scrambled_8bit.tflite"};
  for (const char* name : names) {
    EDGE_REQUIRE_SHARED(path, std::string(kModels) + name);
    const Model model = load(path);
    Interpreter ref(model, {KernelSet::kReference, 1});
    Interpreter fast(model, {KernelSet::kFast, 2});
    for (int step = 0; step < 3; ++step) {
      const TensorView a = ref.input(0);
      const TensorView b = fast.input(0);
      uint8_t* da = static_cast<uint8_t*>(a.raw());
      uint8_t* db = static_cast<uint8_t*>(b.raw());
      for (size_t i = 0; i < a.bytes(); ++i) {
        da[i] = db[i] = static_cast<uint8_t>((i * 131 + static_cast<size_t>(step) * 17) % 251);
      }
      ref.invoke();
      fast.invoke();
      for (size_t o = 0; o < ref.output_count(); ++o) {
        ASSERT_EQ(ref.output(o).bytes(), fast.output(o).bytes());
        EXPECT_EQ(0, std::memcmp(ref.output(o).raw(), fast.output(o).raw(), ref.output(o).bytes()))
            << name << " output " << o << " step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace edge::nn
