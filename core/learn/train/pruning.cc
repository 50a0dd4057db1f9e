#include "train/pruning.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/error.h"
#include "train/activation.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/pool.h"
#include "train/rng.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

bool prunable(const Layer& layer) {
  return dynamic_cast<const Dense*>(&layer) || dynamic_cast<const Conv2D*>(&layer) ||
         dynamic_cast<const DepthwiseConv2D*>(&layer);
}

void check_sparsity(float value, const char* name) {
  if (!(value >= 0.0f && value < 1.0f)) {
    throw Error(msg("pruning: ", name, " must be in [0, 1), got ", value));
  }
}

}  // namespace

void PolynomialDecay::validate() const {
  check_sparsity(initial_sparsity, "initial_sparsity");
  check_sparsity(final_sparsity, "final_sparsity");
  if (final_sparsity < initial_sparsity) {
    throw Error(msg("pruning: final_sparsity ", final_sparsity, " is below initial_sparsity ",
                    initial_sparsity));
  }
  if (begin_step < 0) throw Error(msg("pruning: begin_step must be >= 0, got ", begin_step));
  if (end_step <= begin_step) {
    throw Error(msg("pruning: end_step ", end_step, " must be after begin_step ", begin_step));
  }
  if (frequency < 1) throw Error(msg("pruning: frequency must be >= 1, got ", frequency));
  if (!(power > 0.0f)) throw Error(msg("pruning: power must be > 0, got ", power));
}

float PolynomialDecay::sparsity(int64_t step) const {
  const double p = std::clamp(double(step - begin_step) / double(end_step - begin_step), 0.0, 1.0);
  return float(final_sparsity +
               (initial_sparsity - final_sparsity) * std::pow(1.0 - p, double(power)));
}

bool PolynomialDecay::should_update(int64_t step) const {
  return step >= begin_step && step <= end_step && (step - begin_step) % frequency == 0;
}

MagnitudePruner::MagnitudePruner(Model& model, const PolynomialDecay& schedule,
                                 const std::vector<std::string>& layers)
    : model_(model), schedule_(schedule) {
  schedule_.validate();
  if (layers.empty()) {
    for (size_t i = 0; i < model.num_layers(); ++i) {
      if (prunable(model.layer(i))) names_.push_back(model.layer(i).name());
    }
  } else {
    names_ = layers;
  }
  if (names_.empty()) throw Error("pruning: the model has no Dense, Conv2D or Depthwise layer");
  for (const std::string& name : names_) {
    Layer& layer = model.layer(name);
    if (!prunable(layer)) {
      throw Error(msg("pruning: layer '", name, "' (", layer.kind(),
                      ") has no prunable kernel (Dense, Conv2D, DepthwiseConv2D)"));
    }
    Tensor* kernel = layer.param("kernel").value.get();
    targets_.push_back({kernel, std::vector<uint8_t>(size_t(kernel->size()), 1)});
  }
}

void MagnitudePruner::prune_to(float sparsity) {
  check_sparsity(sparsity, "sparsity");
  for (Target& t : targets_) {
    const int64_t n = t.kernel->size();
    const int64_t drop = std::llround(double(sparsity) * double(n));
    order_.resize(size_t(n));
    std::iota(order_.begin(), order_.end(), 0);
    const float* w = t.kernel->data();
    std::stable_sort(order_.begin(), order_.end(),
                     [w](int64_t a, int64_t b) { return std::fabs(w[a]) < std::fabs(w[b]); });
    std::fill(t.mask.begin(), t.mask.end(), 1);
    for (int64_t k = 0; k < drop; ++k) t.mask[size_t(order_[size_t(k)])] = 0;
  }
  apply();
}

void MagnitudePruner::on_step(int64_t step) {
  if (schedule_.should_update(step)) {
    prune_to(schedule_.sparsity(step));
  } else {
    apply();
  }
}

void MagnitudePruner::apply() {
  for (Target& t : targets_) {
    float* w = t.kernel->data();
    for (size_t i = 0; i < t.mask.size(); ++i) {
      if (!t.mask[i]) w[i] = 0.0f;
    }
  }
}

double MagnitudePruner::sparsity() const {
  int64_t zeros = 0, total = 0;
  for (const Target& t : targets_) {
    for (int64_t i = 0; i < t.kernel->size(); ++i) zeros += (*t.kernel)[i] == 0.0f;
    total += t.kernel->size();
  }
  return total == 0 ? 0.0 : double(zeros) / double(total);
}

std::vector<EpochLog> fit_with_step_hook(Trainer& trainer, const Dataset& train,
                                         const StepHookOptions& options,
                                         const std::function<void(int64_t step)>& after_step) {
  if (options.epochs < 1) throw Error(msg("fit: epochs must be >= 1, got ", options.epochs));
  if (options.batch_size < 1) {
    throw Error(msg("fit: batch_size must be >= 1, got ", options.batch_size));
  }
  const int n = train.size();
  if (n == 0) throw Error("fit: the training set is empty");
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(options.seed);
  std::vector<EpochLog> logs;
  int64_t step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (int i = n - 1; i > 0; --i) {  // Fisher-Yates with the trainer's Rng
      const int j = int(rng.uniform() * double(i + 1));
      std::swap(order[size_t(i)], order[size_t(std::min(j, i))]);
    }
    double loss = 0.0;
    int correct_total = 0;
    for (int start = 0; start < n; start += options.batch_size) {
      const int count = std::min(options.batch_size, n - start);
      int correct = 0;
      loss += trainer.train_step(train, order.data() + start, count, step, &correct);
      correct_total += correct;
      if (after_step) after_step(step);
      ++step;
    }
    EpochLog log;
    log.loss = loss / n;
    log.accuracy = double(correct_total) / n;
    logs.push_back(log);
  }
  return logs;
}

std::unique_ptr<Layer> copy_layer_config(const Layer& layer, int units_override) {
  if (const auto* d = dynamic_cast<const Dense*>(&layer)) {
    return std::make_unique<Dense>(units_override > 0 ? units_override : d->units(), d->use_bias());
  }
  if (const auto* c = dynamic_cast<const Conv2D*>(&layer)) {
    return std::make_unique<Conv2D>(units_override > 0 ? units_override : c->filters(), c->window(),
                                    c->use_bias());
  }
  if (const auto* c = dynamic_cast<const DepthwiseConv2D*>(&layer)) {
    return std::make_unique<DepthwiseConv2D>(c->window(), c->depth_multiplier(), c->use_bias());
  }
  if (const auto* b = dynamic_cast<const BatchNorm*>(&layer)) {
    return std::make_unique<BatchNorm>(b->momentum(), b->epsilon());
  }
  if (const auto* p = dynamic_cast<const MaxPool2D*>(&layer)) {
    return std::make_unique<MaxPool2D>(p->window());
  }
  if (const auto* p = dynamic_cast<const AveragePool2D*>(&layer)) {
    return std::make_unique<AveragePool2D>(p->window());
  }
  if (const auto* r = dynamic_cast<const Dropout*>(&layer)) {
    return std::make_unique<Dropout>(r->rate());
  }
  if (dynamic_cast<const ReLU*>(&layer)) return std::make_unique<ReLU>();
  if (dynamic_cast<const ReLU6*>(&layer)) return std::make_unique<ReLU6>();
  if (dynamic_cast<const GlobalAveragePool*>(&layer)) return std::make_unique<GlobalAveragePool>();
  if (dynamic_cast<const Flatten*>(&layer)) return std::make_unique<Flatten>();
  if (dynamic_cast<const Concatenate*>(&layer)) return std::make_unique<Concatenate>();
  throw Error(
      msg("structured pruning: cannot copy layer '", layer.name(), "' (", layer.kind(), ")"));
}

namespace {

bool channel_wise(const Layer& layer) {
  return dynamic_cast<const ReLU*>(&layer) || dynamic_cast<const ReLU6*>(&layer) ||
         dynamic_cast<const Dropout*>(&layer) || dynamic_cast<const BatchNorm*>(&layer) ||
         dynamic_cast<const MaxPool2D*>(&layer) || dynamic_cast<const AveragePool2D*>(&layer) ||
         dynamic_cast<const GlobalAveragePool*>(&layer);
}

// Copies `from` into `to` keeping, along axis `axis` of a row-major tensor,
// only the indices in `kept`.
void copy_sliced(const Tensor& from, Tensor* to, int axis, const std::vector<int>& kept) {
  const Shape& s = from.shape();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t dim = s[size_t(axis)];
  float* out = to->data();
  for (int64_t o = 0; o < outer; ++o) {
    for (int k : kept) {
      const float* src = from.data() + (o * dim + k) * inner;
      out = std::copy(src, src + inner, out);
    }
  }
}

}  // namespace

StructuredResult remove_units(const Model& model, const std::string& layer_name, float fraction) {
  if (!(fraction >= 0.0f && fraction < 1.0f)) {
    throw Error(msg("structured pruning: fraction must be in [0, 1), got ", fraction));
  }
  size_t target = 0;
  try {
    target = model.layer_index(layer_name);
  } catch (const Error& e) {
    throw Error(msg("structured pruning: ", e.what()));
  }
  const Layer& layer = model.layer(target);
  if (!dynamic_cast<const Dense*>(&layer) && !dynamic_cast<const Conv2D*>(&layer)) {
    throw Error(msg("structured pruning: layer '", layer_name, "' is ", layer.kind(),
                    "; only Dense and Conv2D outputs can be removed"));
  }

  // Rank units by L1 norm of their kernel row / filter (+ nothing for bias).
  const Tensor& kernel = *layer.param("kernel").value;
  const int units = kernel.dim(0);
  const int64_t per_unit = kernel.size() / units;
  std::vector<double> l1(size_t(units), 0.0);
  for (int u = 0; u < units; ++u) {
    for (int64_t k = 0; k < per_unit; ++k) l1[size_t(u)] += std::fabs(kernel[u * per_unit + k]);
  }
  const int keep = std::max(1, int(std::lround((1.0 - double(fraction)) * units)));
  std::vector<int> ranked(static_cast<size_t>(units));
  std::iota(ranked.begin(), ranked.end(), 0);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](int a, int b) { return l1[size_t(a)] > l1[size_t(b)]; });
  std::vector<int> kept(ranked.begin(), ranked.begin() + keep);
  std::sort(kept.begin(), kept.end());

  // Follow every path from the layer to the weighted layers that read its units, tracking
  // which channels survive at each node: channel-wise layers keep the set, a Concatenate
  // (last axis) moves it to the branch's offset among the other inputs' channels (a Fire
  // module's expand layers), a fan-out (a Fire module's squeeze) follows each consumer.
  auto consumers = [&](NodeId node) {
    std::vector<size_t> out;
    for (size_t i = 0; i < model.num_layers(); ++i) {
      for (NodeId in : model.layer_inputs(i)) {
        if (in == node) out.push_back(i);
      }
    }
    return out;
  };
  std::map<size_t, std::vector<int>> sliced;  // layer -> channels kept (its input, or BN vectors)
  std::vector<std::pair<NodeId, std::vector<int>>> pending{{NodeId(target + 1), kept}};
  while (!pending.empty()) {
    const NodeId node = pending.back().first;
    const std::vector<int> channels = std::move(pending.back().second);
    pending.pop_back();
    const std::string from = model.layer(size_t(node - 1)).name();
    if (node == model.output()) {
      throw Error(msg("structured pruning: layer '", layer_name,
                      "' feeds the model output; its units are the classes"));
    }
    for (size_t c : consumers(node)) {
      const Layer& l = model.layer(c);
      if (sliced.count(c)) {
        throw Error(msg("structured pruning: layer '", l.name(), "' is reached from '", layer_name,
                        "' by two paths; only a tree can be rewritten"));
      }
      if (dynamic_cast<const Dense*>(&l) || dynamic_cast<const Conv2D*>(&l)) {
        sliced[c] = channels;
        continue;
      }
      if (dynamic_cast<const Concatenate*>(&l)) {
        const std::vector<NodeId>& inputs = model.layer_inputs(c);
        if (std::count(inputs.begin(), inputs.end(), node) != 1) {
          throw Error(msg("structured pruning: layer '", l.name(), "' concatenates '", from,
                          "' more than once"));
        }
        int offset = 0;
        for (size_t k = 0; inputs[k] != node; ++k)
          offset += int(model.node_shape(inputs[k]).back());
        const int width = int(model.node_shape(node).back());
        const int total = int(model.node_shape(NodeId(c + 1)).back());
        std::vector<int> placed;
        for (int k = 0; k < offset; ++k) placed.push_back(k);
        for (int k : channels) placed.push_back(offset + k);
        for (int k = offset + width; k < total; ++k) placed.push_back(k);
        sliced[c] = {};  // nothing to slice; marks it reached
        pending.emplace_back(NodeId(c + 1), std::move(placed));
        continue;
      }
      if (!channel_wise(l)) {
        throw Error(msg("structured pruning: layer '", l.name(), "' (", l.kind(), ") after '", from,
                        "' does not keep channels apart"));
      }
      sliced[c] = channels;  // used by BatchNorm's vectors
      pending.emplace_back(NodeId(c + 1), channels);
    }
  }

  StructuredResult result;
  Model& out = result.model;
  out.input(model.input_shape());
  for (size_t i = 0; i < model.num_layers(); ++i) {
    const Layer& l = model.layer(i);
    out.add(copy_layer_config(l, i == target ? keep : -1), model.layer_inputs(i), l.name());
  }
  out.set_output(model.output());
  for (size_t i = 0; i < model.num_layers(); ++i) {
    const Layer& from = model.layer(i);
    Layer& to = out.layer(i);
    const auto reached = sliced.find(i);
    const bool batch_norm = dynamic_cast<const BatchNorm*>(&from) != nullptr;
    for (const Param& p : from.params()) {
      Tensor* dst = to.param(p.name).value.get();
      if (i == target) {
        copy_sliced(*p.value, dst, 0, kept);  // kernel rows/filters, bias
      } else if (reached != sliced.end() && batch_norm) {
        copy_sliced(*p.value, dst, 0, reached->second);  // BN vectors
      } else if (reached != sliced.end() && p.name == "kernel") {
        // A reading layer's inputs: [out, in] or OHWI, the last axis.
        copy_sliced(*p.value, dst, p.value->rank() - 1, reached->second);
      } else {
        *dst = *p.value;
      }
    }
  }
  result.kept = std::move(kept);
  return result;
}

}  // namespace edge::train
