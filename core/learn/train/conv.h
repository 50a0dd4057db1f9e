// 2-D convolutions on NHWC batches.
//
// Conv2D: kernel OHWI [filters, KH, KW, C], bias [filters]. Computed as
// im2col + Eigen GEMM per sample: the patch matrix [OH*OW, KH*KW*C] (columns in
// kernel order ky, kx, c, so a kernel row is one OHWI filter) times kernel^T.
// Backward recomputes the patches: dW += dY^T P, dP = dY W, then col2im. A
// 1x1 stride-1 convolution skips im2col and runs one GEMM over the batch.
//
// DepthwiseConv2D: kernel [1, KH, KW, C*M] (TFLite layout), bias [C*M]; output
// channel c*M + m filters input channel c with multiplier m. Direct loops.
//
// Stride, dilation and SAME/VALID padding follow TensorFlow (geometry.h).
#pragma once

#include "train/geometry.h"
#include "train/layer.h"

namespace edge::train {

class Conv2D : public LayerBase<Conv2D> {
 public:
  Conv2D(int filters, const Window2D& window, bool use_bias = true);
  // Square kernel and stride, no dilation.
  Conv2D(int filters, int kernel, int stride = 1, Padding padding = Padding::kValid,
         bool use_bias = true);
  const char* kind() const override { return "Conv2D"; }
  int filters() const { return filters_; }
  const Window2D& window() const { return window_; }
  bool use_bias() const { return use_bias_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void initialize(Rng& rng, Init init) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  int64_t forward_gemm_flops(int batch) const override;

 private:
  int patch_size() const { return window_.kernel_h * window_.kernel_w * channels_; }

  int filters_;
  Window2D window_;
  bool use_bias_;
  int channels_ = 0;
  Geometry2D geometry_;
  bool pointwise_ = false;  // 1x1, stride 1: no im2col
  RowMatrix patches_;       // [OH*OW, KH*KW*C] of one sample
  RowMatrix patch_grads_;
};

class DepthwiseConv2D : public LayerBase<DepthwiseConv2D> {
 public:
  DepthwiseConv2D(const Window2D& window, int depth_multiplier = 1, bool use_bias = true);
  const char* kind() const override { return "DepthwiseConv2D"; }
  const Window2D& window() const { return window_; }
  int depth_multiplier() const { return multiplier_; }
  bool use_bias() const { return use_bias_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void initialize(Rng& rng, Init init) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;

 private:
  Window2D window_;
  int multiplier_;
  bool use_bias_;
  int channels_ = 0;
  Geometry2D geometry_;
};

}  // namespace edge::train
