// Declared optimization sequences: parsing (and every impossible setting named
// in its message), the [sequences] table of a model.toml, and each step run
// on the paper's gesture network trained on the bundled recordings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "common/error.h"
#include "nn/interpreter.h"
#include "optimize/sequence.h"
#include "tests/core/gesture_baseline.h"
#include "train/dense.h"

namespace edge::optimize {
namespace {

// The message of the edge::Error that parse_sequence throws.
std::string parse_error(const std::vector<std::string>& steps) {
  try {
    parse_sequence("s", steps);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SequenceParse, StepsAndSettings) {
  const Sequence s =
      parse_sequence("pruned-int8", {"prune sparsity=0.8 epochs=10 begin=1 end=8", "int8"});
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].kind, StepKind::kPrune);
  EXPECT_FLOAT_EQ(s.steps[0].sparsity, 0.8f);
  EXPECT_EQ(s.steps[0].epochs, 10);
  EXPECT_EQ(s.steps[0].begin_epoch, 1);
  EXPECT_EQ(s.steps[0].end_epoch, 8);
  EXPECT_EQ(s.steps[0].frequency, 1);
  EXPECT_EQ(s.conversion(), Conversion::kInt8);
  EXPECT_FALSE(s.has_qat());

  const Sequence t = parse_steps(" cluster clusters=16 init=linear ; qat epochs=3;int8-only");
  EXPECT_EQ(t.name, "--steps");
  ASSERT_EQ(t.steps.size(), 3u);
  EXPECT_EQ(t.steps[0].clusters, 16);
  EXPECT_EQ(t.steps[0].init, train::CentroidInit::kLinear);
  EXPECT_EQ(t.steps[0].epochs, 5);  // default
  EXPECT_EQ(t.steps[0].text, "cluster clusters=16 init=linear");
  EXPECT_EQ(t.steps[1].epochs, 3);
  EXPECT_TRUE(t.has_qat());
  EXPECT_EQ(t.conversion(), Conversion::kInt8Only);

  const Sequence d =
      parse_steps("prune-units fraction=0.4 distill=0.8 temperature=4;qat distill=1");
  EXPECT_FLOAT_EQ(d.steps[0].distill, 0.8f);
  EXPECT_FLOAT_EQ(d.steps[0].temperature, 4.0f);
  EXPECT_FLOAT_EQ(d.steps[1].distill, 1.0f);
  EXPECT_FLOAT_EQ(d.steps[1].temperature, 2.0f);                              // default
  EXPECT_FLOAT_EQ(parse_steps("prune sparsity=0.5").steps[0].distill, 0.0f);  // off
  EXPECT_FLOAT_EQ(parse_steps("qat epochs=3 lr=0.0003").steps[0].learning_rate, 0.0003f);
  EXPECT_FLOAT_EQ(parse_steps("qat").steps[0].learning_rate, 0.0f);  // the caller's rate

  const Sequence c = parse_steps("int8-only samples=1000 percentile=99.99");
  EXPECT_EQ(c.steps[0].calibration_samples, 1000);
  EXPECT_NEAR(c.steps[0].percentile, 99.99, 1e-4);
  EXPECT_EQ(parse_steps("int8").steps[0].calibration_samples, 0);  // SequenceOptions' count
  EXPECT_EQ(parse_steps("16x8").steps[0].percentile, 100.0);       // min/max

  EXPECT_EQ(parse_sequence("f", {"prune-units fraction=0.25"}).conversion(), Conversion::kFloat32);
  for (const char* c : {"float32", "float16", "dynamic-range", "int8", "int8-only", "16x8"}) {
    EXPECT_EQ(conversion_name(parse_sequence("c", {c}).conversion()), std::string(c));
  }
}

TEST(SequenceParse, ImpossibleSettingsNameTheStepAndKey) {
  std::string m = parse_error({"prune sparsity=1.5"});
  EXPECT_TRUE(contains(m, "sequence 's', step 'prune sparsity=1.5': key 'sparsity'")) << m;
  EXPECT_TRUE(contains(m, "[0, 1)")) << m;
  m = parse_error({"prune sparsity=0.5 distill=1.5"});
  EXPECT_TRUE(contains(m, "key 'distill' must be in [0, 1]")) << m;
  m = parse_error({"qat temperature=0"});
  EXPECT_TRUE(contains(m, "key 'temperature' must be > 0, got 0")) << m;
  m = parse_error({"qat lr=0"});
  EXPECT_TRUE(contains(m, "key 'lr' must be in (0, 10], got 0")) << m;
  m = parse_error({"int8 lr=0.1"});
  EXPECT_TRUE(contains(m, "key 'lr' is not a setting of int8")) << m;
  m = parse_error({"int8 distill=0.5"});
  EXPECT_TRUE(contains(m, "key 'distill' is not a setting of int8")) << m;
  m = parse_error({"int8 percentile=40"});
  EXPECT_TRUE(contains(m, "key 'percentile' must be in (50, 100]")) << m;
  m = parse_error({"int8 samples=0"});
  EXPECT_TRUE(contains(m, "key 'samples' must be >= 1, got 0")) << m;
  m = parse_error({"float16 percentile=99"});
  EXPECT_TRUE(contains(m, "key 'percentile' is not a setting of float16")) << m;
  m = parse_error({"cluster clusters=0"});
  EXPECT_TRUE(contains(m, "key 'clusters' must be >= 1, got 0")) << m;
  m = parse_error({"int8", "float16"});
  EXPECT_TRUE(contains(m, "step 'float16' comes after the conversion 'int8'")) << m;
  m = parse_error({"int8", "prune sparsity=0.5"});
  EXPECT_TRUE(contains(m, "comes after the conversion")) << m;
  m = parse_error({"squash level=3"});
  EXPECT_TRUE(contains(m, "unknown step 'squash'")) << m;
  m = parse_error({"prune sparsity=0.5 speed=2"});
  EXPECT_TRUE(contains(m, "key 'speed' is not a setting of prune")) << m;
  m = parse_error({"prune epochs=3"});
  EXPECT_TRUE(contains(m, "key 'sparsity' is required")) << m;
  m = parse_error({"prune sparsity=half"});
  EXPECT_TRUE(contains(m, "must be a number, got 'half'")) << m;
  m = parse_error({"prune sparsity=0.5 epochs=2.5"});
  EXPECT_TRUE(contains(m, "key 'epochs' must be a whole number")) << m;
  m = parse_error({"prune sparsity=0.5 epochs=4 end=6"});
  EXPECT_TRUE(contains(m, "key 'end'")) << m;
  m = parse_error({"prune sparsity=0.5 sparsity=0.6"});
  EXPECT_TRUE(contains(m, "is given twice")) << m;
  m = parse_error({"prune sparsity=nan"});
  EXPECT_TRUE(contains(m, "key 'sparsity'")) << m;
  m = parse_error({"prune-units fraction=-0.1"});
  EXPECT_TRUE(contains(m, "key 'fraction'")) << m;
  m = parse_error({"qat epochs=0"});
  EXPECT_TRUE(contains(m, "key 'epochs' must be >= 1")) << m;
  m = parse_error({"qat", "prune sparsity=0.5"});
  EXPECT_TRUE(contains(m, "qat must be the last training step")) << m;
  m = parse_error({"cluster clusters=4 init=random"});
  EXPECT_TRUE(contains(m, "key 'init' must be kmeans++ or linear")) << m;
  m = parse_error({"prune sparsity"});
  EXPECT_TRUE(contains(m, "is not key=value")) << m;
  EXPECT_TRUE(contains(parse_error({}), "has no steps"));
  EXPECT_TRUE(contains(parse_error({"  "}), "is empty"));
  EXPECT_THROW(parse_steps("prune sparsity=0.5;;int8"), Error);
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(SequenceLoad, ModelTomlTableInFileOrder) {
  const std::string path = write_temp("seq_model.toml",
                                      "[model]\narchitecture = \"dense\"\n\n"
                                      "[sequences]\n"
                                      "zeta = [\"int8\"]\n"
                                      "alpha = [\"prune sparsity=0.5 epochs=2\", \"int8-only\"]\n");
  const std::vector<Sequence> all = load_sequences(path);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "zeta");
  EXPECT_EQ(all[1].name, "alpha");
  EXPECT_EQ(all[1].conversion(), Conversion::kInt8Only);

  EXPECT_TRUE(load_sequences(write_temp("none.toml", "[model]\nx = 1\n")).empty());
  try {
    load_sequences(write_temp("bad.toml", "[sequences]\nok = [\"int8\"]\nbad = [\"cluster\"]\n"));
    FAIL() << "cluster without clusters accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "bad.toml:3")) << e.what();
    EXPECT_TRUE(contains(e.what(), "key 'clusters' is required")) << e.what();
  }
  EXPECT_THROW(load_sequences(write_temp("str.toml", "[sequences]\nx = \"int8\"\n")), Error);
  EXPECT_THROW(load_sequences(write_temp("syntax.toml", "[sequences\n")), Error);
  EXPECT_THROW(load_sequences(::testing::TempDir() + "missing_dir/none.toml"), Error);
}

// One trained gesture network shared by the run tests (training takes a while).
class SequenceRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { base_ = new train::GestureBaseline(); }
  static void TearDownTestSuite() {
    delete base_;
    base_ = nullptr;
  }

  // A copy of the trained baseline's weights in a fresh model.
  static train::Model trained_copy() {
    train::Model m = train::make_gesture_dense_model(int(base_->train.x.inner_size()), 2);
    m.initialize(1);
    std::vector<float> values;
    base_->model.save_values(&values);
    m.load_values(values);
    return m;
  }

  static SequenceResult run(const std::string& steps, std::vector<std::string>* log = nullptr) {
    SequenceOptions options;
    if (log) options.log = [log](const std::string& line) { log->push_back(line); };
    options.train = &base_->train;
    options.fit.batch_size = 4;
    // The baseline's own optimizer settings, as `edgestream optimize` takes them from model.toml.
    options.make_optimizer = [](float learning_rate) {
      train::RmsPropOptions rmsprop;
      if (learning_rate > 0.0f) rmsprop.learning_rate = learning_rate;
      return std::make_unique<train::RmsProp>(rmsprop);
    };
    options.export_options.labels = {"punch", "flex"};
    return run_sequence(trained_copy(), parse_steps(steps), options);
  }

  static double accuracy(const nn::Model& model) {
    nn::Interpreter interpreter(model, {nn::KernelSet::kReference, 1});
    const train::Dataset& data = base_->test;
    const int64_t n = data.x.inner_size();
    const bool int8_in = interpreter.input(0).type() == DType::kInt8;
    const QuantParams& qin = model.input(0).quant;
    int correct = 0;
    for (int i = 0; i < data.size(); ++i) {
      const float* x = data.x.data() + i * n;
      for (int64_t k = 0; k < n; ++k) {
        if (int8_in) {
          const float q = std::round(x[k] / qin.scale[0]) + float(qin.zero_point[0]);
          interpreter.input(0).data<int8_t>()[k] = int8_t(std::clamp(q, -128.f, 127.f));
        } else {
          interpreter.input(0).data<float>()[k] = x[k];
        }
      }
      interpreter.invoke();
      const int64_t classes = interpreter.output(0).elements();
      std::vector<float> p(static_cast<size_t>(classes));
      for (int64_t c = 0; c < classes; ++c) {
        p[size_t(c)] = interpreter.output(0).type() == DType::kInt8
                           ? float(interpreter.output(0).data<int8_t>()[c])
                           : interpreter.output(0).data<float>()[c];
      }
      correct += int(std::max_element(p.begin(), p.end()) - p.begin()) == data.labels[size_t(i)];
    }
    return double(correct) / data.size();
  }

  static train::GestureBaseline* base_;
};
train::GestureBaseline* SequenceRun::base_ = nullptr;

TEST_F(SequenceRun, PruneThenInt8ReachesTheSparsityInTheInt8Weights) {
  const SequenceResult r = run("prune sparsity=0.75 epochs=5;int8");
  EXPECT_NEAR(weight_sparsity(r.model), 0.75, 0.01);
  EXPECT_EQ(r.model.labels(), (std::vector<std::string>{"punch", "flex"}));
  bool int8_weights = false;
  for (const nn::Operator& op : r.model.operators()) {
    if (op.op == nn::Op::kFullyConnected)
      int8_weights |= r.model.tensor(op.inputs[1]).type == DType::kInt8;
  }
  EXPECT_TRUE(int8_weights);
  EXPECT_GE(accuracy(r.model), base_->float_accuracy - 0.15);
}

TEST_F(SequenceRun, PruneUnitsWritesASmallerModel) {
  const SequenceResult r = run("prune-units fraction=0.5 epochs=1");
  // dense_50 -> 25 units, dense_15 -> 8 units (round(7.5)); logits keep 2.
  EXPECT_EQ(r.trained.node_shape(1)[0], 25);
  const int64_t params = (180 * 25 + 25) + (25 * 8 + 8) + (8 * 2 + 2);
  EXPECT_EQ(r.trained.parameter_count(), params);
  EXPECT_EQ(r.model.parameter_bytes(), size_t(params) * 4);
  EXPECT_GE(accuracy(r.model), base_->float_accuracy - 0.2);
}

TEST_F(SequenceRun, DistilledPruneUnitsLearnsFromTheStartingModel) {
  std::vector<std::string> log;
  const SequenceResult r = run("prune-units fraction=0.5 epochs=2 distill=0.9;int8", &log);
  const auto has = [&](const std::string& text) {
    return std::any_of(log.begin(), log.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("teacher: the starting model's logits on ")) << ::testing::PrintToString(log);
  EXPECT_TRUE(has("(distilled: weight 0.9, temperature 2)")) << ::testing::PrintToString(log);
  EXPECT_GE(accuracy(r.model), base_->float_accuracy - 0.2);
}

TEST_F(SequenceRun, EachTrainingStepGetsItsOwnLearningRate) {
  SequenceOptions options;
  options.train = &base_->train;
  options.fit.batch_size = 4;
  std::vector<float> requested;
  options.make_optimizer = [&requested](float learning_rate) {
    requested.push_back(learning_rate);
    return std::make_unique<train::RmsProp>(train::RmsPropOptions{});
  };
  std::vector<std::string> log;
  options.log = [&log](const std::string& line) { log.push_back(line); };
  run_sequence(trained_copy(),
               parse_steps("prune sparsity=0.3 epochs=1;qat epochs=1 lr=0.0003;int8"), options);
  EXPECT_EQ(requested, (std::vector<float>{0.0f, 0.0003f}));  // 0: the caller's default rate
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const std::string& l) {
    return l.find("fine-tuned 1 epochs at learning rate 0.0003") != std::string::npos;
  })) << ::testing::PrintToString(log);
}

TEST_F(SequenceRun, ClusterKeepsAtMostKValuesPerKernel) {
  const SequenceResult r = run("cluster clusters=8 epochs=1;float16");
  for (size_t i = 0; i < r.trained.num_layers(); ++i) {
    if (std::string(r.trained.layer(i).kind()) != "Dense") continue;
    const train::Tensor& k = *r.trained.layer(i).param("kernel").value;
    EXPECT_LE(std::set<float>(k.data(), k.data() + k.size()).size(), 8u)
        << r.trained.layer(i).name();
  }
  bool half = false;
  for (const nn::Tensor& t : r.model.tensors()) half |= t.type == DType::kFloat16;
  EXPECT_TRUE(half);
}

TEST_F(SequenceRun, PrunedQatKeepsZerosAndGivesIntegerOnlyWithQatRanges) {
  const SequenceResult r = run("prune sparsity=0.5 epochs=2;qat epochs=2;int8-only");
  EXPECT_EQ(r.ranges_from_qat, 4u);
  EXPECT_EQ(r.model.input(0).type, DType::kInt8);
  EXPECT_EQ(r.model.output(0).type, DType::kInt8);
  EXPECT_GE(weight_sparsity(r.model), 0.5 - 0.01);
  EXPECT_GE(accuracy(r.model), base_->float_accuracy - 0.2);
}

TEST_F(SequenceRun, DynamicRangeAnd16x8Convert) {
  const SequenceResult d = run("dynamic-range");
  EXPECT_EQ(d.model.input(0).type, DType::kFloat32);
  EXPECT_GE(accuracy(d.model), base_->float_accuracy - 0.1);
  const SequenceResult w = run("16x8");
  bool int16 = false;
  for (const nn::Tensor& t : w.model.tensors()) int16 |= t.type == DType::kInt16;
  EXPECT_TRUE(int16);
}

TEST_F(SequenceRun, StepErrorsNameTheSequenceAndStep) {
  SequenceOptions options;  // no training data
  try {
    run_sequence(trained_copy(), parse_steps("prune sparsity=0.5 epochs=1"), options);
    FAIL() << "pruning without data ran";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "sequence '--steps', step 'prune sparsity=0.5 epochs=1'"))
        << e.what();
    EXPECT_TRUE(contains(e.what(), "training")) << e.what();
  }
  // 200 centroids for the 30-weight logits kernel.
  options.train = &base_->train;
  EXPECT_THROW(run_sequence(trained_copy(), parse_steps("cluster clusters=200 epochs=0"), options),
               Error);
}

}  // namespace
}  // namespace edge::optimize
