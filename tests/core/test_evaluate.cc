// `edgestream eval`'s engine runs (core/learn/eval/evaluate.cc) must feed an int8
// model exactly what edgeinfer feeds it: float windows quantized by
// nn::write_input (round half away from zero, as TFLite's QUANTIZE). Windows on
// exact rounding ties are where a hand-written rounding would differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "eval/evaluate.h"
#include "nn/interpreter.h"
#include "nn/stream_adapter.h"
#include "optimize/ptq.h"
#include "tests/core/optimize_test_models.h"

namespace {

using edge::DType;
namespace nn = edge::nn;

// One input value x, logits (-x, x), softmax: class 1 when x > 0, a tie (class 0)
// when x is 0. Integer only, calibrated on [-1, 1].
nn::Model sign_classifier() {
  edge::test::ModelMaker m(3);
  m.model().set_source("<sign classifier>");
  const int32_t in = m.activation("x", {1, 1});
  const int32_t logits = m.activation("logits", {1, 2});
  const int32_t probs = m.activation("probs", {1, 2});
  m.op(nn::Op::kFullyConnected,
       {in, m.constant("w", {2, 1}, {-1.0f, 1.0f}), m.constant("b", {2}, {0.0f, 0.0f})}, {logits},
       nn::FullyConnectedOptions{});
  m.op(nn::Op::kSoftmax, {logits}, {probs}, nn::SoftmaxOptions{});
  m.model().set_inputs({in});
  m.model().set_outputs({probs});
  edge::optimize::PtqOptions options;
  options.mode = edge::optimize::QuantMode::kIntegerOnly;
  for (float x = -1.0f; x <= 1.0f; x += 0.125f) options.representative.push_back({{x}});
  return edge::optimize::quantize(m.take(), options).model;
}

// The class edgeinfer's path picks for one window.
int32_t streamed_class(const nn::Model& model, float x) {
  nn::Interpreter interpreter(model);
  const nn::InputConversion conversion =
      nn::fit_input(DType::kFloat32, model.input(0).shape, model.input(0), 0, model.source());
  nn::write_input(conversion, &x, model.input(0), interpreter.input(0).raw());
  interpreter.invoke();
  const int8_t* scores = interpreter.output(0).data<int8_t>();
  return int32_t(std::max_element(scores, scores + 2) - scores);
}

TEST(EvaluateEngine, QuantizesWindowsAsTheStreamingPathDoes) {
  const nn::Model model = sign_classifier();
  ASSERT_EQ(model.input(0).type, DType::kInt8);
  const float scale = model.input(0).quant.scale[0];

  // Values that land exactly half way between two steps (and the steps themselves).
  edge::store::LoadedDataset data;
  data.directory = "<ties>";
  data.window_shape = {1};
  data.labels = {"negative", "positive"};
  std::vector<int64_t> indices;
  for (int k = -4; k <= 4; ++k) {
    for (float half : {0.0f, 0.5f}) {
      const float x = (float(k) + half) * scale;
      data.x.push_back(x);
      data.y.push_back(x > 0.0f ? 1 : 0);
      data.fold.push_back(-1);
      data.window_index.push_back(0);
      data.clip.push_back("clip" + std::to_string(indices.size()));
      indices.push_back(int64_t(indices.size()));
    }
  }

  const edge::eval::EngineResult result = edge::eval::run_engine(model, data, indices);
  ASSERT_EQ(result.predicted.size(), indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    EXPECT_EQ(result.predicted[i], streamed_class(model, data.x[i]))
        << "window " << i << " x = " << data.x[i] << " (" << data.x[i] / scale << " steps)";
  }
  // Half a step above the zero point rounds away from zero to the next step: class 1.
  const auto half_step =
      std::find_if(data.x.begin(), data.x.end(), [&](float x) { return x / scale == 0.5f; });
  ASSERT_NE(half_step, data.x.end());
  EXPECT_EQ(result.predicted[size_t(half_step - data.x.begin())], 1);
}

}  // namespace
