// Dense (fully connected): y = x W^T + b for x [N, in], W [out, in] (TFLite
// FULLY_CONNECTED layout), b [out]. Input must be rank 1 per sample; put a
// Flatten before it for images.
#pragma once

#include "train/layer.h"

namespace edge::train {

class Dense : public LayerBase<Dense> {
 public:
  explicit Dense(int units, bool use_bias = true);
  const char* kind() const override { return "Dense"; }
  int units() const { return units_; }
  bool use_bias() const { return use_bias_; }

  Shape build(const std::vector<Shape>& input_shapes) override;
  void initialize(Rng& rng, Init init) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  int64_t forward_gemm_flops(int batch) const override;

 private:
  int units_;
  bool use_bias_;
  int in_ = 0;
};

}  // namespace edge::train
