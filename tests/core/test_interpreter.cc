// Interpreter on small hand-built models: results, RESHAPE aliasing in the arena,
// MAC counting, typed accessors, and the errors for unsupported ops and
// inconsistent shapes (naming the model, operator index and op).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/error.h"
#include "nn/interpreter.h"

namespace edge::nn {
namespace {

Tensor f32(const char* name, Shape shape) {
  Tensor t;
  t.name = name;
  t.type = DType::kFloat32;
  t.shape = std::move(shape);
  return t;
}

// input [1, 4] -> FULLY_CONNECTED (2 units, RELU) -> [1, 2] -> RESHAPE [2] -> SOFTMAX.
Model small_model(Shape fc_output_shape = {1, 2}) {
  Model m;
  m.set_source("small.tflite");
  const int32_t in = m.add_tensor(f32("in", {1, 4}));
  const float w[8] = {1, 0, 0, 0, 0, 1, 1, -1};
  const float b[2] = {0.5f, -10.f};
  const int32_t wi = m.add_constant(f32("w", {2, 4}), w, sizeof w);
  const int32_t bi = m.add_constant(f32("b", {2}), b, sizeof b);
  const int32_t fc = m.add_tensor(f32("fc", fc_output_shape));
  const int32_t flat = m.add_tensor(f32("flat", {2}));
  const int32_t out = m.add_tensor(f32("out", {2}));
  Operator op;
  op.op = Op::kFullyConnected;
  op.inputs = {in, wi, bi};
  op.outputs = {fc};
  FullyConnectedOptions fo;
  fo.activation = Activation::kRelu;
  op.options = fo;
  m.add_operator(op);
  Operator reshape;
  reshape.op = Op::kReshape;
  reshape.inputs = {fc};
  reshape.outputs = {flat};
  ReshapeOptions ro;
  ro.has_new_shape = true;
  ro.new_shape = {-1};
  reshape.options = ro;
  m.add_operator(reshape);
  Operator softmax;
  softmax.op = Op::kSoftmax;
  softmax.inputs = {flat};
  softmax.outputs = {out};
  softmax.options = SoftmaxOptions{};
  m.add_operator(softmax);
  m.set_inputs({in});
  m.set_outputs({out});
  return m;
}

TEST(Interpreter, RunsAHandBuiltModel) {
  const Model m = small_model();
  for (KernelSet k : {KernelSet::kReference, KernelSet::kFast}) {
    Interpreter interpreter(m, {k, 1, true});
    float* in = interpreter.input(0).data<float>();
    const float x[4] = {1.f, 2.f, 3.f, 4.f};
    std::memcpy(in, x, sizeof x);
    interpreter.invoke();
    // fc = relu([1 + 0.5, 2 + 3 - 4 - 10]) = [1.5, 0]; softmax = [e^1.5, 1] / (e^1.5 + 1).
    const float* out = interpreter.output(0).data<float>();
    EXPECT_NEAR(out[0], 0.8175745f, 1e-5);
    EXPECT_NEAR(out[1], 0.1824255f, 1e-5);
    EXPECT_EQ(interpreter.macs(), 8);
    ASSERT_EQ(interpreter.profile().size(), 3u);
    EXPECT_EQ(interpreter.profile()[0].op_name, "FULLY_CONNECTED");
    EXPECT_EQ(interpreter.profile()[0].invokes, 1);
    EXPECT_EQ(interpreter.profile()[0].macs, 8);
    // RESHAPE's output shares the FC output's bytes.
    EXPECT_EQ(interpreter.tensor(3).raw(), interpreter.tensor(4).raw());
    EXPECT_THROW(interpreter.input(0).data<int8_t>(), Error);
    EXPECT_THROW(interpreter.output(1), Error);
  }
}

TEST(Interpreter, ArenaReusesDeadTensors) {
  const Model m = small_model();
  Interpreter interpreter(m, {KernelSet::kReference, 1});
  // in (16 B) and fc/flat (8 -> 16 B) are alive together at op 0; out (16 B) can
  // take the input's place once it is dead: 32 bytes.
  EXPECT_EQ(interpreter.arena_bytes(), 32u);
  EXPECT_EQ(interpreter.arena_lower_bound(), 32u);
}

TEST(Interpreter, RefusesWrongOutputShapeNamingTheOperator) {
  const Model m = small_model({1, 3});
  try {
    Interpreter interpreter(m, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("small.tflite: operator 0 (FULLY_CONNECTED)"), std::string::npos) << what;
    EXPECT_NE(what.find("[1, 3]"), std::string::npos) << what;
    EXPECT_NE(what.find("expected [1, 2]"), std::string::npos) << what;
  }
}

TEST(Interpreter, RefusesUnsupportedOps) {
  Model m;
  m.set_source("odd.tflite");
  const int32_t a = m.add_tensor(f32("a", {2}));
  const int32_t b = m.add_tensor(f32("b", {2}));
  Operator op;
  op.op = Op::kTranspose;
  op.inputs = {a};
  op.outputs = {b};
  m.add_operator(op);
  m.set_inputs({a});
  m.set_outputs({b});
  try {
    Interpreter interpreter(m, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("odd.tflite: operator 0 (TRANSPOSE) is not supported"),
              std::string::npos)
        << e.what();
  }
}

TEST(Interpreter, RefusesUnsupportedTypeCombination) {
  Model m;
  m.set_source("types.tflite");
  Tensor a = f32("a", {4});
  a.type = DType::kInt32;
  const int32_t ai = m.add_tensor(a);
  const int32_t bi = m.add_tensor(a);
  Operator op;
  op.op = Op::kLogistic;
  op.inputs = {ai};
  op.outputs = {bi};
  m.add_operator(op);
  m.set_inputs({ai});
  m.set_outputs({bi});
  try {
    Interpreter interpreter(m, {});
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("types.tflite: operator 0 (LOGISTIC)"), std::string::npos) << what;
    EXPECT_NE(what.find("int32"), std::string::npos) << what;
  }
}

TEST(Interpreter, RefusesZeroThreads) {
  const Model m = small_model();
  EXPECT_THROW(Interpreter(m, {KernelSet::kFast, 0}), Error);
}

}  // namespace
}  // namespace edge::nn
