// The layer interface of the trainer.
//
// A layer maps one or more batch-major input tensors to one output tensor.
// Shapes given to build() are per sample (no batch axis); tensors passed to
// forward()/backward() carry the batch as their outermost axis.
//
// Parameters are exposed uniformly (params()) for the optimizers, weight
// save/restore, serialization and, later, pruning, clustering and QAT hooks and
// the .tflite export. Their layouts are TFLite's, so export copies them as they
// are:
//   Dense            kernel [out, in],          bias [out]
//   Conv2D           kernel [O, KH, KW, I] (OHWI), bias [O]
//   DepthwiseConv2D  kernel [1, KH, KW, C*M],   bias [C*M]
//   BatchNorm        gamma, beta, moving_mean, moving_variance [C]
// A parameter's value is shared (shared_ptr) between a model and its replicas
// (one per data-parallel shard); each replica has its own gradient. Non-
// trainable parameters (BatchNorm's moving statistics) use their gradient slot
// for the batch statistic observed in a training step; the trainer sums it
// over shards like a gradient and then calls apply_statistics().
//
// Contract of forward/backward:
//   forward(inputs, output, ctx) resizes and fills `output`; the layer may keep
//   per-batch caches (masks, argmax, normalized values) for backward.
//   backward(inputs, output, grad_output, grad_inputs) must follow the forward
//   of the same batch; it ADDS the parameter gradients into Param::grad and
//   OVERWRITES each non-null grad_inputs[i] (resized to the input's shape).
//   Neither allocates once the tensors have reached their largest size.
// Thread safety: a layer instance is used by one thread at a time; replicas
// of one layer may run concurrently (they only read the shared values).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "train/rng.h"
#include "train/tensor.h"

namespace edge::train {

struct Param {
  std::string name;               // "kernel", "bias", "gamma", ...
  std::shared_ptr<Tensor> value;  // shared between replicas
  Tensor grad;                    // this replica's gradient, same shape as value
  bool trainable = true;
};

// Per-call settings of a forward pass.
struct Context {
  bool training = false;
  // Seed of this step and shard; stochastic layers mix in their layer index.
  uint64_t seed = 0;
  // Fraction of the whole batch this shard holds (weights BatchNorm statistics).
  float shard_weight = 1.0f;
};

// Weight initialization of kernels (biases start at zero, BatchNorm at gamma 1, beta 0).
enum class Init {
  kHeNormal,   // Keras he_normal: normal truncated at 2 stddev, stddev sqrt(2/fan_in)/0.8796
  kHeUniform,  // Keras he_uniform: uniform in +-sqrt(6/fan_in)
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual const char* kind() const = 0;  // "Dense", "Conv2D", ...
  const std::string& name() const { return name_; }
  void set_name(const std::string& name) { name_ = name; }
  int index() const { return index_; }
  void set_index(int index) { index_ = index; }

  // Checks the per-sample input shapes, allocates parameters (zeroed) and
  // returns the per-sample output shape. Throws edge::Error naming the layer,
  // what it expected and what it got.
  virtual Shape build(const std::vector<Shape>& input_shapes) = 0;
  // Draws initial weights (He); biases zero. Called after build().
  virtual void initialize(Rng& rng, Init init) {
    (void)rng;
    (void)init;
  }

  virtual void forward(const std::vector<const Tensor*>& inputs, Tensor* output,
                       const Context& ctx) = 0;
  virtual void backward(const std::vector<const Tensor*>& inputs, const Tensor& output,
                        const Tensor& grad_output, const std::vector<Tensor*>& grad_inputs) = 0;

  // A copy sharing the parameter values (own gradients and caches).
  virtual std::unique_ptr<Layer> clone_shared() const = 0;
  // Folds the shard-summed batch statistics into running state (BatchNorm).
  virtual void apply_statistics() {}
  // True when training normalizes with statistics of the batch itself (BatchNorm): such a
  // layer needs at least 2 samples per shard (trainer.h).
  virtual bool uses_batch_statistics() const { return false; }
  // Sets the running statistics to what the slots hold, with no moving average (the trainer's
  // pass over the whole training set, Trainer::recompute_statistics).
  virtual void take_statistics() {}
  // Floating-point operations of one forward pass over `batch` samples in
  // matrix products (multiply and add counted as 2); backward costs twice that
  // (input and weight gradients). 0 for layers without products.
  virtual int64_t forward_gemm_flops(int batch) const {
    (void)batch;
    return 0;
  }

  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  // The parameter called `name`; throws when absent.
  Param& param(const std::string& name);
  const Param& param(const std::string& name) const;

 protected:
  // Adds a zero-initialized parameter of `shape`.
  void add_param(const std::string& name, const Shape& shape, bool trainable = true);
  // The one input shape of a single-input layer; throws when there are more or none.
  const Shape& single_input(const std::vector<Shape>& input_shapes) const {
    if (input_shapes.size() != 1) fail("takes 1 input, got ", input_shapes.size());
    return input_shapes[0];
  }
  // Throws unless `x` is [N] + sample_shape (guards direct use of a layer with
  // a tensor it was not built for; a Model always passes built shapes).
  void expect_input(const Tensor& x, const Shape& sample_shape) const;
  // "layer 'conv1' (Conv2D)" for messages.
  std::string describe() const;
  // Throws edge::Error with describe() and the given parts.
  template <typename... Parts>
  [[noreturn]] void fail(Parts&&... parts) const {
    throw Error(msg(describe(), ": ", std::forward<Parts>(parts)...));
  }

  std::vector<Param> params_;
  Shape input_sample_shape_;  // set by build() of layers that call expect_input()

 private:
  std::string name_;
  int index_ = 0;
};

// Implements clone_shared() by copy construction: copying a Param copies its
// shared_ptr, so the clone shares values; its gradients are zeroed.
template <typename Derived>
class LayerBase : public Layer {
 public:
  std::unique_ptr<Layer> clone_shared() const override {
    auto copy = std::make_unique<Derived>(static_cast<const Derived&>(*this));
    for (Param& p : copy->params()) p.grad.set_zero();
    return copy;
  }
};

// Fills `values` with He-initialized weights for the given fan-in.
void he_fill(Tensor* values, int64_t fan_in, Rng& rng, Init init);

}  // namespace edge::train
