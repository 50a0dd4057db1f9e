// Batch normalization over the last (channel) axis, Keras semantics.
//
// Training: per channel, mean and biased variance over all other axes of the
// batch (the shard's part of it when the trainer splits a batch over shards:
// "ghost" batch norm with one ghost batch per shard), y = gamma * (x - mean) /
// sqrt(var + epsilon) + beta. The batch statistics go into the gradient slots
// of moving_mean/moving_variance (weighted by Context::shard_weight; the
// variance slot holds the second moment about the current moving mean, so the
// shards' slots sum to the whole batch's statistics, not to the mean of the
// smaller per-shard variances); apply_statistics() then sets moving = momentum *
// moving + (1 - momentum) * observed, observed being the whole batch's mean and
// biased variance. Inference: the moving statistics replace the batch ones.
// Training needs at least 2 samples per ghost batch (uses_batch_statistics();
// the Trainer refuses batch_size 1 and never cuts a shard of 1 sample): with
// one sample a dense input's variance is 0 and a convolution's statistics are
// one sample's, which inference never sees.
// Defaults are Keras': momentum 0.99, epsilon 1e-3; moving_variance starts at 1.
//
// At export BatchNorm disappears into the layer before it: fold_batchnorm()
// returns that layer's kernel and bias with the inference-mode normalization
// folded in (per output channel: k' = k * s, b' = (b - mean) * s + beta, with
// s = gamma / sqrt(moving_variance + epsilon)).
#pragma once

#include "train/layer.h"

namespace edge::train {

class BatchNorm : public LayerBase<BatchNorm> {
 public:
  explicit BatchNorm(float momentum = 0.99f, float epsilon = 1e-3f);
  const char* kind() const override { return "BatchNorm"; }
  float momentum() const { return momentum_; }
  float epsilon() const { return epsilon_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  void apply_statistics() override;
  bool uses_batch_statistics() const override { return true; }
  void take_statistics() override;

 private:
  float momentum_, epsilon_;
  int channels_ = 0;
  bool batch_stats_ = false;        // last forward used batch statistics
  Eigen::VectorXf mean_, inv_std_;  // of the last forward, per channel
  Tensor normalized_;               // x-hat of the last training forward
  Eigen::VectorXf sum_dy_, sum_dy_xhat_, variance_, scale_, shift_;  // scratch
};

// Kernel and bias of `previous` (Dense, Conv2D or DepthwiseConv2D, with or
// without bias) with `bn` (which must follow it) folded in. Throws edge::Error
// when the kind is not foldable or the channel counts differ.
struct FoldedWeights {
  Tensor kernel;  // same shape and layout as previous's kernel
  Tensor bias;    // [output channels]
};
FoldedWeights fold_batchnorm(const Layer& previous, const BatchNorm& bn);

}  // namespace edge::train
