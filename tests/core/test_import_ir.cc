// import_ir: a float32 model file becomes a trainable model with the same
// weights; export -> write -> read -> import -> export gives the same outputs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "nn/interpreter.h"
#include "nn/tflite_reader.h"
#include "nn/tflite_writer.h"
#include "optimize/ptq.h"
#include "tools/experiments/gesture_experiment.h"
#include "train/activation.h"
#include "train/architectures.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/export_ir.h"
#include "train/import_ir.h"
#include "train/model_spec.h"
#include "train/optimizer.h"
#include "train/pool.h"
#include "train/rng.h"
#include "train/shape_ops.h"
#include "train/trainer.h"

namespace edge::train {
namespace {

Tensor random_batch(int batch, const Shape& sample, uint64_t seed) {
  Tensor x(batched(batch, sample));
  Rng rng(seed);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = float(rng.uniform() * 2.0 - 1.0);
  return x;
}

std::vector<float> run_ir(const nn::Model& ir, const Tensor& x) {
  nn::Interpreter interpreter(ir, {nn::KernelSet::kReference, 1});
  EXPECT_EQ(interpreter.input(0).elements(), x.size());
  std::memcpy(interpreter.input(0).data<float>(), x.data(), size_t(x.size()) * sizeof(float));
  interpreter.invoke();
  const float* out = interpreter.output(0).data<float>();
  return std::vector<float>(out, out + interpreter.output(0).elements());
}

// Writes and reads the IR back, as `edgestream optimize` gets a model file.
nn::Model through_file(const nn::Model& ir) {
  const std::vector<uint8_t> bytes = nn::write_tflite(ir);
  return nn::read_tflite_buffer(bytes.data(), bytes.size(), "roundtrip.tflite");
}

void expect_round_trip(Model& model, const Shape& sample, int batch) {
  ExportOptions options;
  options.batch = batch;
  options.labels = {};
  const nn::Model first = export_ir(model, options);
  const nn::Model loaded = through_file(first);
  ImportResult imported = import_ir(loaded);
  EXPECT_TRUE(imported.softmax);
  EXPECT_EQ(imported.batch, batch);
  EXPECT_EQ(imported.model.parameter_count(), model.parameter_count());
  const nn::Model second = export_ir(imported.model, options);
  EXPECT_EQ(second.operators().size(), first.operators().size());
  EXPECT_EQ(second.parameter_bytes(), first.parameter_bytes());

  const Tensor x = random_batch(batch, sample, 17);
  const std::vector<float> want = run_ir(first, x);
  const std::vector<float> got = run_ir(second, x);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "output " << i;
  // The trainer's logits of the imported model match the original's too.
  Context ctx;
  const Tensor a = model.forward(x, ctx);
  const Tensor b = imported.model.forward(x, ctx);
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "logit " << i;
}

TEST(ImportIr, GestureDenseNetworkRoundTripsExactly) {
  Model model = make_gesture_dense_model(180, 2);
  model.initialize(7);
  expect_round_trip(model, {180}, 1);
  const ImportResult imported = import_ir(through_file(export_ir(model)));
  // dense_50 + relu, dense_15 + relu, logits: names from the kernel tensors.
  ASSERT_EQ(imported.model.num_layers(), 5u);
  EXPECT_EQ(std::string(imported.model.layer(0).kind()), "Dense");
  EXPECT_EQ(imported.model.layer(0).name(), model.layer(0).name());
  EXPECT_EQ(std::string(imported.model.layer(1).kind()), "ReLU");
}

TEST(ImportIr, CnnWithFireDepthwisePoolsAndFlattenRoundTripsExactly) {
  Model model;
  NodeId x = model.input({15, 15, 1});
  x = model.add(std::make_unique<Conv2D>(8, 3, 2), x, "conv1");  // 7x7x8
  x = model.add(std::make_unique<ReLU6>(), x, "conv1_relu6");
  Window2D dw;
  dw.kernel_h = dw.kernel_w = 3;
  dw.padding = Padding::kSame;
  x = model.add(std::make_unique<DepthwiseConv2D>(dw, 2), x, "dw");  // 7x7x16
  x = model.add(std::make_unique<ReLU>(), x, "dw_relu");
  x = model.add(std::make_unique<MaxPool2D>(3, 2), x, "pool1");                // 3x3x16
  x = add_fire_module(model, x, 4, 6, "fire2");                                // 3x3x12
  NodeId branch = model.add(std::make_unique<AveragePool2D>(2, 1), x, "avg");  // 2x2x12
  NodeId flat = model.add(std::make_unique<Flatten>(), branch, "flat");
  NodeId gap = model.add(std::make_unique<GlobalAveragePool>(), x, "gap");
  NodeId both = model.add(std::make_unique<Concatenate>(), {flat, gap}, "both");
  model.add(std::make_unique<Dense>(3), both, "logits");
  model.initialize(21);
  expect_round_trip(model, {15, 15, 1}, 2);
}

// Every architecture the applications declare (pipelines/*/model.toml) comes back from its
// file with the same outputs, so every trained model can be fine-tuned.
TEST(ImportIr, EveryDeclaredArchitectureRoundTrips) {
  const char* root = std::getenv("EDGE_SOURCE_ROOT");
  const std::string pipelines = std::string(root ? root : ".") + "/pipelines/";
  int checked = 0;
  for (const char* app : {"gesture", "sound", "sound-logmel", "keyword"}) {
    const ModelFile file = parse_model_file(pipelines + app + "/model.toml");
    for (const ModelSpec& spec : file.models) {
      SCOPED_TRACE(std::string(app) + " " + spec.name);
      Model model = build_model(spec, 10);
      model.initialize(5);
      const nn::Model first = export_ir(model);
      ImportResult imported = import_ir(through_file(first));
      const nn::Model second = export_ir(imported.model);
      ASSERT_EQ(second.operators().size(), first.operators().size());
      const Tensor x = random_batch(1, model.input_shape(), 3);
      EXPECT_EQ(run_ir(second, x), run_ir(first, x));
      ++checked;
    }
  }
  EXPECT_GE(checked, 4);
}

TEST(ImportIr, ImportedModelTrains) {
  Model model = make_gesture_dense_model(20, 3);
  model.initialize(3);
  ImportResult imported = import_ir(through_file(export_ir(model)));
  Dataset data;
  data.x = random_batch(12, {20}, 5);
  for (int i = 0; i < 12; ++i) data.labels.push_back(i % 3);
  Sgd sgd(SgdOptions{});
  FitOptions fit;
  fit.epochs = 1;
  fit.batch_size = 4;
  Trainer trainer(imported.model, sgd, fit);
  trainer.fit(data);
  const Tensor& k0 = *model.layer(0).param("kernel").value;
  const Tensor& k1 = *imported.model.layer(0).param("kernel").value;
  bool changed = false;
  for (int64_t i = 0; i < k0.size(); ++i) changed |= k0[i] != k1[i];
  EXPECT_TRUE(changed) << "fine-tuning the imported model changes its own weights";
}

// A hand-built IR: input [1, 4] -> op -> output.
nn::Model tiny_ir(nn::Op op, nn::OpOptions options, bool second_input) {
  nn::Model ir;
  ir.set_source("tiny.tflite");
  nn::Tensor t;
  t.name = "input";
  t.shape = {1, 4};
  const int32_t in = ir.add_tensor(t);
  t.name = "out";
  const int32_t out = ir.add_tensor(t);
  nn::Operator o;
  o.op = op;
  o.inputs = {in};
  if (second_input) o.inputs.push_back(in);
  o.outputs = {out};
  o.options = std::move(options);
  ir.add_operator(o);
  ir.set_inputs({in});
  ir.set_outputs({out});
  ir.validate();
  return ir;
}

TEST(ImportIr, UnsupportedOperatorIsNamed) {
  try {
    import_ir(tiny_ir(nn::Op::kAdd, nn::AddOptions{}, true));
    FAIL() << "ADD imported";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("tiny.tflite"), std::string::npos) << m;
    EXPECT_NE(m.find("operator 0 (ADD)"), std::string::npos) << m;
  }
  EXPECT_THROW(import_ir(tiny_ir(nn::Op::kTanh, std::monostate{}, false)), Error);
  // A SOFTMAX with beta 2 has no trainer equivalent.
  nn::SoftmaxOptions beta2;
  beta2.beta = 2.0f;
  EXPECT_THROW(import_ir(tiny_ir(nn::Op::kSoftmax, beta2, false)), Error);
  // A plain final SOFTMAX leaves a model that is just the input (no layers).
  EXPECT_THROW(import_ir(nn::Model()), Error);
}

TEST(ImportIr, QuantizedModelIsRefusedNamingTheTensor) {
  Model model = make_gesture_dense_model(20, 2);
  model.initialize(1);
  const nn::Model ir = export_ir(model);
  optimize::PtqOptions ptq;
  ptq.mode = optimize::QuantMode::kIntegerOnly;
  for (int s = 0; s < 4; ++s) {
    const Tensor x = random_batch(1, {20}, uint64_t(s));
    ptq.representative.push_back({std::vector<float>(x.data(), x.data() + x.size())});
  }
  const nn::Model q = optimize::quantize(ir, ptq).model;
  try {
    import_ir(q);
    FAIL() << "int8 model imported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace edge::train
