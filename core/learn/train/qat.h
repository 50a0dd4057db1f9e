// Quantization-aware training (TF-MOT's quantize_model, int8 scheme).
//
// Activations: a FakeQuant layer after the input and after each Dense, Conv2D
// and DepthwiseConv2D output (after the BatchNorm and ReLU/ReLU6 that
// export_ir folds or fuses into it, so the fused operator's output is what is
// quantized, as TFLite runs it) rounds values to the asymmetric int8 grid of
// its range. The range is a moving average of the observed minimum and maximum
// (decay 0.999, the first training batch sets it; always widened to hold 0),
// kept in the non-trainable params "min" and "max"; with data-parallel shards
// each shard's extremes are averaged (weighted by its share of the batch).
// The grid is TensorFlow's FakeQuantWithMinMaxVars: 256 levels, range nudged
// so that 0 is exact. Gradient: straight through (1) for inputs inside the
// nudged range, 0 outside (clipped).
//
// Weights: WeightFakeQuantizer keeps a float shadow copy of each kernel and
// puts its per-channel symmetric int8 version (scale max|w|/127 per output
// channel, values in [-127, 127]) into the layer before every step; the update
// the optimizer makes to the quantized kernel is added to the shadow
// (straight-through estimator). Call after_step() after each optimizer step
// (fit_with_step_hook), and finish() at the end: kernels then hold exactly
// their int8 grid values.
//
// export_ir treats FakeQuant as identity (its ranges are for the quantizer).
// Errors: edge::Error naming the layer or setting. Thread safety: as layers;
// a WeightFakeQuantizer keeps pointers to the kernels (the model must outlive it).
#pragma once

#include <string>
#include <vector>

#include "train/layer.h"
#include "train/model.h"

namespace edge::train {

// TensorFlow's nudged int8 grid for [min, max] (min <= 0 <= max after widening).
struct FakeQuantGrid {
  float nudged_min = 0.0f, nudged_max = 0.0f, scale = 1.0f;
};
FakeQuantGrid fake_quant_grid(float min, float max);
// Value of x on the grid (clamped to the nudged range).
float fake_quantize(float x, const FakeQuantGrid& grid);

class FakeQuant : public LayerBase<FakeQuant> {
 public:
  explicit FakeQuant(float ema_decay = 0.999f);
  const char* kind() const override { return "FakeQuant"; }
  float ema_decay() const { return decay_; }
  // Current range (after at least one training step or set_range()).
  float range_min() const;
  float range_max() const;
  void set_range(float min, float max);

  Shape build(const std::vector<Shape>& input_shapes) override;
  void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
               const Context& ctx) override;
  void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) override;
  void apply_statistics() override;

 private:
  float decay_;
  FakeQuantGrid grid_;  // of the last forward
};

// A copy of model (own weights) with FakeQuant layers inserted as described.
Model insert_fake_quant(const Model& model, float ema_decay = 0.999f);

class WeightFakeQuantizer {
 public:
  // Every Dense/Conv2D/DepthwiseConv2D kernel of model; quantizes them at once.
  explicit WeightFakeQuantizer(Model& model);
  void after_step();
  void finish() { after_step(); }

 private:
  struct Target {
    Tensor* kernel;
    Tensor shadow;     // float weights
    Tensor quantized;  // what was put in the kernel before the step
    int channel_axis;
  };
  void quantize(Target& t);
  std::vector<Target> targets_;
};

// Per-channel symmetric int8 fake quantization of a kernel along channel_axis.
void fake_quantize_per_channel(const Tensor& weights, int channel_axis, Tensor* out);

}  // namespace edge::train
