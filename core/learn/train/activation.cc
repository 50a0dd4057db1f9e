#include "train/activation.h"

#include <cmath>

namespace edge::train {
Shape ReLU::build(const std::vector<Shape>& input_shapes) { return single_input(input_shapes); }

void ReLU::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  output->resize(inputs[0]->shape());
  output->vector() = inputs[0]->vector().cwiseMax(0.0f);
}

void ReLU::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                    const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  if (!grad_inputs[0]) return;
  grad_inputs[0]->resize(inputs[0]->shape());
  const auto x = inputs[0]->vector().array();
  grad_inputs[0]->vector() = (x > 0.0f).select(grad_output.vector(), 0.0f);
}

Shape ReLU6::build(const std::vector<Shape>& input_shapes) { return single_input(input_shapes); }

void ReLU6::forward(const std::vector<const Tensor*>& inputs, Tensor* output, const Context&) {
  output->resize(inputs[0]->shape());
  output->vector() = inputs[0]->vector().cwiseMax(0.0f).cwiseMin(6.0f);
}

void ReLU6::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                     const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  if (!grad_inputs[0]) return;
  grad_inputs[0]->resize(inputs[0]->shape());
  const auto x = inputs[0]->vector().array();
  grad_inputs[0]->vector() = (x > 0.0f && x < 6.0f).select(grad_output.vector(), 0.0f);
}

Dropout::Dropout(float rate) : rate_(rate) {
  if (!(rate >= 0.0f && rate < 1.0f))
    throw Error(msg("Dropout: rate must be in [0, 1), got ", rate));
}

Shape Dropout::build(const std::vector<Shape>& input_shapes) { return single_input(input_shapes); }

void Dropout::forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                      const Context& ctx) {
  const Tensor& x = *inputs[0];
  output->resize(x.shape());
  mask_active_ = ctx.training && rate_ > 0.0f;
  if (!mask_active_) {
    output->vector() = x.vector();
    return;
  }
  mask_.resize(x.shape());
  Rng rng(mix_seed(ctx.seed, uint64_t(index())));
  const float keep_scale = 1.0f / (1.0f - rate_);
  for (int64_t i = 0; i < x.size(); ++i) mask_[i] = rng.uniform() < rate_ ? 0.0f : keep_scale;
  output->vector() = x.vector().cwiseProduct(mask_.vector());
}

void Dropout::backward(const std::vector<const Tensor*>& inputs, const Tensor&,
                       const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) {
  if (!grad_inputs[0]) return;
  grad_inputs[0]->resize(inputs[0]->shape());
  if (mask_active_)
    grad_inputs[0]->vector() = grad_output.vector().cwiseProduct(mask_.vector());
  else
    grad_inputs[0]->vector() = grad_output.vector();
}

}  // namespace edge::train
