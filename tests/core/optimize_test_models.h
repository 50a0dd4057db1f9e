// Hand-built float32 models for the writer, quantization and Arm NN tests:
// the paper's 180-50-15-2 dense gesture network and a small CNN with a Fire
// module (CONV_2D, DEPTHWISE_CONV_2D, MAX/AVERAGE_POOL_2D, CONCATENATION,
// MEAN, RESHAPE, FULLY_CONNECTED, SOFTMAX). Weights are He-initialised from a
// fixed seed with a portable generator (same numbers on every platform).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/model.h"
#include "optimize/calibration.h"

namespace edge::test {

// xorshift64* with Box-Muller: portable, unlike std::normal_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 2654435761u + 1) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) / 9007199254740992.0; }
  float uniform(float lo, float hi) { return lo + static_cast<float>(uniform()) * (hi - lo); }
  float normal() {
    const double u1 = uniform(), u2 = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  uint64_t state_;
};

class ModelMaker {
 public:
  explicit ModelMaker(uint64_t seed) : rng_(seed) {}

  int32_t activation(const std::string& name, Shape shape) {
    nn::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    return model_.add_tensor(t);
  }
  int32_t constant(const std::string& name, Shape shape, const std::vector<float>& values) {
    nn::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    return model_.add_constant(t, values.data(), values.size() * sizeof(float));
  }
  int32_t int_constant(const std::string& name, Shape shape, const std::vector<int32_t>& values) {
    nn::Tensor t;
    t.name = name;
    t.type = DType::kInt32;
    t.shape = std::move(shape);
    return model_.add_constant(t, values.data(), values.size() * sizeof(int32_t));
  }
  // He initialisation: N(0, 2 / fan_in); biases small.
  int32_t he(const std::string& name, Shape shape, int fan_in) {
    std::vector<float> v(static_cast<size_t>(shape_elements(shape)));
    const float sd = std::sqrt(2.f / static_cast<float>(fan_in));
    for (float& x : v) x = rng_.normal() * sd;
    return constant(name, std::move(shape), v);
  }
  int32_t bias(const std::string& name, int32_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = rng_.uniform(-0.1f, 0.1f);
    return constant(name, {n}, v);
  }
  void op(nn::Op code, std::vector<int32_t> in, std::vector<int32_t> out,
          nn::OpOptions options = {}) {
    nn::Operator o;
    o.op = code;
    o.inputs = std::move(in);
    o.outputs = std::move(out);
    o.options = std::move(options);
    model_.add_operator(std::move(o));
  }
  nn::Model& model() { return model_; }
  nn::Model take() {
    model_.validate();
    return std::move(model_);
  }

 private:
  Rng rng_;
  nn::Model model_;
};

// The paper's gesture network: 180 inputs (30 samples x 6 IMU channels),
// dense 50 ReLU, dense 15 ReLU, dense 2, softmax.
inline nn::Model dense_gesture_model(uint64_t seed = 7) {
  ModelMaker m(seed);
  m.model().set_source("<dense 180-50-15-2>");
  const int32_t in = m.activation("input", {1, 180});
  const int32_t h1 = m.activation("dense1", {1, 50});
  const int32_t h2 = m.activation("dense2", {1, 15});
  const int32_t logits = m.activation("logits", {1, 2});
  const int32_t probs = m.activation("probs", {1, 2});
  nn::FullyConnectedOptions relu;
  relu.activation = nn::Activation::kRelu;
  m.op(nn::Op::kFullyConnected, {in, m.he("w1", {50, 180}, 180), m.bias("b1", 50)}, {h1}, relu);
  m.op(nn::Op::kFullyConnected, {h1, m.he("w2", {15, 50}, 50), m.bias("b2", 15)}, {h2}, relu);
  m.op(nn::Op::kFullyConnected, {h2, m.he("w3", {2, 15}, 15), m.bias("b3", 2)}, {logits},
       nn::FullyConnectedOptions{});
  m.op(nn::Op::kSoftmax, {logits}, {probs}, nn::SoftmaxOptions{});
  m.model().set_inputs({in});
  m.model().set_outputs({probs});
  return m.take();
}

// A small CNN on a 16x16x1 input with a Fire module (squeeze 1x1, expand 1x1
// and 3x3, concatenated), 3 classes.
inline nn::Model small_cnn_model(uint64_t seed = 11) {
  ModelMaker m(seed);
  m.model().set_source("<small cnn>");
  const int32_t in = m.activation("image", {1, 16, 16, 1});
  const int32_t c1 = m.activation("conv1", {1, 16, 16, 8});
  const int32_t p1 = m.activation("pool1", {1, 8, 8, 8});
  const int32_t dw = m.activation("dwconv", {1, 8, 8, 8});
  const int32_t sq = m.activation("fire_squeeze", {1, 8, 8, 4});
  const int32_t e1 = m.activation("fire_expand1", {1, 8, 8, 8});
  const int32_t e3 = m.activation("fire_expand3", {1, 8, 8, 8});
  const int32_t cat = m.activation("fire_concat", {1, 8, 8, 16});
  const int32_t p2 = m.activation("pool2", {1, 4, 4, 16});
  const int32_t mean = m.activation("mean", {1, 1, 1, 16});
  const int32_t flat = m.activation("flat", {1, 16});
  const int32_t logits = m.activation("logits", {1, 3});
  const int32_t probs = m.activation("probs", {1, 3});

  nn::Conv2DOptions conv;
  conv.activation = nn::Activation::kRelu;
  m.op(nn::Op::kConv2D, {in, m.he("conv1_w", {8, 3, 3, 1}, 9), m.bias("conv1_b", 8)}, {c1}, conv);
  nn::Pool2DOptions pool;
  pool.padding = nn::Padding::kValid;
  pool.stride_w = pool.stride_h = pool.filter_w = pool.filter_h = 2;
  m.op(nn::Op::kMaxPool2D, {c1}, {p1}, pool);
  nn::DepthwiseConv2DOptions dwo;
  dwo.activation = nn::Activation::kRelu6;
  m.op(nn::Op::kDepthwiseConv2D, {p1, m.he("dw_w", {1, 3, 3, 8}, 9), m.bias("dw_b", 8)}, {dw}, dwo);
  m.op(nn::Op::kConv2D, {dw, m.he("squeeze_w", {4, 1, 1, 8}, 8), m.bias("squeeze_b", 4)}, {sq},
       conv);
  m.op(nn::Op::kConv2D, {sq, m.he("expand1_w", {8, 1, 1, 4}, 4), m.bias("expand1_b", 8)}, {e1},
       conv);
  m.op(nn::Op::kConv2D, {sq, m.he("expand3_w", {8, 3, 3, 4}, 36), m.bias("expand3_b", 8)}, {e3},
       conv);
  nn::ConcatenationOptions concat;
  concat.axis = 3;
  m.op(nn::Op::kConcatenation, {e1, e3}, {cat}, concat);
  nn::Pool2DOptions avg = pool;
  m.op(nn::Op::kAveragePool2D, {cat}, {p2}, avg);
  nn::ReducerOptions keep;
  keep.keep_dims = true;
  m.op(nn::Op::kMean, {p2, m.int_constant("mean_axes", {2}, {1, 2})}, {mean}, keep);
  nn::ReshapeOptions reshape;
  reshape.has_new_shape = true;
  reshape.new_shape = {1, 16};
  m.op(nn::Op::kReshape, {mean, m.int_constant("flat_shape", {2}, {1, 16})}, {flat}, reshape);
  m.op(nn::Op::kFullyConnected, {flat, m.he("fc_w", {3, 16}, 16), m.bias("fc_b", 3)}, {logits},
       nn::FullyConnectedOptions{});
  m.op(nn::Op::kSoftmax, {logits}, {probs}, nn::SoftmaxOptions{});
  m.model().set_inputs({in});
  m.model().set_outputs({probs});
  return m.take();
}

// count samples of uniform noise in [lo, hi) for a one-input model.
inline std::vector<optimize::Sample> random_samples(const nn::Model& model, size_t count,
                                                    uint64_t seed, float lo = -1.f,
                                                    float hi = 1.f) {
  Rng rng(seed);
  std::vector<optimize::Sample> out(count);
  for (auto& sample : out) {
    sample.resize(1);
    sample[0].resize(static_cast<size_t>(model.input(0).elements()));
    for (float& x : sample[0]) x = rng.uniform(lo, hi);
  }
  return out;
}

// Runs a model on one sample and returns output 0 as float (dequantizing an
// int8/int16 output); an int8/int16 input is quantized with its parameters.
inline std::vector<float> run_float(const nn::Model& model, const optimize::Sample& sample,
                                    nn::KernelSet kernels = nn::KernelSet::kReference) {
  nn::Interpreter interpreter(model, {kernels, 1});
  nn::TensorView in = interpreter.input(0);
  const auto n = static_cast<size_t>(in.elements());
  if (in.type() == DType::kFloat32) {
    for (size_t i = 0; i < n; ++i) in.data<float>()[i] = sample[0][i];
  } else if (in.type() == DType::kInt8) {
    const float s = in.quant().scale[0];
    const auto zp = static_cast<float>(in.quant().zero_point[0]);
    for (size_t i = 0; i < n; ++i) {
      const float q = std::round(sample[0][i] / s) + zp;
      in.data<int8_t>()[i] = static_cast<int8_t>(std::fmin(127.f, std::fmax(-128.f, q)));
    }
  }
  interpreter.invoke();
  nn::TensorView out = interpreter.output(0);
  std::vector<float> result(static_cast<size_t>(out.elements()));
  for (size_t i = 0; i < result.size(); ++i) {
    if (out.type() == DType::kFloat32) {
      result[i] = out.data<float>()[i];
    } else if (out.type() == DType::kInt8) {
      result[i] = out.quant().scale[0] *
                  static_cast<float>(out.data<int8_t>()[i] - out.quant().zero_point[0]);
    } else if (out.type() == DType::kInt16) {
      result[i] = out.quant().scale[0] *
                  static_cast<float>(out.data<int16_t>()[i] - out.quant().zero_point[0]);
    }
  }
  return result;
}

inline size_t argmax(const std::vector<float>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

}  // namespace edge::test
