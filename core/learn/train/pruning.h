// Magnitude pruning (TF-MOT's prune_low_magnitude) and structured pruning.
//
// Unstructured: the kernels of the chosen Dense, Conv2D and DepthwiseConv2D
// layers get a 0/1 mask each. On the steps the schedule says (PolynomialDecay,
// as TF-MOT: sparsity(step) = final + (initial - final) * (1 - p)^power with
// p = clamp((step - begin) / (end - begin), 0, 1); masks are recomputed when
// begin <= step <= end and (step - begin) % frequency == 0) the mask of each
// layer keeps its largest-magnitude weights and zeroes exactly
// round(sparsity * n) of the n kernel weights (ties broken by index, lower
// first). apply() multiplies every kernel by its mask; call it after each
// optimizer step (fit_with_step_hook does) so pruned weights stay zero
// whatever the optimizer's momentum. Biases are never pruned.
//
// Structured: remove_units() drops whole neurons (Dense outputs) or filters
// (Conv2D output channels) with the smallest L1 norm and rewrites the next
// weighted layer's inputs, returning a truly smaller model whose outputs equal
// the original's with those units masked to zero.
//
// Errors (edge::Error with the setting's name): sparsity outside [0, 1),
// final < initial, end <= begin, frequency < 1, power <= 0, unknown layer or a
// layer without a prunable kernel, a graph structured pruning cannot rewrite.
// Lifetime: a pruner keeps pointers to the model's kernels; the model must
// outlive it. Thread safety: one thread, between optimizer steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/model.h"
#include "train/trainer.h"

namespace edge::train {

struct PolynomialDecay {
  float initial_sparsity = 0.0f;
  float final_sparsity = 0.5f;
  int64_t begin_step = 0;
  int64_t end_step = 1000;
  int64_t frequency = 100;
  float power = 3.0f;

  void validate() const;  // throws edge::Error naming the setting
  float sparsity(int64_t step) const;
  bool should_update(int64_t step) const;
};

class MagnitudePruner {
 public:
  // Prunes the named layers, or every Dense/Conv2D/DepthwiseConv2D when empty.
  MagnitudePruner(Model& model, const PolynomialDecay& schedule,
                  const std::vector<std::string>& layers = {});

  // Recomputes the masks when the schedule says so, then applies them.
  void on_step(int64_t step);
  // Recomputes every mask for `sparsity` now (one-shot pruning) and applies it.
  void prune_to(float sparsity);
  void apply();

  // Fraction of zero weights over the pruned kernels.
  double sparsity() const;
  const std::vector<std::string>& layer_names() const { return names_; }

 private:
  struct Target {
    Tensor* kernel;
    std::vector<uint8_t> mask;  // 1 keeps the weight
  };
  Model& model_;
  PolynomialDecay schedule_;
  std::vector<std::string> names_;
  std::vector<Target> targets_;
  std::vector<int64_t> order_;  // scratch for ranking
};

// A training loop like Trainer::fit (shuffled mini-batches, one optimizer step
// each) that calls after_step(global_step) after every step, so masks and
// cluster ties can be re-imposed. Returns loss/accuracy per epoch on `train`
// as trained.
struct StepHookOptions {
  int epochs = 1;
  int batch_size = 32;
  uint64_t seed = 1;
};
std::vector<EpochLog> fit_with_step_hook(Trainer& trainer, const Dataset& train,
                                         const StepHookOptions& options,
                                         const std::function<void(int64_t step)>& after_step);

// A fresh, unbuilt layer with the configuration of `layer` (Dense units or
// Conv2D filters replaced by units_override when > 0); weights are not copied.
// Throws for a kind it does not know.
std::unique_ptr<Layer> copy_layer_config(const Layer& layer, int units_override = -1);

// Structured pruning of `layer_name` (Dense or Conv2D): keeps the
// round((1 - fraction) * units) units with the largest L1 norm (at least 1),
// in their original order, and removes the others' inputs from every Dense or
// Conv2D that reads them. On the way to those only ReLU, ReLU6, Dropout,
// BatchNorm (sliced too), MaxPool2D, AveragePool2D, GlobalAveragePool and
// Concatenate (the channels are removed at their offset among the other
// inputs': a Fire module's expand layers) may stand; a layer may feed several
// (a Fire module's squeeze), but no layer may be reached twice. Returns the new
// model (its own weights; `model` is unchanged). fraction in [0, 1).
struct StructuredResult {
  Model model;
  std::vector<int> kept;  // original unit indices kept
};
StructuredResult remove_units(const Model& model, const std::string& layer_name, float fraction);

}  // namespace edge::train
