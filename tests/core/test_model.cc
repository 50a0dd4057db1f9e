// The model IR built by hand: storage ownership and alignment, op names,
// labels from metadata, and the structural validation every builder relies on.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/model.h"

namespace edge::nn {
namespace {

Tensor make_tensor(const std::string& name, DType type, Shape shape) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  return t;
}

// input [1,2] float -> RELU -> output [1,2]
Model relu_model() {
  Model model;
  model.set_source("relu.tflite");
  const int32_t in = model.add_tensor(make_tensor("in", DType::kFloat32, {1, 2}));
  const int32_t out = model.add_tensor(make_tensor("out", DType::kFloat32, {1, 2}));
  Operator op;
  op.op = Op::kRelu;
  op.inputs = {in};
  op.outputs = {out};
  model.add_operator(op);
  model.set_inputs({in});
  model.set_outputs({out});
  return model;
}

std::string validation_error(const Model& model) {
  try {
    model.validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Model, OpNames) {
  EXPECT_STREQ(op_name(Op::kAdd), "ADD");
  EXPECT_STREQ(op_name(Op::kConv2D), "CONV_2D");
  EXPECT_STREQ(op_name(Op::kDepthwiseConv2D), "DEPTHWISE_CONV_2D");
  EXPECT_STREQ(op_name(Op::kFullyConnected), "FULLY_CONNECTED");
  EXPECT_STREQ(op_name(Op::kSvdf), "SVDF");
  EXPECT_STREQ(op_name(Op::kMean), "MEAN");
  EXPECT_STREQ(op_name(Op::kSqueeze), "SQUEEZE");
  EXPECT_STREQ(op_name(Op::kQuantize), "QUANTIZE");
  EXPECT_STREQ(op_name(Op::kBatchMatMul), "BATCH_MATMUL");
  EXPECT_STREQ(op_name(static_cast<Op>(158)), "SIGN");
  EXPECT_STREQ(op_name(static_cast<Op>(159)), "UNKNOWN");
  EXPECT_STREQ(op_name(static_cast<Op>(-1)), "UNKNOWN");
  EXPECT_EQ(op_name_or_code(150), "GELU");
  EXPECT_EQ(op_name_or_code(1000), "BUILTIN_1000");
  EXPECT_STREQ(padding_name(Padding::kValid), "VALID");
  EXPECT_STREQ(activation_name(Activation::kRelu6), "RELU6");
}

TEST(Model, TensorSizesAndDescribe) {
  Tensor t = make_tensor("conv", DType::kInt8, {1, 96, 96, 1});
  EXPECT_EQ(t.elements(), 9216);
  EXPECT_EQ(t.byte_size(), 9216u);
  t.quant.scale = {0.5f};
  t.quant.zero_point = {-1};
  EXPECT_EQ(t.describe(), "\"conv\" int8 [1, 96, 96, 1] scale=0.5 zp=-1");
  Tensor scalar = make_tensor("s", DType::kFloat32, {});
  EXPECT_EQ(scalar.elements(), 1);
  EXPECT_EQ(scalar.byte_size(), 4u);
  Tensor per_channel = make_tensor("w", DType::kInt8, {8, 3});
  per_channel.quant.scale.assign(8, 1.0f);
  per_channel.quant.zero_point.assign(8, 0);
  EXPECT_EQ(per_channel.describe(), "\"w\" int8 [8, 3] per-channel(8 scales, dim 0)");
}

TEST(Model, ConstantsAreCopiedAlignedAndSurviveMoves) {
  Model model;
  const float weights[3] = {1.5f, -2.0f, 0.25f};
  const int32_t index =
      model.add_constant(make_tensor("w", DType::kFloat32, {3}), weights, sizeof(weights));
  // Odd-sized blocks in between must not misalign the next one.
  model.adopt_bytes("abc", 3);
  const int8_t bytes[5] = {1, 2, 3, 4, 5};
  const int32_t index2 = model.add_constant(make_tensor("b", DType::kInt8, {5}), bytes, 5);
  const uint8_t* data = model.tensor(index).data;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 16, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(model.tensor(index2).data) % 16, 0u);
  EXPECT_NE(data, reinterpret_cast<const uint8_t*>(weights));
  EXPECT_TRUE(model.tensor(index).is_constant);
  EXPECT_EQ(model.parameter_bytes(), 12u + 5u);

  Model moved = std::move(model);
  EXPECT_EQ(moved.tensor(index).data, data);  // the block did not move
  float back[3];
  std::memcpy(back, moved.tensor(index).data, sizeof(back));
  EXPECT_EQ(back[1], -2.0f);
  // A moved-from model can still be built into.
  EXPECT_NE(model.allocate_bytes(4), nullptr);  // NOLINT(bugprone-use-after-move)
}

TEST(Model, ConstantOfTheWrongSizeIsRefused) {
  Model model;
  model.set_source("hand.tflite");
  const float w[2] = {1, 2};
  try {
    model.add_constant(make_tensor("w", DType::kFloat32, {3}), w, sizeof(w));
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "hand.tflite: constant tensor \"w\" float32 [3] needs 12 bytes, got 8");
  }
}

TEST(Model, TensorIndexOutOfRange) {
  const Model model = relu_model();
  EXPECT_THROW(model.tensor(2), Error);
  EXPECT_THROW(model.tensor(-1), Error);
  EXPECT_EQ(model.input(0).name, "in");
  EXPECT_EQ(model.output(0).name, "out");
}

TEST(Model, Labels) {
  Model model;
  EXPECT_TRUE(model.labels().empty());
  EXPECT_EQ(model.find_metadata(kLabelsMetadataName), nullptr);
  const std::string text = "silence\r\nunknown\nyes\n\nno";
  const uint8_t* data = model.adopt_bytes(text.data(), text.size());
  model.add_metadata({kLabelsMetadataName, data, text.size()});
  model.add_metadata({"other", data, 3});
  // An empty line in the middle is an (empty) label: indices must stay aligned.
  EXPECT_EQ(model.labels(), (std::vector<std::string>{"silence", "unknown", "yes", "", "no"}));
  ASSERT_NE(model.find_metadata("other"), nullptr);
  EXPECT_EQ(model.find_metadata("other")->as_string(), "sil");
}

TEST(Model, OptionsAccess) {
  Operator op;
  op.op = Op::kConv2D;
  Conv2DOptions conv;
  conv.stride_w = 2;
  op.options = conv;
  ASSERT_NE(op.options_as<Conv2DOptions>(), nullptr);
  EXPECT_EQ(op.options_as<Conv2DOptions>()->stride_w, 2);
  EXPECT_EQ(op.options_as<Conv2DOptions>()->dilation_h, 1);
  EXPECT_EQ(op.options_as<Pool2DOptions>(), nullptr);
  Operator none;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(none.options));
}

TEST(Model, ValidateAcceptsAWellFormedGraph) {
  EXPECT_EQ(validation_error(relu_model()), "");
  // An absent optional input (-1) and a variable (state) tensor are fine.
  Model model = relu_model();
  Tensor state = make_tensor("state", DType::kInt16, {1, 8});
  state.is_variable = true;
  const int32_t state_index = model.add_tensor(state);
  const int32_t out2 = model.add_tensor(make_tensor("out2", DType::kFloat32, {1, 2}));
  Operator op;
  op.op = Op::kSvdf;
  op.inputs = {1, -1, state_index};
  op.outputs = {out2};
  model.add_operator(op);
  model.set_outputs({out2});
  EXPECT_EQ(validation_error(model), "");
}

TEST(Model, ValidateRefusesStructuralErrors) {
  {
    Model model = relu_model();
    model.set_outputs({5});
    EXPECT_EQ(validation_error(model),
              "relu.tflite: graph output 0 refers to tensor 5, out of range (2 tensors)");
  }
  {
    Model model = relu_model();
    model.set_inputs({});
    EXPECT_NE(validation_error(model).find("operator 0 (RELU) input 0 reads tensor 0"),
              std::string::npos);
  }
  {
    Model model = relu_model();
    Operator extra;
    extra.op = Op::kRelu;
    extra.inputs = {-1};
    extra.outputs = {7};
    model.add_operator(extra);
    EXPECT_NE(validation_error(model).find("operator 1 (RELU) output 0 refers to tensor 7"),
              std::string::npos);
  }
  {
    Model model;
    model.set_source("neg.tflite");
    Tensor t = make_tensor("bad", DType::kFloat32, {1, -2});
    model.add_tensor(t);
    EXPECT_NE(validation_error(model).find("negative dimension"), std::string::npos);
  }
  {
    Model model;
    model.set_source("c.tflite");
    Tensor t = make_tensor("w", DType::kFloat32, {4});
    t.is_constant = true;  // but no data
    model.add_tensor(t);
    EXPECT_NE(validation_error(model).find("needs 16 bytes of data, has 0"), std::string::npos);
  }
  {
    Model model;
    const int32_t out = model.add_tensor(make_tensor("out", DType::kFloat32, {1}));
    model.set_outputs({out});
    EXPECT_NE(validation_error(model).find("graph output 0 (tensor 0) is never produced"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace edge::nn
