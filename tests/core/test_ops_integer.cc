// The builtin operators TFLM's audio front end adds to the engine: CAST, STRIDED_SLICE,
// DIV, MINIMUM, MAXIMUM and int32 ADD/MUL, each through a one-operator model with TFLite's
// reference semantics (and the meaning given where TFLite leaves a case undefined).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/model.h"
#include "tests/core/one_op_model.h"

namespace edge::nn {
namespace {

using op_test::Operand;

// A builtin operator run with the reference kernels.
class OneOp : public op_test::OneOpModel {
 public:
  OneOp(Op op, OpOptions options, const std::vector<Operand>& inputs, const Operand& output)
      : OneOpModel(make(op, std::move(options)), {}, inputs, {output},
                   InterpreterOptions{KernelSet::kReference}) {}
  template <typename T>
  void set(size_t i, const std::vector<T>& values) {
    set_input(i, values);
  }
  template <typename T>
  std::vector<T> run() {
    interpreter().invoke();
    return output<T>(0);
  }

 private:
  static Operator make(Op op, OpOptions options) {
    Operator o;
    o.op = op;
    o.options = std::move(options);
    return o;
  }
};

std::string refusal(Op op, OpOptions options, const std::vector<Operand>& inputs,
                    const Operand& output) {
  try {
    OneOp o(op, std::move(options), inputs, output);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Cast, IntegerWrapsFloatTruncatesAndSaturates) {
  {  // uint32 energies to int32 and back (the front end's round trip) is exact.
    OneOp to_int(Op::kCast, {}, {{DType::kUInt32, {3}}}, {DType::kInt32, {3}});
    to_int.set<uint32_t>(0, {0, 2147483647u, 4294967295u});
    EXPECT_EQ(to_int.run<int32_t>(), (std::vector<int32_t>{0, 2147483647, -1}));
  }
  {
    OneOp to_int8(Op::kCast, {}, {{DType::kInt32, {4}}}, {DType::kInt8, {4}});
    to_int8.set<int32_t>(0, {127, -128, 300, -129});
    EXPECT_EQ(to_int8.run<int8_t>(), (std::vector<int8_t>{127, -128, 44, 127}));
  }
  {
    OneOp f2i(Op::kCast, {}, {{DType::kFloat32, {6}}}, {DType::kInt16, {6}});
    f2i.set<float>(0, {2.9f, -2.9f, 1e9f, -1e9f, std::nanf(""), -0.5f});
    EXPECT_EQ(f2i.run<int16_t>(), (std::vector<int16_t>{2, -2, 32767, -32768, 0, 0}));
  }
  {
    OneOp i2f(Op::kCast, {}, {{DType::kInt16, {2}}}, {DType::kFloat32, {2}});
    i2f.set<int16_t>(0, {-32768, 1234});
    EXPECT_EQ(i2f.run<float>(), (std::vector<float>{-32768.f, 1234.f}));
  }
  {
    OneOp to_bool(Op::kCast, {}, {{DType::kInt32, {3}}}, {DType::kBool, {3}});
    to_bool.set<int32_t>(0, {0, 5, -1});
    const std::vector<bool> got = to_bool.run<bool>();
    EXPECT_EQ(got, (std::vector<bool>{false, true, true}));
  }
  EXPECT_NE(refusal(Op::kCast, {}, {{DType::kInt32, {3}}}, {DType::kInt32, {4}})
                .find("different element counts"),
            std::string::npos);
}

TEST(StridedSlice, TheFrontEndsSliceAndTfliteMasks) {
  const int32_t begin[] = {5}, end[] = {241}, stride[] = {1};
  {  // The audio front end: bins 5..240 of 257.
    OneOp op(Op::kStridedSlice, StridedSliceOptions{},
             {{DType::kInt32, {257}},
              {DType::kInt32, {1}, begin},
              {DType::kInt32, {1}, end},
              {DType::kInt32, {1}, stride}},
             {DType::kInt32, {236}});
    std::vector<int32_t> in(257);
    for (int i = 0; i < 257; ++i) in[static_cast<size_t>(i)] = i * 10;
    op.set(0, in);
    const std::vector<int32_t> out = op.run<int32_t>();
    EXPECT_EQ(out.front(), 50);
    EXPECT_EQ(out.back(), 2400);
  }
  {  // 2-D: negative stride over rows, begin mask on columns, shrink of nothing.
    const int32_t b[] = {-1, 5}, e[] = {0, 2}, s[] = {-1, 1};
    StridedSliceOptions o;
    o.begin_mask = 2;  // columns from 0
    OneOp op(Op::kStridedSlice, o,
             {{DType::kInt16, {3, 4}},
              {DType::kInt32, {2}, b},
              {DType::kInt32, {2}, e},
              {DType::kInt32, {2}, s}},
             {DType::kInt16, {2, 2}});
    op.set<int16_t>(0, {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
    EXPECT_EQ(op.run<int16_t>(), (std::vector<int16_t>{20, 21, 10, 11}));
  }
  {  // Shrink axis 0 at index -1, stride 2 with end mask on axis 1.
    const int32_t b[] = {-1, 1}, e[] = {0, 0}, s[] = {1, 2};
    StridedSliceOptions o;
    o.shrink_axis_mask = 1;
    o.end_mask = 2;
    OneOp op(Op::kStridedSlice, o,
             {{DType::kFloat32, {2, 5}},
              {DType::kInt32, {2}, b},
              {DType::kInt32, {2}, e},
              {DType::kInt32, {2}, s}},
             {DType::kFloat32, {2}});
    op.set<float>(0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(op.run<float>(), (std::vector<float>{6, 8}));
  }
  const std::string e = refusal(Op::kStridedSlice, StridedSliceOptions{},
                                {{DType::kInt32, {257}},
                                 {DType::kInt32, {1}, begin},
                                 {DType::kInt32, {1}, end},
                                 {DType::kInt32, {1}, stride}},
                                {DType::kInt32, {235}});
  EXPECT_NE(e.find("has shape [235], expected [236]"), std::string::npos) << e;
  StridedSliceOptions ellipsis;
  ellipsis.ellipsis_mask = 1;
  EXPECT_NE(refusal(Op::kStridedSlice, ellipsis,
                    {{DType::kInt32, {257}},
                     {DType::kInt32, {1}, begin},
                     {DType::kInt32, {1}, end},
                     {DType::kInt32, {1}, stride}},
                    {DType::kInt32, {236}})
                .find("ellipsis_mask 1"),
            std::string::npos);
}

TEST(IntegerArithmetic, TheFrontEndsInt8Mapping) {
  // clip(trunc((v * 256 + 333) / 666) - 128) as the model computes it, op by op.
  const int32_t k256 = 256, k333 = 333, k666 = 666, k_128 = -128, k127 = 127;
  OneOp mul(Op::kMul, MulOptions{}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k256}},
            {DType::kInt32, {4}});
  OneOp add(Op::kAdd, AddOptions{}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k333}},
            {DType::kInt32, {4}});
  OneOp div(Op::kDiv, DivOptions{}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k666}},
            {DType::kInt32, {4}});
  OneOp add2(Op::kAdd, AddOptions{}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k_128}},
             {DType::kInt32, {4}});
  OneOp lo(Op::kMinimum, {}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k127}},
           {DType::kInt32, {4}});
  OneOp hi(Op::kMaximum, {}, {{DType::kInt32, {4}}, {DType::kInt32, {}, &k_128}},
           {DType::kInt32, {4}});
  std::vector<int32_t> v = {0, 300, -2000, 32767};
  for (OneOp* op : {&mul, &add, &div, &add2, &lo, &hi}) {
    op->set(0, v);
    v = op->run<int32_t>();
  }
  EXPECT_EQ(v, (std::vector<int32_t>{-128, -13, -128, 127}));
}

TEST(IntegerArithmetic, UndefinedCasesAreDefined) {
  {  // Wrapping ADD and MUL; DIV by -1 of INT32_MIN wraps.
    OneOp add(Op::kAdd, AddOptions{}, {{DType::kInt32, {1}}, {DType::kInt32, {1}}},
              {DType::kInt32, {1}});
    add.set<int32_t>(0, {std::numeric_limits<int32_t>::max()});
    add.set<int32_t>(1, {1});
    EXPECT_EQ(add.run<int32_t>()[0], std::numeric_limits<int32_t>::min());
    OneOp div(Op::kDiv, DivOptions{}, {{DType::kInt32, {3}}, {DType::kInt32, {3}}},
              {DType::kInt32, {3}});
    div.set<int32_t>(0, {std::numeric_limits<int32_t>::min(), 7, -7});
    div.set<int32_t>(1, {-1, 0, 2});
    EXPECT_EQ(div.run<int32_t>(),
              (std::vector<int32_t>{std::numeric_limits<int32_t>::min(), 0, -3}));
  }
  {  // RELU6 on int32.
    AddOptions relu6;
    relu6.activation = Activation::kRelu6;
    OneOp add(Op::kAdd, relu6, {{DType::kInt32, {3}}, {DType::kInt32, {3}}}, {DType::kInt32, {3}});
    add.set<int32_t>(0, {-5, 3, 10});
    add.set<int32_t>(1, {0, 1, 0});
    EXPECT_EQ(add.run<int32_t>(), (std::vector<int32_t>{0, 4, 6}));
  }
  const int32_t zero = 0;
  const std::string e =
      refusal(Op::kDiv, DivOptions{}, {{DType::kInt32, {2}}, {DType::kInt32, {}, &zero}},
              {DType::kInt32, {2}});
  EXPECT_NE(e.find("divisor 'in1' holds 0"), std::string::npos) << e;
  EXPECT_NE(refusal(Op::kDiv, DivOptions{}, {{DType::kInt8, {2}}, {DType::kInt8, {2}}},
                    {DType::kInt8, {2}})
                .find("float32 and int32 are supported"),
            std::string::npos);
}

TEST(MinMax, FloatAndQuantizedKeepTflitesOrder) {
  OneOp max(Op::kMaximum, {}, {{DType::kFloat32, {3}}, {DType::kFloat32, {3}}},
            {DType::kFloat32, {3}});
  max.set<float>(0, {1.f, -2.f, std::nanf("")});
  max.set<float>(1, {0.f, 3.f, 5.f});
  const std::vector<float> out = max.run<float>();
  EXPECT_EQ(out[0], 1.f);
  EXPECT_EQ(out[1], 3.f);
  EXPECT_EQ(out[2], 5.f);  // a > b is false for a NaN: the second operand
}

}  // namespace
}  // namespace edge::nn
