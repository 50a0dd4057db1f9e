// Element-wise layers: ReLU, ReLU6 and Dropout. Any input shape.
#pragma once

#include "train/layer.h"

namespace edge::train {

// max(x, 0); the gradient at exactly 0 is taken as 0 (as TensorFlow does).
class ReLU : public LayerBase<ReLU> {
 public:
  const char* kind() const override { return "ReLU"; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

// min(max(x, 0), 6); gradient 1 strictly inside (0, 6), else 0.
class ReLU6 : public LayerBase<ReLU6> {
 public:
  const char* kind() const override { return "ReLU6"; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
};

// Inverted dropout: in training each element is zeroed with probability
// `rate` and the others scaled by 1/(1-rate); identity at inference. The mask
// comes from an Rng seeded by (Context::seed, layer index), so it is the same
// for a seed whatever the thread count.
class Dropout : public LayerBase<Dropout> {
 public:
  explicit Dropout(float rate);  // rate in [0, 1)
  const char* kind() const override { return "Dropout"; }
  float rate() const { return rate_; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  float rate_;
  Tensor mask_;  // 0 or 1/(1-rate) per element of the last training batch
  bool mask_active_ = false;
};

}  // namespace edge::train
