// TFLM's signal-library operators in the engine, checked against TFLM's own test vectors
// (signal/micro/kernels/*_test.cc and signal/testdata, with their FlexBuffers option bytes),
// each through a one-operator model, the interpreter and both kernel sets; then the
// micro_speech example end to end: the 40 features of yes_30ms and no_30ms equal the ones
// TFLM's micro_speech_test expects, and the 1000 ms clips are labelled as there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "io/audio_file.h"
#include "nn/custom_options.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "tests/common/test_util.h"
#include "tests/core/one_op_model.h"
#include "tests/core/tflm_fft_vectors.h"

namespace edge::nn {
namespace {

using Bytes = std::vector<uint8_t>;

// TFLM's generated option bytes (signal/micro/kernels/*_flexbuffers_generated_data.cc).
const Bytes kWindowShift12 = {0x73, 0x68, 0x69, 0x66, 0x74, 0x00, 0x01, 0x07,
                              0x01, 0x01, 0x01, 0x0c, 0x04, 0x02, 0x24, 0x01};
const Bytes kWindowShift8 = {0x73, 0x68, 0x69, 0x66, 0x74, 0x00, 0x01, 0x07,
                             0x01, 0x01, 0x01, 0x08, 0x04, 0x02, 0x24, 0x01};
const Bytes kFft64Float = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74,
                           0x68, 0x00, 0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x01,
                           0x02, 0x00, 0x40, 0x04, 0x04, 0x04, 0x24, 0x01};
const Bytes kFft64Int16 = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74,
                           0x68, 0x00, 0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x01,
                           0x02, 0x07, 0x40, 0x04, 0x04, 0x04, 0x24, 0x01};
const Bytes kFft64Int32 = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74,
                           0x68, 0x00, 0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x01,
                           0x02, 0x02, 0x40, 0x04, 0x04, 0x04, 0x24, 0x01};
const Bytes kFft512Float = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x00,
                            0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00,
                            0x00, 0x00, 0x00, 0x02, 0x05, 0x05, 0x06, 0x25, 0x01};
const Bytes kFft512Int16 = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x00,
                            0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00,
                            0x07, 0x00, 0x00, 0x02, 0x05, 0x05, 0x06, 0x25, 0x01};
const Bytes kFft512Int32 = {0x66, 0x66, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x00,
                            0x54, 0x00, 0x02, 0x03, 0x0f, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00,
                            0x02, 0x00, 0x00, 0x02, 0x05, 0x05, 0x06, 0x25, 0x01};
Bytes energy_options(uint8_t start, uint8_t end) {
  return {0x73, 0x74, 0x61, 0x72, 0x74, 0x5f,  0x69, 0x6e, 0x64, 0x65, 0x78, 0x00,
          0x65, 0x6e, 0x64, 0x5f, 0x69, 0x6e,  0x64, 0x65, 0x78, 0x00, 0x02, 0x0b,
          0x18, 0x02, 0x01, 0x02, end,  start, 0x04, 0x04, 0x04, 0x24, 0x01};
}
Bytes filter_bank_options(uint8_t channels) {
  return {0x6e, 0x75, 0x6d, 0x5f, 0x63, 0x68, 0x61,     0x6e, 0x6e, 0x65, 0x6c, 0x73,
          0x00, 0x01, 0x0e, 0x01, 0x01, 0x01, channels, 0x04, 0x02, 0x24, 0x01};
}
Bytes spectral_subtraction_options(uint8_t channels) {
  return {0x6e, 0x75, 0x6d, 0x5f, 0x63, 0x68, 0x61,     0x6e, 0x6e, 0x65, 0x6c, 0x73, 0x00, 0x73,
          0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e,     0x67, 0x00, 0x6f, 0x6e, 0x65, 0x5f, 0x6d,
          0x69, 0x6e, 0x75, 0x73, 0x5f, 0x73, 0x6d,     0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67,
          0x00, 0x61, 0x6c, 0x74, 0x65, 0x72, 0x6e,     0x61, 0x74, 0x65, 0x5f, 0x73, 0x6d, 0x6f,
          0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67, 0x00,     0x61, 0x6c, 0x74, 0x65, 0x72, 0x6e, 0x61,
          0x74, 0x65, 0x5f, 0x6f, 0x6e, 0x65, 0x5f,     0x6d, 0x69, 0x6e, 0x75, 0x73, 0x5f, 0x73,
          0x6d, 0x6f, 0x6f, 0x74, 0x68, 0x69, 0x6e,     0x67, 0x00, 0x73, 0x6d, 0x6f, 0x6f, 0x74,
          0x68, 0x69, 0x6e, 0x67, 0x5f, 0x62, 0x69,     0x74, 0x73, 0x00, 0x6d, 0x69, 0x6e, 0x5f,
          0x73, 0x69, 0x67, 0x6e, 0x61, 0x6c, 0x5f,     0x72, 0x65, 0x6d, 0x61, 0x69, 0x6e, 0x69,
          0x6e, 0x67, 0x00, 0x63, 0x6c, 0x61, 0x6d,     0x70, 0x69, 0x6e, 0x67, 0x00, 0x73, 0x70,
          0x65, 0x63, 0x74, 0x72, 0x61, 0x6c, 0x5f,     0x73, 0x75, 0x62, 0x74, 0x72, 0x61, 0x63,
          0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69,     0x74, 0x73, 0x00, 0x09, 0x66, 0x7b, 0x26,
          0x3c, 0xa9, 0x93, 0x9e, 0x4f, 0x23, 0x09,     0x00, 0x01, 0x00, 0x09, 0x00, 0x71, 0x3d,
          0x8f, 0x02, 0x00, 0x00, 0x33, 0x03, channels, 0x00, 0x71, 0x3d, 0x8f, 0x02, 0x00, 0x00,
          0x0e, 0x00, 0x05, 0x05, 0x05, 0x05, 0x05,     0x05, 0x05, 0x05, 0x05, 0x1b, 0x25, 0x01};
}
const Bytes kPcanSnrShift6 = {0x73, 0x6e, 0x72, 0x5f, 0x73, 0x68, 0x69, 0x66, 0x74, 0x00,
                              0x01, 0x0b, 0x01, 0x01, 0x01, 0x06, 0x04, 0x02, 0x24, 0x01};
const Bytes kLogScale1600Bits3 = {0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x5f, 0x73, 0x63, 0x61, 0x6c,
                                  0x65, 0x00, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x63, 0x6f, 0x72,
                                  0x72, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69, 0x74,
                                  0x73, 0x00, 0x02, 0x17, 0x25, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00,
                                  0x03, 0x00, 0x40, 0x06, 0x05, 0x05, 0x06, 0x25, 0x01};
const Bytes kLogScale32768Bits5 = {0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x5f, 0x73, 0x63, 0x61, 0x6c,
                                   0x65, 0x00, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x63, 0x6f, 0x72,
                                   0x72, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69, 0x74,
                                   0x73, 0x00, 0x02, 0x17, 0x25, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
                                   0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
                                   0x00, 0x00, 0x80, 0x00, 0x00, 0x06, 0x06, 0x0a, 0x26, 0x01};

using op_test::Operand;

// A model of one signal operator with TFLM's option bytes, run by the interpreter.
class OneOp : public op_test::OneOpModel {
 public:
  OneOp(CustomOp op, const Bytes& options, const std::vector<Operand>& inputs,
        const std::vector<Operand>& outputs, KernelSet kernels)
      : OneOpModel(make(op), options, inputs, outputs, InterpreterOptions{kernels, 1}) {}

 private:
  static Operator make(CustomOp op) {
    Operator o;
    o.op = Op::kCustom;
    o.custom = op;
    return o;
  }
};

template <typename T, size_t N>
std::vector<T> vec(const T (&a)[N]) {
  return std::vector<T>(a, a + N);
}

class SignalOps : public ::testing::TestWithParam<KernelSet> {};

TEST_P(SignalOps, Window) {
  const int16_t ramp[] = {0x000, 0x100, 0x200, 0x300, 0x400, 0x500, 0x600, 0x700,
                          0x800, 0x900, 0xA00, 0xB00, 0xC00, 0xD00, 0xE00, 0xF00};
  const int16_t down[] = {0xF00, 0xE00, 0xD00, 0xC00, 0xB00, 0xA00, 0x900, 0x800,
                          0x700, 0x600, 0x500, 0x400, 0x300, 0x200, 0x100, 0x000};
  const int16_t golden16[] = {0,   224, 416, 576, 704, 800, 864, 896,
                              896, 864, 800, 704, 576, 416, 224, 0};
  {
    OneOp op(CustomOp::kSignalWindow, kWindowShift12,
             {{DType::kInt16, {16}}, {DType::kInt16, {16}, down}}, {{DType::kInt16, {16}}},
             GetParam());
    op.set_input(0, ramp);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), vec(golden16));
  }
  {  // The same window over outer dimensions [2, 2, 16].
    std::vector<int16_t> in, golden;
    for (int k = 0; k < 4; ++k) {
      in.insert(in.end(), ramp, ramp + 16);
      golden.insert(golden.end(), golden16, golden16 + 16);
    }
    OneOp op(CustomOp::kSignalWindow, kWindowShift12,
             {{DType::kInt16, {2, 2, 16}}, {DType::kInt16, {16}, down}},
             {{DType::kInt16, {2, 2, 16}}}, GetParam());
    op.set_input(0, in.data());
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), golden);
  }
  {  // Shift 8, saturating.
    const int16_t in[] = {1221, 1920, 9531, 2795, 1826, 371,  8446, 850,  3129, 8218, 4199,
                          8358, 205,  5268, 3263, 2849, 8398, 1381, 6305, 668,  8867, 4651,
                          9121, 6141, 1961, 3750, 8418, 8085, 3308, 1788, 1608, 4761};
    const int16_t weights[] = {1323, 764,  9100, 4220, 1745, 9311, 178,  9442, 5676, 1817, 5433,
                               5837, 7635, 4539, 6548, 9690, 6097, 4275, 1523, 3694, 7506, 2797,
                               5153, 172,  2172, 4540, 6643, 7845, 1719, 7564, 1700, 5227};
    const int16_t golden[] = {6310,  5730,  32767, 32767, 12446, 13493, 5872,  31350,
                              32767, 32767, 32767, 32767, 6113,  32767, 32767, 32767,
                              32767, 23061, 32767, 9639,  32767, 32767, 32767, 4125,
                              16637, 32767, 32767, 32767, 22212, 32767, 10678, 32767};
    OneOp op(CustomOp::kSignalWindow, kWindowShift8,
             {{DType::kInt16, {32}}, {DType::kInt16, {32}, weights}}, {{DType::kInt16, {32}}},
             GetParam());
    op.set_input(0, in);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), vec(golden));
  }
}

TEST_P(SignalOps, FftAutoScale) {
  auto run = [&](const std::vector<int16_t>& in, const std::vector<int16_t>& golden,
                 int32_t scale_bits) {
    const int32_t n = static_cast<int32_t>(in.size());
    OneOp op(CustomOp::kSignalFftAutoScale, {}, {{DType::kInt16, {n}}},
             {{DType::kInt16, {n}}, {DType::kInt32, {}}}, GetParam());
    op.set_input(0, in.data());
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), golden);
    EXPECT_EQ(op.output<int32_t>(1)[0], scale_bits);
  };
  run({0x0000, 0x1111, 0x2222, 0x3333, 0x3333, 0x2222, 0x1111, 0x0000},
      {0x0000, 0x2222, 0x4444, 0x6666, 0x6666, 0x4444, 0x2222, 0x0000}, 1);
  run({238, 113, -88, -243, -5, -130, 159, -70},
      {30464, 14464, -11264, -31104, -640, -16640, 20352, -8960}, 7);
  run(vec(test::tflm::kFftAutoScaleInput), vec(test::tflm::kFftAutoScaleGolden), 0);
}

template <typename T>
void expect_near_all(const std::vector<T>& got, const std::vector<T>& want, double tolerance,
                     double* max_diff) {
  ASSERT_EQ(got.size(), want.size());
  *max_diff = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    *max_diff = std::max(*max_diff, d);
    EXPECT_LE(d, tolerance) << "element " << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST_P(SignalOps, RfftImpulses) {
  // A 16384 impulse: a flat spectrum of 16384 / 64 = 256 in fixed point, 16384 in float.
  for (DType type : {DType::kInt16, DType::kInt32, DType::kFloat32}) {
    const Bytes& options = type == DType::kInt16   ? kFft64Int16
                           : type == DType::kInt32 ? kFft64Int32
                                                   : kFft64Float;
    std::vector<uint8_t> in(64 * dtype_size(type), 0);
    if (type == DType::kInt16) reinterpret_cast<int16_t*>(in.data())[0] = 16384;
    if (type == DType::kInt32) reinterpret_cast<int32_t*>(in.data())[0] = 16384;
    if (type == DType::kFloat32) reinterpret_cast<float*>(in.data())[0] = 16384.f;
    OneOp op(CustomOp::kSignalRfft, options, {{type, {64}}}, {{type, {66}}}, GetParam());
    op.set_input(0, in.data());
    op.interpreter().invoke();
    for (int k = 0; k < 33; ++k) {
      const TensorView out = op.interpreter().output(0);
      double re = 0, im = 0;
      if (type == DType::kInt16) {
        re = out.data<int16_t>()[2 * k];
        im = out.data<int16_t>()[2 * k + 1];
      } else if (type == DType::kInt32) {
        re = out.data<int32_t>()[2 * k];
        im = out.data<int32_t>()[2 * k + 1];
      } else {
        re = out.data<float>()[2 * k];
        im = out.data<float>()[2 * k + 1];
      }
      EXPECT_EQ(re, type == DType::kFloat32 ? 16384.0 : 256.0) << dtype_name(type) << " bin " << k;
      EXPECT_EQ(im, 0.0) << dtype_name(type) << " bin " << k;
    }
  }
  // int32 over outer dimensions [2, 2, 64]: one impulse per row.
  std::vector<int32_t> in(4 * 64, 0);
  for (int r = 0; r < 4; ++r) in[static_cast<size_t>(r) * 64] = 16384;
  OneOp op(CustomOp::kSignalRfft, kFft64Int32, {{DType::kInt32, {2, 2, 64}}},
           {{DType::kInt32, {2, 2, 66}}}, GetParam());
  op.set_input(0, in.data());
  op.interpreter().invoke();
  for (size_t i = 0; i < 4 * 66; ++i)
    EXPECT_EQ(op.output<int32_t>(0)[i], i % 2 == 0 ? 256 : 0) << i;
}

TEST_P(SignalOps, Rfft512) {
  double max_diff = 0;
  {  // int32: exact, as TFLM's test asks.
    OneOp op(CustomOp::kSignalRfft, kFft512Int32, {{DType::kInt32, {512}}},
             {{DType::kInt32, {514}}}, GetParam());
    op.set_input(0, test::tflm::kRfftInt32Input);
    op.interpreter().invoke();
    expect_near_all(op.output<int32_t>(0), vec(test::tflm::kRfftInt32Golden), 0, &max_diff);
  }
  {  // int16: TFLM's test allows 3 against its expected values (made by another FFT).
    OneOp op(CustomOp::kSignalRfft, kFft512Int16, {{DType::kInt16, {512}}},
             {{DType::kInt16, {514}}}, GetParam());
    op.set_input(0, test::tflm::kRfftInt16Input);
    op.interpreter().invoke();
    expect_near_all(op.output<int16_t>(0), vec(test::tflm::kRfftInt16Golden), 3, &max_diff);
    std::printf("int16 RFFT 512: max |difference| to TFLM's expected values %.0f\n", max_diff);
  }
  {  // float: 1e-5 as TFLM's test.
    OneOp op(CustomOp::kSignalRfft, kFft512Float, {{DType::kFloat32, {512}}},
             {{DType::kFloat32, {514}}}, GetParam());
    op.set_input(0, test::tflm::kRfftFloatInput);
    op.interpreter().invoke();
    expect_near_all(op.output<float>(0), vec(test::tflm::kRfftFloatGolden), 1e-5, &max_diff);
  }
  {  // A row shorter than the FFT is zero padded: 480 samples in a 512-point int16 FFT.
    OneOp padded(CustomOp::kSignalRfft, kFft512Int16, {{DType::kInt16, {480}}},
                 {{DType::kInt16, {514}}}, GetParam());
    OneOp full(CustomOp::kSignalRfft, kFft512Int16, {{DType::kInt16, {512}}},
               {{DType::kInt16, {514}}}, GetParam());
    std::vector<int16_t> in(test::tflm::kRfftInt16Input, test::tflm::kRfftInt16Input + 512);
    padded.set_input(0, in.data());
    std::fill(in.begin() + 480, in.end(), int16_t{0});
    full.set_input(0, in.data());
    padded.interpreter().invoke();
    full.interpreter().invoke();
    EXPECT_EQ(padded.output<int16_t>(0), full.output<int16_t>(0));
  }
}

TEST_P(SignalOps, Energy) {
  const int16_t in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  struct Case {
    uint8_t start, end;
    std::vector<uint32_t> golden;
  };
  for (const Case& c :
       {Case{2, 4, {0, 0, 61, 113, 0, 0, 0, 0}}, Case{0, 4, {5, 25, 61, 113, 0, 0, 0, 0}},
        Case{4, 8, {0, 0, 0, 0, 181, 265, 365, 481}}}) {
    OneOp op(CustomOp::kSignalEnergy, energy_options(c.start, c.end), {{DType::kInt16, {16}}},
             {{DType::kUInt32, {8}}}, GetParam());
    op.set_input(0, in);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<uint32_t>(0), c.golden) << int(c.start) << ".." << int(c.end);
  }
}

TEST_P(SignalOps, FilterBank16Channels) {
  const uint32_t energy[] = {
      645050, 4644,  3653,  24262, 56660, 43260, 50584, 57902, 31702, 5401,  45555, 34852, 8518,
      43556,  13358, 19350, 40221, 18017, 27284, 64491, 60099, 17863, 11001, 29076, 32666, 65268,
      50947,  28694, 32377, 30014, 25607, 22547, 45086, 10654, 46797, 8622,  47348, 43085, 5747,
      51544,  50364, 6208,  20696, 59782, 14429, 60125, 37079, 32673, 63457, 60142, 34042, 11280,
      1874,   33734, 62118, 13766, 54398, 47818, 50976, 46930, 25906, 59441, 25958, 59136, 1756,
      18652,  29213, 13379, 51845, 1207,  55626, 27108, 43771, 35236, 3374,  40959, 47707, 41540,
      34282,  27094, 36329, 13593, 65257, 47006, 46857, 1114,  37106, 18738, 25969, 15461, 2842,
      36470,  32489, 61622, 23613, 29624, 32820, 30438, 9543,  6767,  23037, 52896, 12059, 32264,
      11575,  42400, 43344, 27511, 16712, 6877,  4910,  50047, 61569, 57237, 48558, 2310,  22192,
      7874,   46141, 64056, 61997, 7298,  31372, 25316, 683,   58940, 18755, 17898, 19196};
  const int16_t weights[] = {
      -2210, 1711, 3237, 1247, 2507, 61,   1019, 899,  206,  146,  2849, 2756, 1260, 1280, 1951,
      213,   617,  2047, 211,  347,  2821, 3747, 150,  1924, 3962, 942,  1430, 2678, 993,  308,
      3364,  2491, 954,  1308, 879,  3950, 1,    3556, 3628, 2104, 78,   1298, 1080, 342,  1337,
      1639,  2352, 829,  1358, 2498, 1647, 2507, 3816, 3767, 3735, 1155, 2221, 2196, 1160};
  const int16_t unweights[] = {
      408,  3574, 1880, 2561, 2011, 3394, 1019, 445,  3901, 343,  1874, 3846, 3566, 1830, 327,
      111,  623,  1037, 2803, 1947, 1518, 661,  3239, 2351, 1257, 269,  1574, 3431, 3972, 2487,
      2181, 1458, 552,  717,  679,  1031, 1738, 1782, 128,  2242, 353,  1460, 3305, 1424, 3813,
      2895, 164,  272,  3886, 3135, 141,  747,  3233, 1478, 2612, 3837, 3271, 73,   1746};
  const int16_t freq_starts[] = {5, 6, 7, 9, 11, 12, 14, 16, 18, 20, 22, 25, 27, 30, 32, 35, 33};
  const int16_t weight_starts[] = {0, 1, 2, 4, 6, 7, 9, 11, 13, 15, 17, 20, 22, 25, 27, 30, 33};
  const int16_t widths[] = {1, 1, 2, 2, 1, 2, 2, 2, 2, 2, 3, 2, 3, 2, 3, 3, 3};
  const uint64_t golden[] = {104199304, 407748384, 206363744, 200989269, 52144406,  230780884,
                             174394190, 379684049, 94840835,  57788823,  531528204, 318265707,
                             263149795, 188110467, 501443259, 200747781};
  OneOp op(CustomOp::kSignalFilterBank, filter_bank_options(16),
           {{DType::kUInt32, {129}},
            {DType::kInt16, {59}, weights},
            {DType::kInt16, {59}, unweights},
            {DType::kInt16, {17}, freq_starts},
            {DType::kInt16, {17}, weight_starts},
            {DType::kInt16, {17}, widths}},
           {{DType::kUInt64, {16}}}, GetParam());
  op.set_input(0, energy);
  op.interpreter().invoke();
  EXPECT_EQ(op.output<uint64_t>(0), vec(golden));
}

TEST_P(SignalOps, FilterBank32ChannelsWithWrappingEnergies) {
  // TFLM's 32-channel case: energies near 2^32 and negative weights exercise the
  // modulo-2^64 accumulation.
  const uint32_t energy[] = {
      65451,      11468838,   4280615122, 4283105055, 30080683,   969970,     1168164,
      192770,     344209,     1811809,    1740724,    586130,     305045,     17981,
      169273,     103321,     85277,      529901,     524660,     116609,     29653,
      64345,      13121,      273956,     593748,     463432,     348169,     77545,
      2117,       19277,      13837,      85,         16322,      1325,       69584,
      233930,     253273,     94180,      8642,       104245,     151937,     231970,
      90405,      95849,      106285,     81938,      76226,      103337,     303250,
      337705,     75140,      43874,      33730,      44761,      117608,     57322,
      9945,       19816,      48674,      19465,      15696,      52229,      103738,
      102541,     126421,     133157,     33680,      7738,       45029,      57122,
      61605,      60138,      26170,      41444,      210994,     238338,     74324,
      21460,      33125,      3940,       15481,      7709,       24929,      17714,
      170993,     91978,      45965,      214133,     96832,      1800,       16717,
      42341,      87421,      114341,     65161,      26260,      135077,     245000,
      122117,     81188,      107753,     74125,      86432,      91460,      29648,
      2069,       3161,       5002,       784,        1152,       1424,       277,
      452,        2696,       3610,       2120,       2617,       562,        1153,
      4610,       2906,       65,         786450,     4293722107, 0,          393208,
      2,          196608,     65539,      65537,      4294967295, 65537,      4294901762,
      65535,      4294770689, 65533,      131073,     4294901761, 131071,     131071,
      65535,      4294901764, 4294967295, 0,          4294901758, 4294901761, 196607,
      4294836224, 131070,     4294901762, 4294901759, 196608,     4294901761, 131071,
      131070,     65538,      0,          4294901761, 65536,      4294836225, 65536,
      4294836225, 4294901757, 65535,      4294901760, 196607,     4294967295, 0,
      131071,     4294901762, 4294836221, 196608,     65536,      1,          131074,
      4294770690, 4294967291, 196611,     4294770687, 262143,     4294901759, 131071,
      1,          4294901759, 196607,     4294705153, 196607,     4294967294, 65536,
      1,          4294901759, 65536,      0,          65536,      65537,      4294901759,
      65536,      3,          4294836222, 65534,      65536,      65538,      4294836225,
      4294901760, 4294901761, 4294967293, 0,          65534,      131070,     65537,
      4294901762, 65536,      2,          4294836224, 1,          4294901760, 0,
      4294967294, 131073,     4294901760, 65535,      131073,     4294836224, 65536,
      4294901760, 4294901760, 4294967295, 4294901761, 131071,     4294901760, 131071,
      4294836224, 2,          4294901758, 4294967292, 131073,     0,          65535,
      0,          4294901760, 4294967295, 131073,     4294901764, 4294836223, 4294967295,
      65535,      65537,      65533,      3,          131072,     4294836224, 65537,
      1,          4294967293, 196611,     4294901759, 1};
  const int16_t weights[] = {
      1133, 2373, 3712, 1047, 2564, 66,   1740, 3486, 1202, 3079, 919,  2913, 865,  2964, 1015,
      3210, 1352, 3633, 1859, 123,  2520, 856,  3323, 1726, 161,  2722, 1215, 3833, 2382, 956,
      3652, 2276, 923,  3689, 2380, 1093, 3922, 2676, 1448, 239,  3144, 1970, 814,  3770, 2646,
      1538, 445,  3463, 2399, 1349, 313,  3386, 2376, 1379, 394,  3517, 2556, 1607, 668,  3837,
      2920, 2013, 1117, 231,  3450, 2583, 1725, 877,  37,   3302, 2480, 1666, 861,  63,   3369,
      2588, 1813, 1046, 287,  3630, 2885, 2147, 1415, 690,  4067, 3355, 2650, 1950, 1257, 569,
      3984, 3308, 2638, 1973, 1314, 661,  12,   3465, 2827, 2194, 1566, 943,  325,  3808, 3199,
      2595, 1996, 1401, 810,  224,  3738, 3160, 2586, 2017, 1451, 890,  332};
  const int16_t unweights[] = {
      2962, 1722, 383,  3048, 1531, 4029, 2355, 609,  2893, 1016, 3176, 1182, 3230, 1131, 3080,
      885,  2743, 462,  2236, 3972, 1575, 3239, 772,  2369, 3934, 1373, 2880, 262,  1713, 3139,
      443,  1819, 3172, 406,  1715, 3002, 173,  1419, 2647, 3856, 951,  2125, 3281, 325,  1449,
      2557, 3650, 632,  1696, 2746, 3782, 709,  1719, 2716, 3701, 578,  1539, 2488, 3427, 258,
      1175, 2082, 2978, 3864, 645,  1512, 2370, 3218, 4058, 793,  1615, 2429, 3234, 4032, 726,
      1507, 2282, 3049, 3808, 465,  1210, 1948, 2680, 3405, 28,   740,  1445, 2145, 2838, 3526,
      111,  787,  1457, 2122, 2781, 3434, 4083, 630,  1268, 1901, 2529, 3152, 3770, 287,  896,
      1500, 2099, 2694, 3285, 3871, 357,  935,  1509, 2078, 2644, 3205, 3763};
  const int16_t freq_starts[] = {5,  6,  7,  9,  11, 12, 14, 16, 18,  20,  22,
                                 25, 27, 30, 32, 35, 38, 41, 45, 48,  52,  56,
                                 60, 64, 69, 74, 79, 84, 89, 95, 102, 108, 115};
  const int16_t weight_starts[] = {0,  1,  2,  4,  6,  7,  9,  11, 13, 15,  17,
                                   20, 22, 25, 27, 30, 33, 36, 40, 43, 47,  51,
                                   55, 59, 64, 69, 74, 79, 84, 90, 97, 103, 110};
  const int16_t widths[] = {1, 1, 2, 2, 1, 2, 2, 2, 2, 2, 3, 2, 3, 2, 3, 3, 3,
                            4, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 7, 6, 7, 7};
  const uint64_t golden[] = {
      5645104312, 3087527471, 5883346002, 10807122775, 2465336182, 853935004,  1206905130,
      3485828019, 1134726750, 832725041,  4442875878,  2122064365, 178483220,  151483681,
      1742660113, 1309124116, 1954305288, 1323857378,  2750861165, 1340947482, 792522630,
      669257768,  1659699572, 940652856,  1957080469,  1034203505, 1541805928, 1710818326,
      2432875876, 2254716277, 275382345,  57293224};
  OneOp op(CustomOp::kSignalFilterBank, filter_bank_options(32),
           {{DType::kUInt32, {257}},
            {DType::kInt16, {117}, weights},
            {DType::kInt16, {117}, unweights},
            {DType::kInt16, {33}, freq_starts},
            {DType::kInt16, {33}, weight_starts},
            {DType::kInt16, {33}, widths}},
           {{DType::kUInt64, {32}}}, GetParam());
  op.set_input(0, energy);
  op.interpreter().invoke();
  EXPECT_EQ(op.output<uint64_t>(0), vec(golden));
}

TEST_P(SignalOps, FilterBankSquareRoot) {
  {
    const uint64_t in[] = {
        10528000193, 28362909357, 47577133750, 8466055850, 5842710800, 2350911449, 2989811430,
        2646718839,  515262774,   276394561,   469831522,  55815334,   28232446,   11591835,
        40329249,    67658028,    183446654,   323189165,  117473797,  41339272,   25846050,
        12428673,    18670978,    22521722,    78477733,   54207503,   25150296,   43098592,
        28211625,    15736687,    20990296,    17907031};
    const uint32_t golden[] = {801, 1315, 1704, 718, 597, 378, 427, 401, 177, 129, 169,
                               58,  41,   26,   49,  64,  105, 140, 84,  50,  39,  27,
                               33,  37,   69,   57,  39,  51,  41,  30,  35,  33};
    const int32_t shift = 7;
    OneOp op(CustomOp::kSignalFilterBankSquareRoot, {},
             {{DType::kUInt64, {32}}, {DType::kInt32, {}, &shift}}, {{DType::kUInt32, {32}}},
             GetParam());
    op.set_input(0, in);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<uint32_t>(0), vec(golden));
  }
  {  // The shift is an input (FFT auto-scale's output in the model).
    const uint64_t in[] = {13051415151, 14932650877, 18954728418, 8730126017,
                           6529665275,  12952546517, 10314975609, 8919697835,
                           8053663348,  17231208421, 7366899760,  1372112200,
                           19953434807, 17012385332, 4710443222,  17765594053};
    const uint32_t golden[] = {3570, 3818, 4302, 2919, 2525, 3556, 3173, 2951,
                               2804, 4102, 2682, 1157, 4414, 4076, 2144, 4165};
    const int32_t shift = 5;
    OneOp op(CustomOp::kSignalFilterBankSquareRoot, {},
             {{DType::kUInt64, {16}}, {DType::kInt32, {}}}, {{DType::kUInt32, {16}}}, GetParam());
    op.set_input(0, in);
    op.set_input(1, &shift);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<uint32_t>(0), vec(golden));
  }
}

TEST_P(SignalOps, SpectralSubtractionKeepsItsNoiseEstimateUntilReset) {
  struct Case {
    uint8_t channels;
    std::vector<uint32_t> in, out, noise;
  };
  const Case cases[] = {
      {32,
       {322, 308, 210, 212, 181, 251, 403, 259, 65, 48, 76, 48, 50, 46,  53,  52,
        112, 191, 136, 59,  70,  51,  39,  64,  33, 44, 41, 49, 74, 107, 262, 479},
       {310, 296, 202, 204, 174, 241, 387, 249, 63, 47, 73, 47, 49, 45,  51,  50,
        108, 184, 131, 57,  68,  49,  38,  62,  32, 43, 40, 48, 72, 103, 252, 460},
       {12, 12, 8, 8, 7, 10, 16, 10, 2, 1, 3, 1, 1, 1, 2,  2,
        4,  7,  5, 2, 2, 2,  1,  2,  1, 1, 1, 1, 2, 4, 10, 19}},
      {16,
       {393, 213, 408, 1, 361, 385, 386, 326, 170, 368, 368, 305, 152, 322, 213, 319},
       {378, 205, 392, 1, 347, 370, 371, 313, 164, 354, 354, 293, 146, 310, 205, 307},
       {15, 8, 16, 0, 14, 15, 15, 13, 6, 14, 14, 12, 6, 12, 8, 12}}};
  for (const Case& c : cases) {
    const int32_t n = c.channels;
    OneOp op(CustomOp::kSignalFilterBankSpectralSubtraction, spectral_subtraction_options(n),
             {{DType::kUInt32, {n}}}, {{DType::kUInt32, {n}}, {DType::kUInt32, {n}}}, GetParam());
    op.set_input(0, c.in.data());
    op.interpreter().invoke();
    EXPECT_EQ(op.output<uint32_t>(0), c.out);
    EXPECT_EQ(op.output<uint32_t>(1), c.noise);
    // State carries over: the same frame again subtracts the grown estimate...
    op.set_input(0, c.in.data());
    op.interpreter().invoke();
    EXPECT_NE(op.output<uint32_t>(1), c.noise);
    // ...and after a reset the first result comes back (TFLM's Reset test).
    op.interpreter().reset_state();
    op.set_input(0, c.in.data());
    op.interpreter().invoke();
    EXPECT_EQ(op.output<uint32_t>(0), c.out);
    EXPECT_EQ(op.output<uint32_t>(1), c.noise);
  }
}

TEST_P(SignalOps, Pcan) {
  const uint32_t in[] = {286, 298, 305, 291, 290, 279, 273, 257, 250, 240, 240, 233, 234, 230,
                         221, 205, 183, 159, 156, 188, 239, 298, 345, 374, 380, 369, 359, 364,
                         372, 354, 302, 243, 194, 135, 64,  72,  171, 245, 277, 304};
  const uint32_t noise[] = {7310, 18308, 7796, 17878, 7413, 17141, 6978, 15789, 6390, 14745,
                            6135, 14314, 5981, 14130, 5649, 12594, 4677, 9768,  3987, 11550,
                            6109, 18308, 8819, 22977, 9713, 22670, 9176, 22363, 9509, 21748,
                            7719, 14929, 4959, 8294,  1636, 4423,  4371, 15052, 7080, 18677};
  const int16_t lut[] = {
      32636, 32633,  32630, -6,    0,    -21589, 32624, -12,   0,    -21589, 32612, -23,
      -2,    -21589, 32587, -48,   0,    -21589, 32539, -96,   0,    -21589, 32443, -190,
      0,     -21589, 32253, -378,  4,    -21589, 31879, -739,  18,   -21589, 31158, -1409,
      62,    -21589, 29811, -2567, 202,  -21589, 27446, -4301, 562,  -21589, 23707, -6265,
      1230,  -21589, 18672, -7458, 1952, -21589, 13166, -7030, 2212, -21589, 8348,  -5342,
      1868,  -21589, 4874,  -3459, 1282, -21589, 2697,  -2025, 774,  -21589, 1446,  -1120,
      436,   -21589, 762,   -596,  232,  -21589, 398,   -313,  122,  -21589, 207,   -164,
      64,    -21589, 107,   -85,   34,   -21589, 56,    -45,   18,   -21589, 29,    -22,
      8,     -21589, 15,    -13,   6,    -21589, 8,     -8,    4,    -21589, 4,     -2,
      0,     -21589, 2,     -3,    2,    -21589, 1,     0,     0,    -21589, 1,     -3,
      2,     -21589, 0,     0,     0};
  const uint32_t golden[] = {1301, 836, 1354, 827, 1312, 811, 1263, 779, 1192, 753,
                             1160, 743, 1140, 738, 1096, 698, 956,  607, 845,  667,
                             1157, 836, 1461, 912, 1546, 908, 1496, 904, 1527, 895,
                             1346, 758, 999,  548, 378,  344, 908,  761, 1274, 843};
  OneOp op(CustomOp::kSignalPcan, kPcanSnrShift6,
           {{DType::kUInt32, {40}}, {DType::kUInt32, {40}}, {DType::kInt16, {125}, lut}},
           {{DType::kUInt32, {40}}}, GetParam());
  op.set_input(0, in);
  op.set_input(1, noise);
  op.interpreter().invoke();
  EXPECT_EQ(op.output<uint32_t>(0), vec(golden));
}

TEST_P(SignalOps, FilterBankLog) {
  {
    const uint32_t in[] = {29, 21, 29, 40, 19, 11, 13, 23, 13, 11, 25, 17, 5,  4,  46, 14,
                           17, 14, 20, 14, 10, 10, 15, 11, 17, 12, 15, 16, 19, 18, 6,  2};
    const int16_t golden[] = {8715, 8198, 8715, 9229, 8038, 7164, 7431, 8344, 7431, 7164, 8477,
                              7860, 5902, 5545, 9453, 7550, 7860, 7550, 8120, 7550, 7011, 7011,
                              7660, 7164, 7860, 7303, 7660, 7763, 8038, 7952, 6194, 4436};
    OneOp op(CustomOp::kSignalFilterBankLog, kLogScale1600Bits3, {{DType::kUInt32, {32}}},
             {{DType::kInt16, {32}}}, GetParam());
    op.set_input(0, in);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), vec(golden));
  }
  {  // Saturating at 32767.
    const uint32_t in[] = {48, 20, 19, 24, 35, 47, 23, 30, 31, 10, 48, 21, 46, 14, 18, 27};
    const int16_t golden[] = {32767, 15121, 13440, 21095, 32767, 32767, 19701, 28407,
                              29482, 32767, 32767, 16720, 32767, 3434,  11669, 24955};
    OneOp op(CustomOp::kSignalFilterBankLog, kLogScale32768Bits5, {{DType::kUInt32, {16}}},
             {{DType::kInt16, {16}}}, GetParam());
    op.set_input(0, in);
    op.interpreter().invoke();
    EXPECT_EQ(op.output<int16_t>(0), vec(golden));
  }
}

TEST_P(SignalOps, ShapesTheOptionsCannotReachAreRefused) {
  auto refusal = [&](CustomOp op, const Bytes& options, const std::vector<Operand>& in,
                     const std::vector<Operand>& out) {
    try {
      OneOp o(op, options, in, out, GetParam());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // Energy end_index 8 on a 4-bin spectrum.
  std::string e = refusal(CustomOp::kSignalEnergy, energy_options(4, 8), {{DType::kInt16, {8}}},
                          {{DType::kUInt32, {8}}});
  EXPECT_NE(e.find("operator 0 (SignalEnergy): end_index 8 is beyond the 4 bins"),
            std::string::npos)
      << e;
  // An RFFT row longer than the FFT.
  e = refusal(CustomOp::kSignalRfft, kFft64Int16, {{DType::kInt16, {80}}}, {{DType::kInt16, {66}}});
  EXPECT_NE(e.find("longer than fft_length 64"), std::string::npos) << e;
  // A filter bank channel reading past the spectrum.
  const int16_t w[] = {1, 1, 1};
  const int16_t starts[] = {0, 7};
  const int16_t wstarts[] = {0, 1};
  const int16_t widths[] = {1, 2};
  e = refusal(CustomOp::kSignalFilterBank, filter_bank_options(1),
              {{DType::kUInt32, {8}},
               {DType::kInt16, {3}, w},
               {DType::kInt16, {3}, w},
               {DType::kInt16, {2}, starts},
               {DType::kInt16, {2}, wstarts},
               {DType::kInt16, {2}, widths}},
              {{DType::kUInt64, {1}}});
  EXPECT_NE(e.find("channel 1 takes 2 bins from bin 7"), std::string::npos) << e;
  // A PCAN gain table its function would read past.
  const int16_t short_lut[100] = {};
  e = refusal(CustomOp::kSignalPcan, kPcanSnrShift6,
              {{DType::kUInt32, {4}}, {DType::kUInt32, {4}}, {DType::kInt16, {100}, short_lut}},
              {{DType::kUInt32, {4}}});
  EXPECT_NE(e.find("has 100 entries, expected 125"), std::string::npos) << e;
  // Types as TFLM's Prepare checks them.
  e = refusal(CustomOp::kSignalFilterBankLog, kLogScale1600Bits3, {{DType::kInt32, {4}}},
              {{DType::kInt16, {4}}});
  EXPECT_NE(e.find("input 'in0' must be uint32, found int32"), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(BothKernelSets, SignalOps,
                         ::testing::Values(KernelSet::kReference, KernelSet::kFast),
                         [](const auto& info) {
                           return info.param == KernelSet::kFast ? "fast" : "ref";
                         });

// ---------------------------------------------------------------------------
// The micro_speech example: TFLM's audio front end and classifier.

std::vector<int16_t> read_pcm16(const std::string& path) {
  io::AudioInfo info;
  const std::vector<float> samples = io::read_audio_file(path, &info);
  EXPECT_EQ(info.rate, 16000);
  EXPECT_EQ(info.channels, 1);
  std::vector<int16_t> pcm(samples.size());
  for (size_t i = 0; i < samples.size(); ++i)
    pcm[i] = static_cast<int16_t>(std::lround(samples[i] * 32768.0f));  // exact for 16-bit WAV
  return pcm;
}

constexpr int kFeatureSize = 40;
constexpr int kFeatureCount = 49;
constexpr int kFrameSamples = 480;   // 30 ms at 16 kHz
constexpr int kStrideSamples = 320;  // 20 ms

// TFLM's GenerateFeatures: a fresh front end per clip, one frame every 20 ms, at most 49.
std::vector<int8_t> features_of(const Model& front_end, KernelSet kernels,
                                const std::vector<int16_t>& pcm) {
  Interpreter interpreter(front_end, {kernels, 1});
  std::vector<int8_t> features;
  for (size_t at = 0; at + kFrameSamples <= pcm.size() && features.size() < kFeatureCount * 40;
       at += kStrideSamples) {
    std::memcpy(interpreter.input(0).data<int16_t>(), pcm.data() + at,
                kFrameSamples * sizeof(int16_t));
    interpreter.invoke();
    const int8_t* out = interpreter.output(0).data<int8_t>();
    features.insert(features.end(), out, out + kFeatureSize);
  }
  return features;
}

class MicroSpeech : public ::testing::TestWithParam<KernelSet> {};

// micro_speech_test.cc's NoFeatureTest and YesFeatureTest (EXPECT_EQ outside Xtensa).
TEST_P(MicroSpeech, FeaturesOfThe30msClipsEqualTflms) {
  EDGE_REQUIRE_SHARED(model_path, "models/tflm/audio_preprocessor_int8.tflite");
  EDGE_REQUIRE_SHARED(yes_path, "speech/micro-speech-testdata/yes_30ms.wav");
  EDGE_REQUIRE_SHARED(no_path, "speech/micro-speech-testdata/no_30ms.wav");
  const Model model = read_tflite_file(model_path);
  const std::vector<int8_t> no_expected = {126, 103, 124, 102, 124, 102, 123, 100, 118, 97,
                                           118, 100, 118, 98,  121, 100, 121, 98,  117, 91,
                                           96,  74,  54,  87,  100, 87,  109, 92,  91,  80,
                                           64,  55,  83,  74,  74,  78,  114, 95,  101, 81};
  const std::vector<int8_t> yes_expected = {
      124, 105, 126, 103, 125, 101, 123, 100, 116, 98,  115, 97, 113, 90, 91, 82, 104, 96, 117, 97,
      121, 103, 126, 101, 125, 104, 126, 104, 125, 101, 116, 90, 81,  74, 80, 71, 83,  76, 82,  71};
  EXPECT_EQ(features_of(model, GetParam(), read_pcm16(no_path)), no_expected);
  EXPECT_EQ(features_of(model, GetParam(), read_pcm16(yes_path)), yes_expected);
}

// The float front end computes the same int16 log filter bank and multiplies it by
// 0.0390625 (= 1 / 25.6); the int8 one maps it with the model's own integer ops to
// clip(trunc((v * 256 + 333) / 666) - 128). Both must come from the same v, exactly.
TEST_P(MicroSpeech, FloatFrontEndAgreesWithTheInt8One) {
  EDGE_REQUIRE_SHARED(int8_path, "models/tflm/audio_preprocessor_int8.tflite");
  EDGE_REQUIRE_SHARED(float_path, "models/tflm/audio_preprocessor_float.tflite");
  EDGE_REQUIRE_SHARED(yes_path, "speech/micro-speech-testdata/yes_1000ms.wav");
  const Model q_model = read_tflite_file(int8_path);
  const Model f_model = read_tflite_file(float_path);
  Interpreter q(q_model, {GetParam(), 1});
  Interpreter f(f_model, {GetParam(), 1});
  ASSERT_EQ(f.output(0).type(), DType::kFloat32);
  ASSERT_EQ(f.output(0).elements(), kFeatureSize);
  const std::vector<int16_t> pcm = read_pcm16(yes_path);
  int compared = 0;
  for (size_t at = 0; at + kFrameSamples <= pcm.size(); at += kStrideSamples) {
    for (Interpreter* i : {&q, &f}) {
      std::memcpy(i->input(0).data<int16_t>(), pcm.data() + at, kFrameSamples * sizeof(int16_t));
      i->invoke();
    }
    for (int k = 0; k < kFeatureSize; ++k) {
      const float value = f.output(0).data<float>()[k];
      const auto log = static_cast<int32_t>(std::lround(value / 0.0390625f));
      ASSERT_EQ(static_cast<float>(log) * 0.0390625f, value) << "not a multiple of 1/25.6";
      const int32_t mapped = std::min(127, std::max(-128, (log * 256 + 333) / 666 - 128));
      EXPECT_EQ(q.output(0).data<int8_t>()[k], mapped) << "frame at " << at << ", feature " << k;
      ++compared;
    }
  }
  EXPECT_EQ(compared, kFeatureCount * kFeatureSize);
}

// micro_speech_test.cc's NoTest, YesTest, SilenceTest and NoiseTest (noise: "silence").
TEST_P(MicroSpeech, ClipsAreLabelledAsTflmsTestLabelsThem) {
  EDGE_REQUIRE_SHARED(front_path, "models/tflm/audio_preprocessor_int8.tflite");
  EDGE_REQUIRE_SHARED(model_path, "models/tflm/micro_speech_quantized.tflite");
  const Model front_end = read_tflite_file(front_path);
  const Model classifier = read_tflite_file(model_path);
  const char* labels[] = {"silence", "unknown", "yes", "no"};
  struct Clip {
    const char* file;
    const char* label;
  };
  for (const Clip& clip :
       {Clip{"yes_1000ms.wav", "yes"}, Clip{"no_1000ms.wav", "no"},
        Clip{"silence_1000ms.wav", "silence"}, Clip{"noise_1000ms.wav", "silence"}}) {
    EDGE_REQUIRE_SHARED(path, std::string("speech/micro-speech-testdata/") + clip.file);
    const std::vector<int8_t> features = features_of(front_end, GetParam(), read_pcm16(path));
    ASSERT_EQ(features.size(), size_t{kFeatureCount * kFeatureSize}) << clip.file;
    Interpreter interpreter(classifier, {GetParam(), 1});
    std::memcpy(interpreter.input(0).data<int8_t>(), features.data(), features.size());
    interpreter.invoke();
    const int8_t* scores = interpreter.output(0).data<int8_t>();
    const int best = static_cast<int>(std::max_element(scores, scores + 4) - scores);
    std::printf("%-20s scores silence %4d unknown %4d yes %4d no %4d -> %s\n", clip.file, scores[0],
                scores[1], scores[2], scores[3], labels[best]);
    EXPECT_STREQ(labels[best], clip.label) << clip.file;
  }
}

INSTANTIATE_TEST_SUITE_P(BothKernelSets, MicroSpeech,
                         ::testing::Values(KernelSet::kReference, KernelSet::kFast),
                         [](const auto& info) {
                           return info.param == KernelSet::kFast ? "fast" : "ref";
                         });

}  // namespace
}  // namespace edge::nn
