// Pooling on NHWC batches (TensorFlow semantics).
//
// MaxPool2D: maximum over each window; SAME padding never selects padded
// positions. The gradient goes to the first maximum (row-major within the
// window) of each window, as TensorFlow's MaxPoolGrad does.
// AveragePool2D: mean over each window; with SAME padding the divisor counts
// only positions inside the image (TensorFlow's AVG_POOL).
// GlobalAveragePool: [N, H, W, C] -> [N, C], the mean over H and W.
#pragma once

#include <cstdint>
#include <vector>

#include "train/geometry.h"
#include "train/layer.h"

namespace edge::train {

class MaxPool2D : public LayerBase<MaxPool2D> {
 public:
  // Dilation must be 1.
  explicit MaxPool2D(const Window2D& window);
  MaxPool2D(int pool, int stride, Padding padding = Padding::kValid);
  const char* kind() const override { return "MaxPool2D"; }
  const Window2D& window() const { return window_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  Window2D window_;
  int channels_ = 0;
  Geometry2D geometry_;
  std::vector<int64_t> argmax_;  // input offset of each output element's maximum
};

class AveragePool2D : public LayerBase<AveragePool2D> {
 public:
  explicit AveragePool2D(const Window2D& window);
  AveragePool2D(int pool, int stride, Padding padding = Padding::kValid);
  const char* kind() const override { return "AveragePool2D"; }
  const Window2D& window() const { return window_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  // Clipped window bounds of output position (oy, ox).
  void bounds(int oy, int ox, int* y0, int* y1, int* x0, int* x1) const;

  Window2D window_;
  int channels_ = 0;
  Geometry2D geometry_;
};

class GlobalAveragePool : public LayerBase<GlobalAveragePool> {
 public:
  const char* kind() const override { return "GlobalAveragePool"; }
  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  int pixels_ = 0, channels_ = 0;
};

}  // namespace edge::train
