// A trainable model: a directed acyclic graph of layers with one input.
//
// Nodes are added in topological order (a layer's inputs must already exist),
// which covers sequential stacks and branches joined by Concatenate (SqueezeNet
// Fire modules: squeeze 1x1 -> expand 1x1 and expand 3x3 -> concatenate).
// Shapes are inferred when a layer is added, so a mismatch is reported at
// build time naming the layer, what it expected and what it got.
//
// forward() runs the nodes up to the output and returns the output activation
// (logits: the softmax lives in the loss, and in the exported model). backward()
// takes d(loss)/d(output), accumulates every parameter gradient and, on
// request, returns d(loss)/d(input). A node feeding several layers receives the
// sum of their gradients (added in reverse node order, deterministically).
//
// Replicas (replica()) share the parameter values and have their own
// gradients and activations; the trainer runs one per data-parallel shard.
// Thread safety: one thread per Model (or replica) at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "train/layer.h"

namespace edge::train {

using NodeId = int;

class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // Declares the input; sample_shape has no batch axis, e.g. {180} or {173, 173, 1}.
  NodeId input(const Shape& sample_shape);
  // Adds `layer` fed by `inputs` and returns its node. An empty name becomes
  // "<kind>_<node>". Throws edge::Error on unknown nodes or shape mismatches.
  NodeId add(std::unique_ptr<Layer> layer, const std::vector<NodeId>& inputs,
             const std::string& name = "");
  NodeId add(std::unique_ptr<Layer> layer, NodeId input, const std::string& name = "") {
    return add(std::move(layer), std::vector<NodeId>{input}, name);
  }
  // The output node; defaults to the last node added.
  void set_output(NodeId node);
  NodeId output() const;

  const Shape& input_shape() const;
  const Shape& output_shape() const { return node_shape(output()); }
  const Shape& node_shape(NodeId node) const;

  // Draws every layer's initial weights from one Rng seeded with `seed`.
  void initialize(uint64_t seed, Init init = Init::kHeNormal);

  // x: [N] + input_shape(). Returns the output activation ([N] + output_shape()).
  const Tensor& forward(const Tensor& x, const Context& ctx);
  // grad_output: d(loss)/d(output) for the batch of the last forward.
  void backward(const Tensor& grad_output, Tensor* grad_input = nullptr);

  // Every parameter (trainable and statistics) in layer order.
  std::vector<Param*> parameters();
  int64_t parameter_count(bool trainable_only = false) const;
  void zero_grad();
  void apply_statistics();
  void take_statistics();

  std::unique_ptr<Model> replica() const;

  // Layers in node order (node = layer index + 1; node 0 is the input).
  size_t num_layers() const;
  Layer& layer(size_t index);
  const Layer& layer(size_t index) const;
  const std::vector<NodeId>& layer_inputs(size_t index) const;
  // The layer called `name`, and its index; throw edge::Error naming it and listing the
  // model's layers when there is none.
  Layer& layer(const std::string& name);
  size_t layer_index(const std::string& name) const;

  // Matrix-product FLOPs of one forward pass over `batch` samples.
  int64_t forward_gemm_flops(int batch) const;
  // One line per layer: name, kind, inputs, output shape, parameter count.
  std::string summary() const;

  // All parameter values concatenated in parameters() order (for
  // restore-best-weights and checkpoints); the vector is resized as needed.
  void save_values(std::vector<float>* values) const;
  void load_values(const std::vector<float>& values);

 private:
  struct Node;
  std::vector<std::unique_ptr<Node>> nodes_;
  NodeId output_ = -1;
  const Tensor* input_ = nullptr;  // of the last forward
};

}  // namespace edge::train
