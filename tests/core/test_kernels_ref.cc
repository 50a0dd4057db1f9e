// Reference kernels on tiny hand-computed cases, plus the numpy golden
// (tests/golden/requant_golden.py -> tests/data/kernels/requant_cases.txt) compared
// bit-exact.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nn/kernels/kernel_params.h"
#include "nn/kernels/ref/conv.h"
#include "nn/kernels/ref/depthwise_conv.h"
#include "nn/kernels/ref/fully_connected.h"
#include "nn/quant.h"
#include "tests/common/test_util.h"

namespace edge::nn {
namespace {

constexpr int32_t kHalf = 1 << 30;  // Q31 of 0.5

TEST(ComputePadding, SameAndValidAsTflite) {
  // in 4, filter 3, stride 2, SAME: out 2, total pad (2-1)*2 + 3 - 4 = 1 -> top 0.
  EXPECT_EQ(compute_output_size(Padding::kSame, 4, 3, 2), 2);
  EXPECT_EQ(compute_padding(2, 1, 4, 3, 2), 0);
  // in 5, filter 3, stride 1, SAME: out 5, total 2 -> 1.
  EXPECT_EQ(compute_output_size(Padding::kSame, 5, 3, 1), 5);
  EXPECT_EQ(compute_padding(1, 1, 5, 3, 5), 1);
  // VALID: out (5 - 3 + 1) = 3, no padding; dilation 2 makes the filter 5 wide: out 1.
  EXPECT_EQ(compute_output_size(Padding::kValid, 5, 3, 1), 3);
  EXPECT_EQ(compute_output_size(Padding::kValid, 5, 3, 1, 2), 1);
  EXPECT_EQ(compute_output_size(Padding::kValid, 2, 3, 1), 0);  // does not fit
  EXPECT_EQ(compute_padding(1, 1, 5, 3, 3), 0);
  // 96x96 input, 3x3 stride 2 SAME (person_detect's first conv): 48, pad 0.
  EXPECT_EQ(compute_output_size(Padding::kSame, 96, 3, 2), 48);
  EXPECT_EQ(compute_padding(2, 1, 96, 3, 48), 0);
}

TEST(RefConv, FloatValidWithBias) {
  // 3x3 image 1..9, filter [[1,0],[0,1]]: each output is a diagonal pair sum, + bias 1.
  const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float filter[4] = {1, 0, 0, 1};
  const float bias[1] = {1};
  float out[4] = {};
  ConvParams p;
  ref::conv2d_f32(p, {1, 3, 3, 1}, in, {1, 2, 2, 1}, filter, bias, {1, 2, 2, 1}, out);
  EXPECT_FLOAT_EQ(out[0], 1 + 5 + 1);
  EXPECT_FLOAT_EQ(out[1], 2 + 6 + 1);
  EXPECT_FLOAT_EQ(out[2], 4 + 8 + 1);
  EXPECT_FLOAT_EQ(out[3], 5 + 9 + 1);
}

TEST(RefConv, FloatSamePaddingSkipsOutsideTaps) {
  // 3x3 ones filter over 1..9 with SAME padding: neighbourhood sums.
  const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float filter[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  float out[9] = {};
  ConvParams p;
  p.pad_top = p.pad_left = 1;
  ref::conv2d_f32(p, {1, 3, 3, 1}, in, {1, 3, 3, 1}, filter, nullptr, {1, 3, 3, 1}, out);
  EXPECT_FLOAT_EQ(out[0], 1 + 2 + 4 + 5);
  EXPECT_FLOAT_EQ(out[4], 45);
  EXPECT_FLOAT_EQ(out[8], 5 + 6 + 8 + 9);
}

TEST(RefConv, FloatStrideDilationAndRelu6) {
  // 1x5 row 1..5, filter [1, 1] dilated by 2, VALID: 1+3, 2+4, 3+5; RELU6 clamps 8 to 6.
  const float in[5] = {1, 2, 3, 4, 5};
  const float filter[2] = {1, 1};
  float out[3] = {};
  ConvParams p;
  p.dilation_w = 2;
  calculate_activation_range_float(FusedActivation::kRelu6, &p.float_out.act_min,
                                   &p.float_out.act_max);
  ref::conv2d_f32(p, {1, 1, 5, 1}, in, {1, 1, 2, 1}, filter, nullptr, {1, 1, 3, 1}, out);
  EXPECT_FLOAT_EQ(out[0], 4);
  EXPECT_FLOAT_EQ(out[1], 6);
  EXPECT_FLOAT_EQ(out[2], 6);  // 8 clamped
  // 1x4 row, filter [1,1,1], stride 2, SAME (pad_left 0): taps {0,1,2} = 6, {2,3,pad} = 7.
  const float in4[4] = {1, 2, 3, 4};
  const float ones[3] = {1, 1, 1};
  float out2[2] = {};
  ConvParams s;
  s.stride_w = 2;
  ref::conv2d_f32(s, {1, 1, 4, 1}, in4, {1, 1, 3, 1}, ones, nullptr, {1, 1, 2, 1}, out2);
  EXPECT_FLOAT_EQ(out2[0], 6);
  EXPECT_FLOAT_EQ(out2[1], 7);
}

TEST(RefConv, Int8PerChannelWithPaddingAtZeroPoint) {
  // 1x1x2 image, 2 channels; input zero point -1 (offset +1); filter 2 outputs, 1x2x2.
  // x + 1: pixel0 (4, 0), pixel1 (2, -1)
  const int8_t in[4] = {3, -1, 1, -2};
  // out0 weights: p0 (2, 1), p1 (1, 0); out1: p0 (-1, 3), p1 (0, 2)
  const int8_t filter[8] = {2, 1, 1, 0, -1, 3, 0, 2};
  const int32_t bias[2] = {10, 0};
  // out0 = 8 + 0 + 2 + 0 + 10 = 20 -> x0.5 = 10; out1 = -4 + 0 + 0 - 2 + 0 = -6 -> x0.25 = -1.5
  // -> -2 (ties away from zero), then + output zero point 5.
  const int32_t mult[2] = {kHalf, kHalf};
  const int32_t shift[2] = {0, -1};
  ConvParams p;
  p.quant.input_offset = 1;
  p.quant.output_offset = 5;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = -128;
  p.quant.act_max = 127;
  int8_t out[2] = {};
  ref::conv2d_s8(p, {1, 1, 2, 2}, in, {2, 1, 2, 2}, filter, bias, {1, 1, 1, 2}, out);
  EXPECT_EQ(out[0], 15);
  EXPECT_EQ(out[1], 3);
  // SAME with a 1x3 filter over a 1x1 image: the two padded taps contribute nothing
  // (as if they held the zero point): acc = (3 + 1) * 2 = 8 -> 4 + 5 = 9.
  const int8_t one_px[1] = {3};
  const int8_t f3[3] = {7, 2, 9};
  const int32_t m1[1] = {kHalf};
  const int32_t s1[1] = {0};
  ConvParams q = p;
  q.pad_left = 1;
  q.quant.multiplier = m1;
  q.quant.shift = s1;
  int8_t out1[1] = {};
  ref::conv2d_s8(q, {1, 1, 1, 1}, one_px, {1, 1, 3, 1}, f3, nullptr, {1, 1, 1, 1}, out1);
  EXPECT_EQ(out1[0], 9);
}

TEST(RefConv, Int8ClampsToActivationRange) {
  const int8_t in[1] = {100};
  const int8_t filter[1] = {100};
  const int32_t mult[1] = {kHalf};
  const int32_t shift[1] = {0};
  ConvParams p;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = -10;
  p.quant.act_max = 20;
  int8_t out[1] = {};
  ref::conv2d_s8(p, {1, 1, 1, 1}, in, {1, 1, 1, 1}, filter, nullptr, {1, 1, 1, 1}, out);
  EXPECT_EQ(out[0], 20);  // 5000 clamped
}

TEST(RefConv, Int16x8Int64Bias) {
  // x (1000, -2000), w (3, 1), bias 100000: acc 101000; x 0.25 via the int64 rule:
  // 25250.5 -> 25250.
  const int16_t in[2] = {1000, -2000};
  const int8_t filter[2] = {3, 1};
  const int64_t bias[1] = {100000};
  const int32_t mult[1] = {kHalf};
  const int32_t shift[1] = {-1};
  ConvParams p;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = -32768;
  p.quant.act_max = 32767;
  int16_t out[1] = {};
  ref::conv2d_s16x8(p, {1, 1, 1, 2}, in, {1, 1, 1, 2}, filter, bias, {1, 1, 1, 1}, out);
  EXPECT_EQ(out[0], 25250);
  // int32 bias: int32 accumulator and the int32 rule: 101000 * 0.25 = 25250 exactly.
  const int32_t bias32[1] = {100000};
  ref::conv2d_s16x8_bias32(p, {1, 1, 1, 2}, in, {1, 1, 1, 2}, filter, bias32, {1, 1, 1, 1}, out);
  EXPECT_EQ(out[0], 25250);
}

TEST(RefConv, HybridAsymmetric) {
  // One pixel x = (0, 1): asymmetric row quantization: scale 1/255, offset -128,
  // q = (-128, 127); q - offset = (0, 255). Weights (1, 2) with scale 0.5:
  // acc = 510 -> 510 * 0.5 * (1/255) = 1.0, + bias 0.25.
  const float in[2] = {0.0f, 1.0f};
  const int8_t filter[2] = {1, 2};
  const float weight_scale[1] = {0.5f};
  const float bias[1] = {0.25f};
  ConvParams p;
  p.hybrid.weight_scale = weight_scale;
  p.hybrid.asymmetric_inputs = true;
  float out[1] = {};
  ref::conv2d_hybrid(p, {1, 1, 1, 2}, in, {1, 1, 1, 2}, filter, bias, {1, 1, 1, 1}, out);
  EXPECT_FLOAT_EQ(out[0], 510.0f * 0.5f * (1.0f / 255.0f) + 0.25f);
  EXPECT_NEAR(out[0], 1.25f, 1e-6f);
}

TEST(RefDepthwise, FloatDepthMultiplier2) {
  // in (2, 3), filter (1, 2, 3, 4): out (2*1, 2*2, 3*3, 3*4)
  const float in[2] = {2, 3};
  const float filter[4] = {1, 2, 3, 4};
  float out[4] = {};
  ConvParams p;
  p.depth_multiplier = 2;
  ref::depthwise_conv2d_f32(p, {1, 1, 1, 2}, in, {1, 1, 1, 4}, filter, nullptr, {1, 1, 1, 4}, out);
  EXPECT_FLOAT_EQ(out[0], 2);
  EXPECT_FLOAT_EQ(out[1], 4);
  EXPECT_FLOAT_EQ(out[2], 9);
  EXPECT_FLOAT_EQ(out[3], 12);
}

TEST(RefDepthwise, Int8TwoTapsPerChannel) {
  // 1x2 image, 2 channels, filter 1x2; zero point -2 (offset +2).
  // ch0: (1+2)*1 + (3+2)*2 = 13; ch1: (-2+2)*5 + (0+2)*-1 = -2. Bias (1, 2): 14, 0.
  // x0.5: 7, 0; output zero point -3: 4, -3.
  const int8_t in[4] = {1, -2, 3, 0};
  const int8_t filter[4] = {1, 5, 2, -1};
  const int32_t bias[2] = {1, 2};
  const int32_t mult[2] = {kHalf, kHalf};
  const int32_t shift[2] = {0, 0};
  ConvParams p;
  p.quant.input_offset = 2;
  p.quant.output_offset = -3;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = -128;
  p.quant.act_max = 127;
  int8_t out[2] = {};
  ref::depthwise_conv2d_s8(p, {1, 1, 2, 2}, in, {1, 1, 2, 2}, filter, bias, {1, 1, 1, 2}, out);
  EXPECT_EQ(out[0], 4);
  EXPECT_EQ(out[1], -3);
}

TEST(RefFullyConnected, Int8Hand) {
  // in (3, -1), zero point -1 -> (4, 0); w [[2, 1], [-1, 3]]: 8, -4; bias (10, 0): 18, -4;
  // x0.5: 9, -2; + 5: 14, 3; act_min 4 clamps the second to 4.
  const int8_t in[2] = {3, -1};
  const int8_t w[4] = {2, 1, -1, 3};
  const int32_t bias[2] = {10, 0};
  const int32_t mult[2] = {kHalf, kHalf};
  const int32_t shift[2] = {0, 0};
  FullyConnectedParams p;
  p.quant.input_offset = 1;
  p.quant.output_offset = 5;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = 4;
  p.quant.act_max = 127;
  int8_t out[2] = {};
  ref::fully_connected_s8(p, 1, 2, 2, in, w, bias, out);
  EXPECT_EQ(out[0], 14);
  EXPECT_EQ(out[1], 4);
}

TEST(RefFullyConnected, FloatBatches) {
  const float in[4] = {1, 2, 3, 4};  // 2 batches of depth 2
  const float w[2] = {10, 1};        // 1 unit
  const float bias[1] = {0.5f};
  float out[2] = {};
  FullyConnectedParams p;
  ref::fully_connected_f32(p, 2, 2, 1, in, w, bias, out);
  EXPECT_FLOAT_EQ(out[0], 12.5f);
  EXPECT_FLOAT_EQ(out[1], 34.5f);
}

TEST(RefFullyConnected, Int16x8) {
  const int16_t in[2] = {1000, -2000};
  const int8_t w[2] = {3, 1};
  const int64_t bias[1] = {100000};
  const int32_t mult[1] = {kHalf};
  const int32_t shift[1] = {-1};
  FullyConnectedParams p;
  p.quant.multiplier = mult;
  p.quant.shift = shift;
  p.quant.act_min = -32768;
  p.quant.act_max = 32767;
  int16_t out[1] = {};
  ref::fully_connected_s16x8(p, 1, 2, 1, in, w, bias, out);
  EXPECT_EQ(out[0], 25250);
}

TEST(RefFullyConnected, HybridSymmetric) {
  // x (1, -2, 0.5) -> q (64, -127, 32), scale 2/127; w (1, 1, 1) scale 0.5: dot -31;
  // out = -31 * (2/127 * 0.5) ~ -0.2441 (the float answer is -0.25).
  const float in[3] = {1.0f, -2.0f, 0.5f};
  const int8_t w[3] = {1, 1, 1};
  const float weight_scale[1] = {0.5f};
  FullyConnectedParams p;
  p.hybrid.weight_scale = weight_scale;
  float out[1] = {};
  ref::fully_connected_hybrid(p, 1, 3, 1, in, w, nullptr, out);
  EXPECT_FLOAT_EQ(out[0], 0.0f + -31.0f * ((2.0f / 127.0f) * 0.5f));
  EXPECT_NEAR(out[0], -0.25f, 0.01f);
  // An all-zero row gives the bias exactly.
  const float zeros[3] = {0, 0, 0};
  const float bias[1] = {0.75f};
  ref::fully_connected_hybrid(p, 1, 3, 1, zeros, w, bias, out);
  EXPECT_EQ(out[0], 0.75f);
}

TEST(RefKernels, EmptyOutputsTouchNothing) {
  float out[1] = {42.0f};
  FullyConnectedParams p;
  ref::fully_connected_f32(p, 0, 3, 1, nullptr, nullptr, nullptr, out);
  EXPECT_EQ(out[0], 42.0f);
}

// ---- numpy golden ----------------------------------------------------------------

struct GoldenCase {
  std::vector<std::string> header;
  std::vector<double> scales;  // input, output, weights...
  std::vector<int64_t> multipliers, shifts, input, filter, bias, expected;
};

std::vector<int64_t> read_ints(std::istringstream& line) {
  std::vector<int64_t> values;
  int64_t v = 0;
  while (line >> v) values.push_back(v);
  return values;
}

std::vector<GoldenCase> load_golden(const std::string& path) {
  std::ifstream file(path);
  std::vector<GoldenCase> cases;
  std::string text;
  while (std::getline(file, text)) {
    if (text.empty() || text[0] == '#') continue;
    std::istringstream line(text);
    std::string key;
    line >> key;
    if (key == "conv" || key == "fc") {
      cases.emplace_back();
      cases.back().header.push_back(key);
      std::string field;
      while (line >> field) cases.back().header.push_back(field);
      continue;
    }
    if (cases.empty()) continue;
    GoldenCase& c = cases.back();
    if (key == "scales") {
      double v = 0;
      while (line >> v) c.scales.push_back(v);
    } else if (key == "multipliers") {
      c.multipliers = read_ints(line);
    } else if (key == "shifts") {
      c.shifts = read_ints(line);
    } else if (key == "input") {
      c.input = read_ints(line);
    } else if (key == "filter") {
      c.filter = read_ints(line);
    } else if (key == "bias") {
      c.bias = read_ints(line);
    } else if (key == "expected") {
      c.expected = read_ints(line);
    }
  }
  return cases;
}

template <typename T>
std::vector<T> narrow(const std::vector<int64_t>& v) {
  return std::vector<T>(v.begin(), v.end());
}

TEST(RefGolden, MatchesIndependentNumpyPipelineBitExact) {
  const std::string path = test::fixtures_root() + "/kernels/requant_cases.txt";
  if (!test::path_exists(path)) GTEST_SKIP() << "SKIPPED: golden file not found: " << path;
  const std::vector<GoldenCase> cases = load_golden(path);
  ASSERT_EQ(cases.size(), 40u);
  int conv_cases = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const GoldenCase& c = cases[i];
    SCOPED_TRACE("golden case " + std::to_string(i) + " (" + c.header[0] + ")");
    std::vector<int> h;
    for (size_t k = 1; k < c.header.size(); ++k) h.push_back(std::stoi(c.header[k]));
    const int channels = static_cast<int>(c.multipliers.size());
    // Our multipliers from the same float scales must equal numpy's.
    std::vector<float> weight_scales(c.scales.begin() + 2, c.scales.end());
    std::vector<int32_t> mult(channels), shift(channels);
    compute_output_multipliers(static_cast<float>(c.scales[0]), weight_scales.data(),
                               static_cast<int>(weight_scales.size()),
                               static_cast<float>(c.scales[1]), channels, mult.data(),
                               shift.data());
    EXPECT_EQ(narrow<int32_t>(c.multipliers), mult);
    EXPECT_EQ(narrow<int32_t>(c.shifts), shift);
    const auto in = narrow<int8_t>(c.input);
    const auto filter = narrow<int8_t>(c.filter);
    const auto bias = narrow<int32_t>(c.bias);
    std::vector<int8_t> out(c.expected.size());
    if (c.header[0] == "conv") {
      ++conv_cases;
      // n h w cin cout fh fw oh ow sh sw dh dw pt pl in_off out_off act_min act_max
      ConvParams p;
      p.stride_h = h[9];
      p.stride_w = h[10];
      p.dilation_h = h[11];
      p.dilation_w = h[12];
      p.pad_top = h[13];
      p.pad_left = h[14];
      p.quant = {h[15], h[16], mult.data(), shift.data(), h[17], h[18]};
      ref::conv2d_s8(p, {h[0], h[1], h[2], h[3]}, in.data(), {h[4], h[5], h[6], h[3]},
                     filter.data(), bias.data(), {h[0], h[7], h[8], h[4]}, out.data());
    } else {
      // batches depth units in_off out_off act_min act_max
      FullyConnectedParams p;
      p.quant = {h[3], h[4], mult.data(), shift.data(), h[5], h[6]};
      ref::fully_connected_s8(p, h[0], h[1], h[2], in.data(), filter.data(), bias.data(),
                              out.data());
    }
    EXPECT_EQ(narrow<int8_t>(c.expected), out);
  }
  EXPECT_EQ(conv_cases, 20);
}

}  // namespace
}  // namespace edge::nn
