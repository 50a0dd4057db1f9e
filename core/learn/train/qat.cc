#include "train/qat.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "train/activation.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/pruning.h"

namespace edge::train {
namespace {

constexpr float kQuantMin = 0.0f, kQuantMax = 255.0f;
enum ParamIndex { kMin = 0, kMax = 1, kInitialized = 2 };

bool weighted(const Layer& l) {
  return dynamic_cast<const Dense*>(&l) || dynamic_cast<const Conv2D*>(&l) ||
         dynamic_cast<const DepthwiseConv2D*>(&l);
}

}  // namespace

FakeQuantGrid fake_quant_grid(float min, float max) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max) {
    throw Error(msg("fake quantization: invalid range [", min, ", ", max, "]"));
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  if (max - min < 1e-6f) max = min + 1e-6f;  // all-zero data: a tiny grid around 0
  FakeQuantGrid g;
  g.scale = (max - min) / (kQuantMax - kQuantMin);
  const float zero_point = std::clamp(std::round(kQuantMin - min / g.scale), kQuantMin, kQuantMax);
  g.nudged_min = (kQuantMin - zero_point) * g.scale;
  g.nudged_max = (kQuantMax - zero_point) * g.scale;
  return g;
}

float fake_quantize(float x, const FakeQuantGrid& g) {
  const float clamped = std::clamp(x, g.nudged_min, g.nudged_max);
  return std::round((clamped - g.nudged_min) / g.scale) * g.scale + g.nudged_min;
}

FakeQuant::FakeQuant(float ema_decay) : decay_(ema_decay) {
  if (!(ema_decay >= 0.0f && ema_decay < 1.0f)) {
    throw Error(msg("FakeQuant: ema_decay must be in [0, 1), got ", ema_decay));
  }
}

float FakeQuant::range_min() const { return (*params_[kMin].value)[0]; }
float FakeQuant::range_max() const { return (*params_[kMax].value)[0]; }

void FakeQuant::set_range(float min, float max) {
  fake_quant_grid(min, max);  // validates
  (*params_[kMin].value)[0] = min;
  (*params_[kMax].value)[0] = max;
  (*params_[kInitialized].value)[0] = 1.0f;
}

Shape FakeQuant::build(const std::vector<Shape>& input_shapes) {
  const Shape& in = single_input(input_shapes);
  if (params_.empty()) {
    add_param("min", {1}, false);
    add_param("max", {1}, false);
    add_param("initialized", {1}, false);
  }
  return in;
}

void FakeQuant::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                        const Context& ctx) {
  const Tensor& x = *inputs[0];
  output->resize(x.shape());
  float lo = range_min(), hi = range_max();
  if (ctx.training) {
    float batch_lo = 0.0f, batch_hi = 0.0f;
    if (x.size() > 0) {
      batch_lo = *std::min_element(x.data(), x.data() + x.size());
      batch_hi = *std::max_element(x.data(), x.data() + x.size());
    }
    params_[kMin].grad[0] = ctx.shard_weight * batch_lo;
    params_[kMax].grad[0] = ctx.shard_weight * batch_hi;
    if ((*params_[kInitialized].value)[0] == 0.0f) {
      lo = batch_lo;
      hi = batch_hi;
    }
  } else if ((*params_[kInitialized].value)[0] == 0.0f) {
    fail("has no range yet: train at least one step or call set_range()");
  }
  grid_ = fake_quant_grid(lo, hi);
  for (int64_t i = 0; i < x.size(); ++i) (*output)[i] = fake_quantize(x[i], grid_);
}

void FakeQuant::backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                         const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  (void)output;
  Tensor* dx = grad_inputs[0];
  if (!dx) return;
  const Tensor& x = *inputs[0];
  dx->resize(x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    const bool inside = x[i] >= grid_.nudged_min && x[i] <= grid_.nudged_max;
    (*dx)[i] = inside ? grad_output[i] : 0.0f;
  }
}

void FakeQuant::apply_statistics() {
  float& lo = (*params_[kMin].value)[0];
  float& hi = (*params_[kMax].value)[0];
  float& initialized = (*params_[kInitialized].value)[0];
  const float batch_lo = params_[kMin].grad[0], batch_hi = params_[kMax].grad[0];
  if (initialized == 0.0f) {
    lo = batch_lo;
    hi = batch_hi;
    initialized = 1.0f;
  } else {
    lo = decay_ * lo + (1.0f - decay_) * batch_lo;
    hi = decay_ * hi + (1.0f - decay_) * batch_hi;
  }
}

Model insert_fake_quant(const Model& model, float ema_decay) {
  const size_t layers = model.num_layers();
  std::vector<std::vector<NodeId>> consumers(layers + 1);
  for (size_t i = 0; i < layers; ++i) {
    for (NodeId in : model.layer_inputs(i)) consumers[size_t(in)].push_back(NodeId(i + 1));
  }
  auto sole = [&](NodeId node) -> NodeId {
    return node == model.output() || consumers[size_t(node)].size() != 1
               ? -1
               : consumers[size_t(node)][0];
  };
  // Nodes after which a FakeQuant goes: the end of each weighted chain.
  std::vector<bool> quantize_after(layers + 1, false);
  quantize_after[0] = true;
  for (size_t i = 0; i < layers; ++i) {
    if (!weighted(model.layer(i))) continue;
    NodeId end = NodeId(i + 1);
    NodeId next = sole(end);
    if (next > 0 && dynamic_cast<const BatchNorm*>(&model.layer(size_t(next - 1)))) {
      end = next;
      next = sole(end);
    }
    if (next > 0 && (dynamic_cast<const ReLU*>(&model.layer(size_t(next - 1))) ||
                     dynamic_cast<const ReLU6*>(&model.layer(size_t(next - 1))))) {
      end = next;
    }
    quantize_after[size_t(end)] = true;
  }
  Model out;
  std::vector<NodeId> map(layers + 1);
  std::vector<size_t> new_index(layers);
  map[0] = out.input(model.input_shape());
  auto maybe_quantize = [&](NodeId old_node, const std::string& name) {
    if (quantize_after[size_t(old_node)]) {
      map[size_t(old_node)] = out.add(std::make_unique<FakeQuant>(ema_decay), map[size_t(old_node)],
                                      name + "_fakequant");
    }
  };
  maybe_quantize(0, "input");
  for (size_t i = 0; i < layers; ++i) {
    const Layer& l = model.layer(i);
    std::vector<NodeId> inputs;
    for (NodeId in : model.layer_inputs(i)) inputs.push_back(map[size_t(in)]);
    map[i + 1] = out.add(copy_layer_config(l), inputs, l.name());
    new_index[i] = size_t(map[i + 1] - 1);
    maybe_quantize(NodeId(i + 1), l.name());
  }
  out.set_output(map[size_t(model.output())]);
  for (size_t i = 0; i < layers; ++i) {
    for (const Param& p : model.layer(i).params()) {
      *out.layer(new_index[i]).param(p.name).value = *p.value;
    }
  }
  return out;
}

void fake_quantize_per_channel(const Tensor& weights, int channel_axis, Tensor* out) {
  const Shape& s = weights.shape();
  if (channel_axis < 0 || channel_axis >= int(s.size())) {
    throw Error(msg("fake_quantize_per_channel: channel axis ", channel_axis,
                    " is out of range for shape ", shape_to_string(s)));
  }
  out->resize(s);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < channel_axis; ++d) outer *= s[size_t(d)];
  for (size_t d = size_t(channel_axis) + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t channels = s[size_t(channel_axis)];
  for (int64_t c = 0; c < channels; ++c) {
    float max_abs = 0.0f;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < inner; ++k) {
        max_abs = std::max(max_abs, std::fabs(weights[(o * channels + c) * inner + k]));
      }
    }
    const float scale = max_abs / 127.0f;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t i = (o * channels + c) * inner + k;
        (*out)[i] = scale == 0.0f
                        ? 0.0f
                        : std::clamp(std::round(weights[i] / scale), -127.0f, 127.0f) * scale;
      }
    }
  }
}

WeightFakeQuantizer::WeightFakeQuantizer(Model& model) {
  for (size_t i = 0; i < model.num_layers(); ++i) {
    Layer& l = model.layer(i);
    if (!weighted(l)) continue;
    Target t;
    t.kernel = l.param("kernel").value.get();
    t.shadow = *t.kernel;
    t.channel_axis = dynamic_cast<const DepthwiseConv2D*>(&l) ? t.kernel->rank() - 1 : 0;
    quantize(t);
    targets_.push_back(std::move(t));
  }
  if (targets_.empty()) throw Error("QAT: the model has no Dense, Conv2D or Depthwise layer");
}

void WeightFakeQuantizer::quantize(Target& t) {
  fake_quantize_per_channel(t.shadow, t.channel_axis, &t.quantized);
  *t.kernel = t.quantized;
}

void WeightFakeQuantizer::after_step() {
  for (Target& t : targets_) {
    // Straight through: the optimizer's update of the quantized kernel moves the shadow.
    for (int64_t i = 0; i < t.shadow.size(); ++i) t.shadow[i] += (*t.kernel)[i] - t.quantized[i];
    quantize(t);
  }
}

}  // namespace edge::train
