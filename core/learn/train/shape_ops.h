// Layers that only move data.
//
// Flatten: [N, d1, d2, ...] -> [N, d1*d2*...], row-major (NHWC order, as
// TFLite's RESHAPE before FULLY_CONNECTED).
// Concatenate: joins its inputs along the last (channel) axis, in input order;
// all other dimensions must match (SqueezeNet Fire modules join the 1x1 and
// 3x3 expand branches this way).
#pragma once

#include "train/layer.h"

namespace edge::train {

class Flatten : public LayerBase<Flatten> {
 public:
  const char* kind() const override { return "Flatten"; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  int features_ = 0;
};

class Concatenate : public LayerBase<Concatenate> {
 public:
  const char* kind() const override { return "Concatenate"; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  std::vector<int> widths_;  // last-axis size of each input
  int total_width_ = 0;
  Shape out_shape_;
};

}  // namespace edge::train
