// The .tflite reader: real converter-written models load with the expected
// inputs, outputs and operators; hostile files (truncated, bit-flipped, wrong
// identifier, and models built with the FlatBuffers API to break one rule at a
// time) are refused with a message naming the model and what is wrong.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/schema/tflite_schema_generated.h"
#include "nn/tflite_reader.h"
#include "tests/common/test_util.h"

namespace edge::nn {
namespace {

constexpr const char* kModels = "models/tflm/";

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Runs read_tflite_buffer and returns the error message ("" when it loaded).
std::string refusal(const std::vector<uint8_t>& bytes, const ReadOptions& options = {}) {
  try {
    read_tflite_buffer(bytes.data(), bytes.size(), "<test>", options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_REFUSED(bytes, ...)                             \
  do {                                                         \
    const std::string message = refusal(bytes);                \
    ASSERT_FALSE(message.empty()) << "the model was accepted"; \
    EXPECT_EQ(message.rfind("<test>: ", 0), 0u) << message;    \
    for (const char* part : {__VA_ARGS__})                     \
      EXPECT_NE(message.find(part), std::string::npos)         \
          << "missing \"" << part << "\" in: " << message;     \
  } while (0)

// ---------------------------------------------------------------------------
// Real models written by TensorFlow's converter.

std::vector<std::string> op_names(const Model& model) {
  std::vector<std::string> names;
  for (const auto& op : model.operators()) names.push_back(op_name(op.op));
  return names;
}

TEST(TfliteReaderReal, HelloWorldFloat) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "hello_world_float.tflite");
  const Model model = read_tflite_file(path);
  EXPECT_EQ(model.source(), path);
  EXPECT_EQ(model.version(), 3u);
  ASSERT_EQ(model.inputs().size(), 1u);
  ASSERT_EQ(model.outputs().size(), 1u);
  EXPECT_EQ(model.input(0).type, DType::kFloat32);
  EXPECT_EQ(model.input(0).shape, (Shape{1, 1}));
  EXPECT_TRUE(model.input(0).quant.empty());
  EXPECT_EQ(model.output(0).type, DType::kFloat32);
  EXPECT_EQ(model.output(0).shape, (Shape{1, 1}));
  EXPECT_EQ(op_names(model),
            (std::vector<std::string>{"FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED"}));
  // 1-16-16-1 dense: (16 + 16) + (256 + 16) + (16 + 1) floats.
  EXPECT_EQ(model.parameter_bytes(), (16u + 16 + 256 + 16 + 16 + 1) * 4);
  const Operator& fc0 = model.operators()[0];
  ASSERT_EQ(fc0.inputs.size(), 3u);
  EXPECT_EQ(model.tensor(fc0.inputs[1]).shape, (Shape{16, 1}));
  EXPECT_TRUE(model.tensor(fc0.inputs[1]).is_constant);
  ASSERT_NE(fc0.options_as<FullyConnectedOptions>(), nullptr);
  EXPECT_EQ(fc0.options_as<FullyConnectedOptions>()->activation, Activation::kRelu);
  EXPECT_EQ(model.operators()[2].options_as<FullyConnectedOptions>()->activation,
            Activation::kNone);
  EXPECT_NE(model.find_metadata("min_runtime_version"), nullptr);
  EXPECT_TRUE(model.labels().empty());
}

TEST(TfliteReaderReal, HelloWorldInt8) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "hello_world_int8.tflite");
  const Model model = read_tflite_file(path);
  const Tensor& in = model.input(0);
  EXPECT_EQ(in.type, DType::kInt8);
  EXPECT_EQ(in.shape, (Shape{1, 1}));
  ASSERT_EQ(in.quant.scale.size(), 1u);
  EXPECT_NEAR(in.quant.scale[0], 0.0244801, 1e-6);
  EXPECT_EQ(in.quant.zero_point[0], -128);
  const Tensor& out = model.output(0);
  EXPECT_EQ(out.type, DType::kInt8);
  EXPECT_EQ(out.shape, (Shape{1, 1}));
  EXPECT_NEAR(out.quant.scale[0], 0.00829096, 1e-7);
  EXPECT_EQ(out.quant.zero_point[0], 5);
  ASSERT_EQ(model.operators().size(), 3u);
  for (const auto& op : model.operators()) {
    EXPECT_EQ(op.op, Op::kFullyConnected);
    EXPECT_EQ(op.version, 4);
    EXPECT_EQ(model.tensor(op.inputs[1]).type, DType::kInt8);   // weights
    EXPECT_EQ(model.tensor(op.inputs[2]).type, DType::kInt32);  // bias
  }
  // 16 + 16*16 + 16 int8 weights, 16 + 16 + 1 int32 biases.
  EXPECT_EQ(model.parameter_bytes(), 16u + 256 + 16 + (16 + 16 + 1) * 4);
}

TEST(TfliteReaderReal, PersonDetect) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "person_detect.tflite");
  const Model model = read_tflite_file(path);
  const Tensor& in = model.input(0);
  EXPECT_EQ(in.name, "input");
  EXPECT_EQ(in.type, DType::kInt8);
  EXPECT_EQ(in.shape, (Shape{1, 96, 96, 1}));
  EXPECT_NEAR(in.quant.scale[0], 0.00784314, 1e-7);
  EXPECT_EQ(in.quant.zero_point[0], -1);
  const Tensor& out = model.output(0);
  EXPECT_EQ(out.type, DType::kInt8);
  EXPECT_EQ(out.shape, (Shape{1, 2}));
  EXPECT_FLOAT_EQ(out.quant.scale[0], 1.0f / 256);
  EXPECT_EQ(out.quant.zero_point[0], -128);
  ASSERT_EQ(model.operators().size(), 31u);
  int conv = 0, dwconv = 0;
  for (const auto& op : model.operators()) {
    conv += op.op == Op::kConv2D;
    dwconv += op.op == Op::kDepthwiseConv2D;
  }
  EXPECT_EQ(conv, 14);
  EXPECT_EQ(dwconv, 14);
  EXPECT_EQ(model.operators()[27].op, Op::kAveragePool2D);
  EXPECT_EQ(model.operators()[29].op, Op::kReshape);
  EXPECT_EQ(model.operators()[30].op, Op::kSoftmax);
  EXPECT_EQ(model.parameter_bytes(), 218928u);

  // First layer: 3x3 depthwise, stride 2, SAME, ReLU6, 1 -> 8 channels with
  // per-channel weights along dimension 3.
  const Operator& first = model.operators()[0];
  const auto* dw = first.options_as<DepthwiseConv2DOptions>();
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->padding, Padding::kSame);
  EXPECT_EQ(dw->stride_w, 2);
  EXPECT_EQ(dw->stride_h, 2);
  EXPECT_EQ(dw->activation, Activation::kRelu6);
  const Tensor& filter = model.tensor(first.inputs[1]);
  EXPECT_EQ(filter.shape, (Shape{1, 3, 3, 8}));
  EXPECT_EQ(filter.quant.quantized_dimension, 3);
  EXPECT_EQ(filter.quant.scale.size(), 8u);
  // The converter wrote quantized_dimension 3 on the rank-1 bias; read as 0.
  const Tensor& bias = model.tensor(first.inputs[2]);
  EXPECT_EQ(bias.shape, (Shape{8}));
  EXPECT_EQ(bias.quant.scale.size(), 8u);
  EXPECT_EQ(bias.quant.quantized_dimension, 0);
  const auto* pool = model.operators()[27].options_as<Pool2DOptions>();
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->filter_w, 3);
  EXPECT_EQ(pool->filter_h, 3);
  EXPECT_EQ(pool->padding, Padding::kValid);
  // Constant data is 16-byte aligned in the model's own copy of the file.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(filter.data) % 4, 0u);
}

TEST(TfliteReaderReal, MicroSpeechQuantized) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "micro_speech_quantized.tflite");
  const Model model = read_tflite_file(path);
  // The 49x40 feature map arrives flat and is reshaped inside the model.
  EXPECT_EQ(model.input(0).type, DType::kInt8);
  EXPECT_EQ(model.input(0).shape, (Shape{1, 1960}));
  EXPECT_NEAR(model.input(0).quant.scale[0], 0.101716, 1e-6);
  EXPECT_EQ(model.input(0).quant.zero_point[0], -128);
  EXPECT_EQ(model.output(0).type, DType::kInt8);
  EXPECT_EQ(model.output(0).shape, (Shape{1, 4}));
  EXPECT_FLOAT_EQ(model.output(0).quant.scale[0], 1.0f / 256);
  EXPECT_EQ(op_names(model), (std::vector<std::string>{"RESHAPE", "DEPTHWISE_CONV_2D",
                                                       "FULLY_CONNECTED", "SOFTMAX"}));
  EXPECT_EQ(model.tensor(model.operators()[0].outputs[0]).shape, (Shape{1, 49, 40, 1}));
  const Tensor& fc_weights = model.tensor(model.operators()[2].inputs[1]);
  EXPECT_EQ(fc_weights.shape, (Shape{4, 4000}));
  EXPECT_EQ(model.operators()[1].version, 3);
}

void check_keyword(const Model& model, DType state_type) {
  EXPECT_EQ(model.input(0).type, DType::kInt16);
  EXPECT_EQ(model.input(0).shape, (Shape{1, 96}));
  EXPECT_NEAR(model.input(0).quant.scale[0], 0.000625, 1e-9);
  EXPECT_EQ(model.input(0).quant.zero_point[0], 0);
  EXPECT_EQ(model.output(0).type, DType::kInt32);
  EXPECT_EQ(model.output(0).shape, (Shape{1, 2}));
  ASSERT_EQ(model.operators().size(), 15u);
  int svdf = 0;
  for (const auto& op : model.operators()) {
    if (op.op != Op::kSvdf) continue;
    ++svdf;
    ASSERT_EQ(op.inputs.size(), 5u);
    const Tensor& state = model.tensor(op.inputs[4]);
    EXPECT_TRUE(state.is_variable);
    EXPECT_FALSE(state.is_constant);
    EXPECT_EQ(state.type, state_type);
    ASSERT_NE(op.options_as<SvdfOptions>(), nullptr);
    EXPECT_GE(op.options_as<SvdfOptions>()->rank, 1);
  }
  EXPECT_EQ(svdf, 7);
  EXPECT_EQ(model.operators().front().op, Op::kQuantize);  // int16 -> int8
  EXPECT_EQ(model.operators()[13].op, Op::kSoftmax);       // int8 -> int16
  EXPECT_EQ(model.tensor(model.operators()[13].outputs[0]).type, DType::kInt16);
  EXPECT_EQ(model.operators().back().op, Op::kQuantize);  // int16 -> int32
}

TEST(TfliteReaderReal, KeywordScrambled) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "keyword_scrambled.tflite");
  check_keyword(read_tflite_file(path), DType::kInt16);
}

TEST(TfliteReaderReal, KeywordScrambled8bit) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "keyword_scrambled_8bit.tflite");
  check_keyword(read_tflite_file(path), DType::kInt8);
}

// Every prefix of a real model is refused, with a message, without crashing.
TEST(TfliteReaderHostile, EveryTruncationRefused) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "hello_world_int8.tflite");
  const std::vector<uint8_t> bytes = read_bytes(path);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(refusal(bytes), "");
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
    const std::string message = refusal(prefix);
    ASSERT_FALSE(message.empty()) << "prefix of " << n << " bytes accepted";
  }
}

// Flipped bytes at a deterministic sample of positions: each file is either
// refused with a message or still a valid model (a flipped weight is legal).
TEST(TfliteReaderHostile, FlippedBytesNeverCrash) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "hello_world_int8.tflite");
  const std::vector<uint8_t> bytes = read_bytes(path);
  uint32_t state = 12345;  // LCG: the same sample on every run
  int refused = 0, accepted = 0;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    for (int variant = 0; variant < 3; ++variant) {
      std::vector<uint8_t> copy = bytes;
      state = state * 1664525u + 1013904223u;
      const uint8_t value = variant == 0 ? 0xff : variant == 1 ? 0x80 : (state >> 24);
      copy[pos] ^= value == 0 ? 1 : value;
      try {
        const Model model = read_tflite_buffer(copy.data(), copy.size(), "<flip>");
        model.validate();
        for (const auto& t : model.tensors()) {
          if (t.is_constant) {
            ASSERT_EQ(t.data_bytes, t.byte_size());
          }
        }
        ++accepted;
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("<flip>: ", 0), 0u) << e.what();
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);  // weights and scales that stay valid
}

TEST(TfliteReaderHostile, WrongIdentifier) {
  EDGE_REQUIRE_SHARED(path, std::string(kModels) + "hello_world_float.tflite");
  std::vector<uint8_t> bytes = read_bytes(path);
  std::memcpy(bytes.data() + 4, "TFL2", 4);
  EXPECT_REFUSED(bytes, "file identifier is \"TFL2\", expected \"TFL3\"");
}

TEST(TfliteReaderFile, MissingEmptyAndDirectory) {
  try {
    read_tflite_file("/nonexistent/model.tflite");
    FAIL() << "missing file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.tflite: cannot read"),
              std::string::npos)
        << e.what();
  }
  try {
    read_tflite_file("/tmp");
    FAIL() << "directory accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_REFUSED(std::vector<uint8_t>{}, "empty");
  EXPECT_REFUSED((std::vector<uint8_t>{1, 2, 3}), "too short");
  EXPECT_REFUSED(std::vector<uint8_t>(64, 0), "file identifier");
}

// ---------------------------------------------------------------------------
// Models built with the FlatBuffers API, each breaking one rule.

struct TensorSpec {
  std::vector<int32_t> shape;
  tflite::TensorType type = tflite::TensorType_FLOAT32;
  uint32_t buffer = 0;
  std::string name;
  bool quantized = false;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  std::vector<int32_t> shape_signature;
  bool variable = false;
  bool sparse = false;
};

using OptionsFn = std::function<std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

struct OpSpec {
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  OptionsFn options;
  std::vector<uint8_t> custom_options;
  int8_t custom_format = 0;   // FLEXBUFFERS
  uint64_t large_offset = 0;  // custom options after the FlatBuffer
  uint64_t large_size = 0;
};

struct CodeSpec {
  int32_t builtin = 9;  // FULLY_CONNECTED
  int8_t deprecated = 9;
  int32_t version = 1;
  std::string custom;
};

struct BufferSpec {
  std::vector<uint8_t> data;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct ModelSpec {
  uint32_t version = 3;
  bool has_subgraph = true;
  std::vector<TensorSpec> tensors;
  std::vector<OpSpec> ops;
  std::vector<CodeSpec> codes;
  std::vector<BufferSpec> buffers;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<std::pair<std::string, uint32_t>> metadata;
};

std::vector<uint8_t> floats_bytes(size_t count, float value = 0.5f) {
  std::vector<uint8_t> bytes(count * 4);
  for (size_t i = 0; i < count; ++i) std::memcpy(bytes.data() + i * 4, &value, 4);
  return bytes;
}

OptionsFn fc_options(
    tflite::ActivationFunctionType activation = tflite::ActivationFunctionType_NONE) {
  return [activation](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tflite::BuiltinOptions_FullyConnectedOptions,
                          tflite::CreateFullyConnectedOptions(fbb, activation).Union());
  };
}

// A valid float FULLY_CONNECTED: input [1,4] -> output [1,3], weights [3,4],
// bias [3]. Buffer 0 is the empty sentinel, as the converter writes it.
ModelSpec fc_model() {
  ModelSpec m;
  m.tensors = {{{1, 4}, tflite::TensorType_FLOAT32, 0, "input"},
               {{3, 4}, tflite::TensorType_FLOAT32, 1, "weights"},
               {{3}, tflite::TensorType_FLOAT32, 2, "bias"},
               {{1, 3}, tflite::TensorType_FLOAT32, 0, "output"}};
  m.buffers = {BufferSpec{}, BufferSpec{floats_bytes(12)}, BufferSpec{floats_bytes(3)}};
  m.codes = {CodeSpec{}};
  m.ops = {OpSpec{0, {0, 1, 2}, {3}, fc_options()}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

std::vector<uint8_t> build(const ModelSpec& spec, const char* identifier = "TFL3") {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers;
  for (const auto& b : spec.buffers) {
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data = 0;
    if (!b.data.empty()) {
      fbb.ForceVectorAlignment(b.data.size(), 1, 16);
      data = fbb.CreateVector(b.data);
    }
    buffers.push_back(tflite::CreateBuffer(fbb, data, b.offset, b.size));
  }
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors;
  for (const auto& t : spec.tensors) {
    flatbuffers::Offset<tflite::QuantizationParameters> quant = 0;
    if (t.quantized) {
      quant = tflite::CreateQuantizationParameters(
          fbb, 0, 0, fbb.CreateVector(t.scale), fbb.CreateVector(t.zero_point),
          tflite::QuantizationDetails_NONE, 0, t.quantized_dimension);
    }
    flatbuffers::Offset<tflite::SparsityParameters> sparsity = 0;
    if (t.sparse)
      sparsity = tflite::CreateSparsityParameters(fbb, fbb.CreateVector(std::vector<int32_t>{0}));
    auto signature = t.shape_signature.empty() ? 0 : fbb.CreateVector(t.shape_signature);
    tensors.push_back(tflite::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, t.buffer,
                                           fbb.CreateString(t.name), quant, t.variable, sparsity,
                                           signature));
  }
  std::vector<flatbuffers::Offset<tflite::Operator>> ops;
  for (const auto& o : spec.ops) {
    std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>> options{
        tflite::BuiltinOptions_NONE, 0};
    if (o.options) options = o.options(fbb);
    ops.push_back(tflite::CreateOperator(
        fbb, o.opcode_index, fbb.CreateVector(o.inputs), fbb.CreateVector(o.outputs), options.first,
        options.second, o.custom_options.empty() ? 0 : fbb.CreateVector(o.custom_options),
        static_cast<tflite::CustomOptionsFormat>(o.custom_format), 0, 0, o.large_offset,
        o.large_size));
  }
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  for (const auto& c : spec.codes) {
    codes.push_back(tflite::CreateOperatorCode(fbb, c.deprecated,
                                               c.custom.empty() ? 0 : fbb.CreateString(c.custom),
                                               c.version, c.builtin));
  }
  std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
  if (spec.has_subgraph) {
    subgraphs.push_back(tflite::CreateSubGraph(
        fbb, fbb.CreateVector(tensors), fbb.CreateVector(spec.inputs),
        fbb.CreateVector(spec.outputs), fbb.CreateVector(ops), fbb.CreateString("main")));
  }
  std::vector<flatbuffers::Offset<tflite::Metadata>> metadata;
  for (const auto& m : spec.metadata)
    metadata.push_back(tflite::CreateMetadata(fbb, fbb.CreateString(m.first), m.second));
  auto model = tflite::CreateModel(fbb, spec.version, fbb.CreateVector(codes),
                                   fbb.CreateVector(subgraphs), fbb.CreateString("test model"),
                                   fbb.CreateVector(buffers), 0, fbb.CreateVector(metadata));
  fbb.Finish(model, identifier);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

TEST(TfliteReaderBuilt, ValidModelLoads) {
  ModelSpec spec = fc_model();
  const std::string labels = "yes\r\nno\nunknown\n";
  spec.buffers.push_back(BufferSpec{std::vector<uint8_t>(labels.begin(), labels.end())});
  spec.metadata = {{kLabelsMetadataName, 3}};
  const std::vector<uint8_t> bytes = build(spec);
  const Model model = read_tflite_buffer(bytes.data(), bytes.size(), "<test>");
  EXPECT_EQ(model.source(), "<test>");
  EXPECT_EQ(model.description(), "test model");
  ASSERT_EQ(model.tensors().size(), 4u);
  EXPECT_EQ(model.tensor(1).name, "weights");
  EXPECT_TRUE(model.tensor(1).is_constant);
  EXPECT_EQ(model.tensor(1).data_bytes, 48u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(model.tensor(1).data) % 16, 0u);
  float w = 0;
  std::memcpy(&w, model.tensor(1).data, 4);
  EXPECT_EQ(w, 0.5f);
  EXPECT_FALSE(model.tensor(0).is_constant);
  EXPECT_EQ(model.tensor(0).data, nullptr);
  EXPECT_EQ(model.parameter_bytes(), 60u);
  EXPECT_EQ(model.labels(), (std::vector<std::string>{"yes", "no", "unknown"}));
  ASSERT_EQ(model.operators().size(), 1u);
  EXPECT_EQ(model.operators()[0].op, Op::kFullyConnected);
  EXPECT_EQ(model.operators()[0].inputs, (std::vector<int32_t>{0, 1, 2}));
}

TEST(TfliteReaderBuilt, OptionalInputMinusOne) {
  ModelSpec spec = fc_model();
  spec.ops[0].inputs = {0, 1, -1};  // no bias
  const std::vector<uint8_t> bytes = build(spec);
  const Model model = read_tflite_buffer(bytes.data(), bytes.size(), "<test>");
  EXPECT_EQ(model.operators()[0].inputs[2], -1);
}

TEST(TfliteReaderBuilt, ModelLevelRules) {
  ModelSpec spec = fc_model();
  spec.version = 2;
  EXPECT_REFUSED(build(spec), "schema version 2", "expected 3");
  spec = fc_model();
  spec.has_subgraph = false;
  EXPECT_REFUSED(build(spec), "no subgraph");
  spec = fc_model();
  spec.outputs = {};
  EXPECT_REFUSED(build(spec), "no outputs");
  spec = fc_model();
  spec.outputs = {7};
  EXPECT_REFUSED(build(spec), "graph output 0 refers to tensor 7, out of range");
  spec = fc_model();
  spec.inputs = {-1};
  EXPECT_REFUSED(build(spec), "graph input 0 refers to tensor -1");
  spec = fc_model();
  spec.inputs = {1};
  EXPECT_REFUSED(build(spec), "graph input 0 is tensor 1 \"weights\", a constant tensor");
  EXPECT_REFUSED(build(fc_model(), "ABCD"), "file identifier is \"ABCD\"");
}

TEST(TfliteReaderBuilt, TensorRules) {
  ModelSpec spec = fc_model();
  spec.tensors[1].buffer = 9;
  EXPECT_REFUSED(build(spec), "tensor 1 \"weights\"", "buffer 9, out of range");
  spec = fc_model();
  spec.buffers[1].data.resize(44);
  EXPECT_REFUSED(build(spec), "tensor 1 \"weights\"", "needs 48 bytes", "holds 44");
  spec = fc_model();
  spec.tensors[3].shape = {65536, 65536, 2};
  EXPECT_REFUSED(build(spec), "tensor 3 \"output\"", "more than 2147483647 elements");
  spec = fc_model();
  spec.tensors[3].shape = {1, -3};
  EXPECT_REFUSED(build(spec), "tensor 3", "is negative");
  spec = fc_model();
  spec.tensors[3].shape = {1, 0};
  EXPECT_REFUSED(build(spec), "tensor 3", "is 0");
  spec = fc_model();
  spec.tensors[0].shape = {0, 4};
  spec.tensors[0].shape_signature = {-1, 4};
  EXPECT_REFUSED(build(spec), "tensor 0 \"input\"", "dynamic");
  spec = fc_model();
  spec.tensors[0].shape_signature = {-1, 4, 1};
  EXPECT_REFUSED(build(spec), "shape_signature", "rank 3");
  spec = fc_model();
  spec.tensors[0].shape = {1, 1, 1, 1, 1, 1, 1, 1, 4};
  EXPECT_REFUSED(build(spec), "rank 9");
  spec = fc_model();
  spec.tensors[3].type = tflite::TensorType_STRING;
  EXPECT_REFUSED(build(spec), "tensor 3 \"output\"", "element type STRING is not supported");
  spec = fc_model();
  spec.tensors[3].type = static_cast<tflite::TensorType>(100);
  EXPECT_REFUSED(build(spec), "unknown type code 100");
  spec = fc_model();
  spec.tensors[3].sparse = true;
  EXPECT_REFUSED(build(spec), "sparse");
  spec = fc_model();
  spec.tensors[1].variable = true;
  EXPECT_REFUSED(build(spec), "variable tensor with an initial value");
  // A dynamic batch dimension with a known static shape runs at that shape.
  spec = fc_model();
  spec.tensors[0].shape_signature = {-1, 4};
  EXPECT_EQ(refusal(build(spec)), "");
}

TEST(TfliteReaderBuilt, QuantizationRules) {
  auto quantized = [](std::vector<float> scale, std::vector<int64_t> zp, int32_t dim = 0) {
    ModelSpec spec = fc_model();
    spec.tensors[1].type = tflite::TensorType_INT8;
    spec.buffers[1].data.assign(12, 1);
    spec.tensors[1].quantized = true;
    spec.tensors[1].scale = std::move(scale);
    spec.tensors[1].zero_point = std::move(zp);
    spec.tensors[1].quantized_dimension = dim;
    return build(spec);
  };
  EXPECT_EQ(refusal(quantized({0.5f}, {0})), "");
  EXPECT_EQ(refusal(quantized({0.5f, 0.25f, 0.125f}, {0, 0, 0}, 0)), "");
  EXPECT_REFUSED(quantized({0.5f, 0.25f}, {0}), "2 scales but 1 zero points");
  EXPECT_REFUSED(quantized({0.0f}, {0}), "tensor 1 \"weights\"", "scale 0 is 0");
  EXPECT_REFUSED(quantized({-1.0f}, {0}), "scale 0 is -1");
  EXPECT_REFUSED(quantized({std::numeric_limits<float>::quiet_NaN()}, {0}), "expected finite");
  EXPECT_REFUSED(quantized({std::numeric_limits<float>::infinity()}, {0}), "expected finite");
  EXPECT_REFUSED(quantized({1, 1, 1, 1}, {0, 0, 0, 0}, 0), "4 per-channel scales", "dimension 0",
                 "has size 3");
  EXPECT_REFUSED(quantized({1, 1, 1}, {0, 0, 0}, 5), "quantized_dimension 5 is out of range");
  EXPECT_REFUSED(quantized({1, 1, 1}, {0, 0, 0}, -1), "quantized_dimension -1");
  EXPECT_REFUSED(quantized({0.5f}, {128}), "zero point 0 is 128", "int8 range [-128, 127]");
}

TEST(TfliteReaderBuilt, OperatorRules) {
  ModelSpec spec = fc_model();
  spec.ops[0].opcode_index = 3;
  EXPECT_REFUSED(build(spec), "operator 0: opcode_index 3 is out of range");
  spec = fc_model();
  spec.codes[0] = CodeSpec{32, 32, 1, "TFLite_Detection_PostProcess"};
  EXPECT_REFUSED(build(spec), "operator 0 (CUSTOM \"TFLite_Detection_PostProcess\")",
                 "custom operator \"TFLite_Detection_PostProcess\" is not supported");
  spec = fc_model();
  spec.codes[0] = CodeSpec{16, 16, 1, ""};  // LSTM
  spec.ops[0].options = nullptr;
  EXPECT_REFUSED(build(spec), "operator 0 (LSTM)", "not supported by edgestream's engine");
  ReadOptions allow;
  allow.allow_unsupported = true;
  EXPECT_EQ(refusal(build(spec), allow), "");
  spec = fc_model();
  spec.codes[0] = CodeSpec{-5, -5, 1, ""};
  EXPECT_REFUSED(build(spec), "invalid operator code -5");
  spec = fc_model();
  spec.codes[0] = CodeSpec{9, 9, 0, ""};
  EXPECT_REFUSED(build(spec), "operator version 0");
  spec = fc_model();
  spec.ops[0].inputs = {0, 1, 11};
  EXPECT_REFUSED(build(spec), "operator 0 (FULLY_CONNECTED): input 2 refers to tensor 11");
  spec = fc_model();
  spec.ops[0].inputs = {0, 1, -2};
  EXPECT_REFUSED(build(spec), "input 2 refers to tensor -2");
  spec = fc_model();
  spec.ops[0].outputs = {-1};
  EXPECT_REFUSED(build(spec), "output 0 refers to tensor -1");
  spec = fc_model();
  spec.ops[0].outputs = {2};
  EXPECT_REFUSED(build(spec), "output 0 is tensor 2 \"bias\", a constant tensor");
  spec = fc_model();
  spec.ops[0].outputs = {0};
  EXPECT_REFUSED(build(spec), "output 0 is tensor 0 \"input\", a graph input");
  spec = fc_model();
  spec.ops[0].options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tflite::BuiltinOptions_Conv2DOptions,
                          tflite::CreateConv2DOptions(fbb).Union());
  };
  EXPECT_REFUSED(build(spec), "has Conv2DOptions, expected FullyConnectedOptions");
  spec = fc_model();
  spec.ops[0].options = fc_options(static_cast<tflite::ActivationFunctionType>(9));
  EXPECT_REFUSED(build(spec), "unknown fused activation 9");
  spec = fc_model();
  spec.ops[0].options = fc_options(tflite::ActivationFunctionType_SIGN_BIT);
  EXPECT_REFUSED(build(spec), "fused activation SIGN_BIT is not supported");
}

// A custom operator of TFLM's signal library: SignalFilterBankLog, uint32 [4] -> int16 [4],
// with TFLM's option bytes (output_scale 1600, input_correction_bits 3).
ModelSpec log_model() {
  ModelSpec m;
  m.tensors = {{{4}, tflite::TensorType_UINT32, 0, "energies"},
               {{4}, tflite::TensorType_INT16, 0, "log"}};
  m.buffers = {BufferSpec{}};
  m.codes = {CodeSpec{32, 32, 1, "SignalFilterBankLog"}};
  m.ops = {OpSpec{0, {0}, {1}, nullptr}};
  m.ops[0].custom_options = {0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x5f, 0x73, 0x63, 0x61, 0x6c,
                             0x65, 0x00, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x63, 0x6f, 0x72,
                             0x72, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x62, 0x69, 0x74,
                             0x73, 0x00, 0x02, 0x17, 0x25, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00,
                             0x03, 0x00, 0x40, 0x06, 0x05, 0x05, 0x06, 0x25, 0x01};
  m.inputs = {0};
  m.outputs = {1};
  return m;
}

TEST(TfliteReaderBuilt, SignalCustomOperators) {
  ModelSpec spec = log_model();
  std::vector<uint8_t> bytes = build(spec);
  const Model model = read_tflite_buffer(bytes.data(), bytes.size(), "<test>");
  ASSERT_EQ(model.operators().size(), 1u);
  const Operator& op = model.operators()[0];
  EXPECT_EQ(op.op, Op::kCustom);
  EXPECT_EQ(op.custom, CustomOp::kSignalFilterBankLog);
  EXPECT_EQ(op.name(), "SignalFilterBankLog");
  EXPECT_EQ(op.custom_options_size, spec.ops[0].custom_options.size());
  ASSERT_NE(op.options_as<SignalFilterBankLogOptions>(), nullptr);
  EXPECT_EQ(op.options_as<SignalFilterBankLogOptions>()->output_scale, 1600);
  EXPECT_EQ(model.tensor(0).type, DType::kUInt32);

  // The same options stored after the FlatBuffer (large_custom_options_offset/size).
  spec = log_model();
  const std::vector<uint8_t> options = spec.ops[0].custom_options;
  spec.ops[0].custom_options.clear();
  spec.ops[0].large_size = options.size();
  spec.ops[0].large_offset = 1;  // placeholder, fixed below once the size is known
  std::vector<uint8_t> probe = build(spec);
  spec.ops[0].large_offset = (probe.size() + 15) / 16 * 16;
  bytes = build(spec);
  ASSERT_EQ(bytes.size(), probe.size());
  bytes.resize(spec.ops[0].large_offset, 0);
  bytes.insert(bytes.end(), options.begin(), options.end());
  EXPECT_EQ(refusal(bytes), "");
  bytes.resize(bytes.size() - 1);
  EXPECT_REFUSED(bytes, "operator 0 (CUSTOM \"SignalFilterBankLog\")",
                 "beyond the end of the file");

  spec = log_model();
  spec.ops[0].custom_options[36] = 0x30;  // the keys vector's offset: now past its map
  EXPECT_REFUSED(
      build(spec),
      "operator 0 (CUSTOM \"SignalFilterBankLog\"): SignalFilterBankLog options: FlexBuffer:");
  spec = log_model();
  spec.ops[0].custom_options[46] = 40;  // output_scale 1600 -> 40 * 256 + ..: fine; bits to 40
  spec.ops[0].custom_options[44] = 40;
  EXPECT_REFUSED(build(spec), "\"input_correction_bits\" is 40 (expected 0..31)");
  spec = log_model();
  spec.ops[0].custom_format = 1;
  EXPECT_REFUSED(build(spec), "custom_options_format 1");
  spec = log_model();
  spec.ops[0].options = fc_options();
  EXPECT_REFUSED(build(spec), "expected no builtin options on a custom operator");
  spec = log_model();
  spec.ops[0].custom_options.clear();
  EXPECT_REFUSED(build(spec), "SignalFilterBankLog options: missing");
}

TEST(TfliteReaderBuilt, OpCodeIsLargerOfTheTwoFields) {
  // Old files: only the deprecated byte is set.
  ModelSpec spec = fc_model();
  spec.codes[0] = CodeSpec{0, 9, 1, ""};
  std::vector<uint8_t> bytes = build(spec);
  EXPECT_EQ(read_tflite_buffer(bytes.data(), bytes.size(), "<test>").operators()[0].op,
            Op::kFullyConnected);
  // New codes: the byte saturates at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES).
  spec.codes[0] = CodeSpec{150, 127, 1, ""};
  spec.ops[0].options = nullptr;
  EXPECT_REFUSED(build(spec), "operator 0 (GELU)");
  ReadOptions allow;
  allow.allow_unsupported = true;
  bytes = build(spec);
  EXPECT_EQ(static_cast<int32_t>(
                read_tflite_buffer(bytes.data(), bytes.size(), "<test>", allow).operators()[0].op),
            150);
  spec.codes[0] = CodeSpec{400, 127, 1, ""};
  EXPECT_REFUSED(build(spec), "operator 0 (BUILTIN_400)");
}

TEST(TfliteReaderBuilt, ExecutionOrder) {
  // Two chained FCs listed in the wrong order: the first reads what the second makes.
  ModelSpec spec = fc_model();
  spec.tensors[3].shape = {1, 4};
  spec.buffers[1].data = floats_bytes(16);
  spec.buffers[2].data = floats_bytes(4);
  spec.tensors[1].shape = {4, 4};
  spec.tensors[2].shape = {4};
  spec.tensors.push_back({{1, 4}, tflite::TensorType_FLOAT32, 0, "final"});
  spec.ops = {OpSpec{0, {3, 1, 2}, {4}, fc_options()}, OpSpec{0, {0, 1, 2}, {3}, fc_options()}};
  spec.outputs = {4};
  EXPECT_REFUSED(build(spec), "operator 0 (FULLY_CONNECTED) input 0 reads tensor 3",
                 "before any operator produces it");
  std::swap(spec.ops[0], spec.ops[1]);
  EXPECT_EQ(refusal(build(spec)), "");
  // Both write the same tensor.
  spec.ops[1].outputs = {3};
  spec.ops[1].inputs = {0, 1, 2};
  EXPECT_REFUSED(build(spec), "operator 1 (FULLY_CONNECTED): output 0 is tensor 3",
                 "already produces");
  // An output nobody produces.
  spec = fc_model();
  spec.tensors.push_back({{1, 3}, tflite::TensorType_FLOAT32, 0, "orphan"});
  spec.outputs = {4};
  EXPECT_REFUSED(build(spec), "graph output 0 (tensor 4) is never produced");
}

OptionsFn conv_options(tflite::Padding padding, int stride_w, int stride_h, int dil_w = 1,
                       int dil_h = 1) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(
        tflite::BuiltinOptions_Conv2DOptions,
        tflite::CreateConv2DOptions(fbb, padding, stride_w, stride_h,
                                    tflite::ActivationFunctionType_RELU6, dil_w, dil_h)
            .Union());
  };
}

// input [1,5,5,2] -> CONV_2D 3x3 (filter [4,3,3,2]) -> output [1,5,5,4]
ModelSpec conv_model(OptionsFn options) {
  ModelSpec m;
  m.tensors = {{{1, 5, 5, 2}, tflite::TensorType_FLOAT32, 0, "input"},
               {{4, 3, 3, 2}, tflite::TensorType_FLOAT32, 1, "filter"},
               {{4}, tflite::TensorType_FLOAT32, 2, "bias"},
               {{1, 5, 5, 4}, tflite::TensorType_FLOAT32, 0, "output"}};
  m.buffers = {BufferSpec{}, BufferSpec{floats_bytes(72)}, BufferSpec{floats_bytes(4)}};
  m.codes = {CodeSpec{3, 3, 1, ""}};
  m.ops = {OpSpec{0, {0, 1, 2}, {3}, std::move(options)}};
  m.inputs = {0};
  m.outputs = {3};
  return m;
}

TEST(TfliteReaderBuilt, ConvOptions) {
  const std::vector<uint8_t> bytes =
      build(conv_model(conv_options(tflite::Padding_VALID, 2, 1, 1, 3)));
  const Model model = read_tflite_buffer(bytes.data(), bytes.size(), "<test>");
  const auto* conv = model.operators()[0].options_as<Conv2DOptions>();
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->padding, Padding::kValid);
  EXPECT_EQ(conv->stride_w, 2);
  EXPECT_EQ(conv->stride_h, 1);
  EXPECT_EQ(conv->dilation_w, 1);
  EXPECT_EQ(conv->dilation_h, 3);
  EXPECT_EQ(conv->activation, Activation::kRelu6);
  EXPECT_EQ(model.operators()[0].options_as<FullyConnectedOptions>(), nullptr);

  EXPECT_REFUSED(build(conv_model(conv_options(tflite::Padding_SAME, 0, 1))),
                 "operator 0 (CONV_2D): stride_w is 0");
  EXPECT_REFUSED(build(conv_model(conv_options(tflite::Padding_SAME, 1, -2))), "stride_h is -2");
  EXPECT_REFUSED(build(conv_model(conv_options(tflite::Padding_SAME, 1, 1, 0, 1))),
                 "dilation_w_factor is 0");
  EXPECT_REFUSED(build(conv_model(conv_options(tflite::Padding_SAME, 1 << 20, 1))),
                 "stride_w is 1048576");
  EXPECT_REFUSED(build(conv_model(conv_options(static_cast<tflite::Padding>(7), 1, 1))),
                 "unknown padding 7");
  EXPECT_REFUSED(build(conv_model(nullptr)), "missing Conv2DOptions");
}

TEST(TfliteReaderBuilt, AxisAndShapeOptions) {
  // CONCATENATION of two [1,2] into [1,4] along axis 1 (or -1).
  auto concat = [](int axis) {
    ModelSpec m;
    m.tensors = {{{1, 2}, tflite::TensorType_FLOAT32, 0, "a"},
                 {{1, 2}, tflite::TensorType_FLOAT32, 0, "b"},
                 {{1, 4}, tflite::TensorType_FLOAT32, 0, "out"}};
    m.buffers = {BufferSpec{}};
    m.codes = {CodeSpec{2, 2, 1, ""}};
    m.ops = {OpSpec{0, {0, 1}, {2}, [axis](flatbuffers::FlatBufferBuilder& fbb) {
                      return std::make_pair(tflite::BuiltinOptions_ConcatenationOptions,
                                            tflite::CreateConcatenationOptions(fbb, axis).Union());
                    }}};
    m.inputs = {0, 1};
    m.outputs = {2};
    return build(m);
  };
  EXPECT_EQ(refusal(concat(1)), "");
  EXPECT_EQ(refusal(concat(-2)), "");
  EXPECT_REFUSED(concat(2), "operator 0 (CONCATENATION): axis 2 is out of range for rank 2");
  EXPECT_REFUSED(concat(-3), "axis -3");

  // RESHAPE [1,6] -> [2,3] with new_shape in the options.
  auto reshape = [](std::vector<int32_t> new_shape) {
    ModelSpec m;
    m.tensors = {{{1, 6}, tflite::TensorType_FLOAT32, 0, "in"},
                 {{2, 3}, tflite::TensorType_FLOAT32, 0, "out"}};
    m.buffers = {BufferSpec{}};
    m.codes = {CodeSpec{22, 22, 1, ""}};
    m.ops = {OpSpec{0, {0}, {1}, [new_shape](flatbuffers::FlatBufferBuilder& fbb) {
                      return std::make_pair(
                          tflite::BuiltinOptions_ReshapeOptions,
                          tflite::CreateReshapeOptions(fbb, fbb.CreateVector(new_shape)).Union());
                    }}};
    m.inputs = {0};
    m.outputs = {1};
    return build(m);
  };
  const std::vector<uint8_t> ok = reshape({2, -1});
  const Model model = read_tflite_buffer(ok.data(), ok.size(), "<test>");
  const auto* options = model.operators()[0].options_as<ReshapeOptions>();
  ASSERT_NE(options, nullptr);
  EXPECT_TRUE(options->has_new_shape);
  EXPECT_EQ(options->new_shape, (std::vector<int32_t>{2, -1}));
  EXPECT_REFUSED(reshape({-1, -1}), "more than one -1");
  EXPECT_REFUSED(reshape({2, -7}), "below -1");

  // SQUEEZE [1,6] -> [6].
  auto squeeze = [](std::vector<int32_t> dims) {
    ModelSpec m;
    m.tensors = {{{1, 6}, tflite::TensorType_FLOAT32, 0, "in"},
                 {{6}, tflite::TensorType_FLOAT32, 0, "out"}};
    m.buffers = {BufferSpec{}};
    m.codes = {CodeSpec{43, 43, 1, ""}};
    m.ops = {OpSpec{0, {0}, {1}, [dims](flatbuffers::FlatBufferBuilder& fbb) {
                      return std::make_pair(
                          tflite::BuiltinOptions_SqueezeOptions,
                          tflite::CreateSqueezeOptions(fbb, fbb.CreateVector(dims)).Union());
                    }}};
    m.inputs = {0};
    m.outputs = {1};
    return build(m);
  };
  EXPECT_EQ(refusal(squeeze({0})), "");
  EXPECT_EQ(refusal(squeeze({-2})), "");
  EXPECT_REFUSED(squeeze({2}), "squeeze_dims entry 2 is out of range for rank 2");
}

TEST(TfliteReaderBuilt, MetadataAndExternalBuffers) {
  ModelSpec spec = fc_model();
  spec.metadata = {{"edgestream.labels", 7}};
  EXPECT_REFUSED(build(spec), "metadata entry 0 \"edgestream.labels\" refers to buffer 7");
  // Data "after the FlatBuffer" that lies beyond the end of the file.
  spec = fc_model();
  spec.buffers[2] = BufferSpec{{}, 1u << 20, 12};
  EXPECT_REFUSED(build(spec), "tensor 2 \"bias\"", "beyond the end of the file");
  // Offset 1 with no data means "no data", as TFLite writes it: then the bias
  // tensor is not constant and the model reads an unproduced tensor.
  spec = fc_model();
  spec.buffers[2] = BufferSpec{{}, 1, 0};
  EXPECT_REFUSED(build(spec), "reads tensor 2", "before any operator produces it");
}

// Names from the file are clipped and control bytes replaced in messages.
TEST(TfliteReaderBuilt, HostileNamesAreSanitised) {
  ModelSpec spec = fc_model();
  spec.tensors[1].name = std::string(500, 'x') + "\n\x1b[31m";
  spec.tensors[1].buffer = 99;
  const std::string message = refusal(build(spec));
  ASSERT_FALSE(message.empty());
  EXPECT_LT(message.size(), 300u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace edge::nn
