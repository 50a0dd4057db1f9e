#include "train/model.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace edge::train {

struct Model::Node {
  std::unique_ptr<Layer> layer;  // null for the input node
  std::vector<NodeId> inputs;
  Shape shape;  // per sample
  Tensor output;
  Tensor grad;
  bool grad_ready = false;
  // Pre-sized argument lists, so forward/backward do not allocate.
  std::vector<const Tensor*> input_ptrs;
  std::vector<Tensor*> grad_ptrs;
  std::vector<Tensor> grad_scratch;  // per input slot, when that input already has a gradient
};

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

NodeId Model::input(const Shape& sample_shape) {
  if (!nodes_.empty()) throw Error("Model::input: the model already has an input");
  for (int32_t d : sample_shape)
    if (d < 1)
      throw Error(
          msg("Model::input: every dimension must be >= 1, got ", shape_to_string(sample_shape)));
  auto node = std::make_unique<Node>();
  node->shape = sample_shape;
  nodes_.push_back(std::move(node));
  output_ = 0;
  return 0;
}

NodeId Model::add(std::unique_ptr<Layer> layer, const std::vector<NodeId>& inputs,
                  const std::string& name) {
  if (!layer) throw Error("Model::add: null layer");
  const NodeId id = NodeId(nodes_.size());
  std::string layer_name = name;
  if (layer_name.empty()) {
    layer_name = layer->kind();
    std::transform(layer_name.begin(), layer_name.end(), layer_name.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    layer_name += "_" + std::to_string(id);
  }
  for (const auto& node : nodes_)
    if (node->layer && node->layer->name() == layer_name)
      throw Error(msg("Model::add: a layer named '", layer_name, "' already exists"));
  if (nodes_.empty())
    throw Error(msg("Model::add: layer '", layer_name, "': declare the input first"));
  if (inputs.empty()) throw Error(msg("Model::add: layer '", layer_name, "' has no inputs"));
  std::vector<Shape> shapes;
  for (NodeId in : inputs) {
    if (in < 0 || in >= id)
      throw Error(msg("Model::add: layer '", layer_name, "' (", layer->kind(), ") input node ", in,
                      " does not exist (nodes 0..", id - 1, " so far)"));
    shapes.push_back(nodes_[size_t(in)]->shape);
  }
  layer->set_name(layer_name);
  layer->set_index(id);
  auto node = std::make_unique<Node>();
  node->shape = layer->build(shapes);
  node->layer = std::move(layer);
  node->inputs = inputs;
  node->input_ptrs.resize(inputs.size());
  node->grad_ptrs.resize(inputs.size());
  node->grad_scratch.resize(inputs.size());
  nodes_.push_back(std::move(node));
  output_ = id;
  return id;
}

void Model::set_output(NodeId node) {
  if (node < 0 || size_t(node) >= nodes_.size())
    throw Error(msg("Model::set_output: node ", node, " does not exist"));
  output_ = node;
}

NodeId Model::output() const {
  if (nodes_.empty()) throw Error("Model: no input declared");
  return output_;
}

const Shape& Model::input_shape() const {
  if (nodes_.empty()) throw Error("Model: no input declared");
  return nodes_[0]->shape;
}

const Shape& Model::node_shape(NodeId node) const {
  if (node < 0 || size_t(node) >= nodes_.size())
    throw Error(msg("Model: node ", node, " does not exist"));
  return nodes_[size_t(node)]->shape;
}

void Model::initialize(uint64_t seed, Init init) {
  Rng rng(seed);
  for (auto& node : nodes_)
    if (node->layer) node->layer->initialize(rng, init);
}

const Tensor& Model::forward(const Tensor& x, const Context& ctx) {
  const Shape& expected = input_shape();
  if (x.rank() != int(expected.size()) + 1 ||
      !std::equal(expected.begin(), expected.end(), x.shape().begin() + 1))
    throw Error(msg("model input: expected [batch] + ", shape_to_string(expected), ", got ",
                    shape_to_string(x.shape())));
  input_ = &x;
  for (NodeId id = 1; id <= output_; ++id) {
    Node& node = *nodes_[size_t(id)];
    for (size_t i = 0; i < node.inputs.size(); ++i)
      node.input_ptrs[i] = node.inputs[i] == 0 ? &x : &nodes_[size_t(node.inputs[i])]->output;
    node.layer->forward(node.input_ptrs, &node.output, ctx);
  }
  return output_ == 0 ? x : nodes_[size_t(output_)]->output;
}

void Model::backward(const Tensor& grad_output, Tensor* grad_input) {
  if (!input_) throw Error("Model::backward called before forward");
  for (auto& node : nodes_) node->grad_ready = false;
  Node& out = *nodes_[size_t(output_)];
  if (grad_output.shape() != (output_ == 0 ? input_->shape() : out.output.shape()))
    throw Error(msg("Model::backward: gradient shape ", shape_to_string(grad_output.shape()),
                    " differs from the output shape ", shape_to_string(out.output.shape())));
  out.grad.resize(grad_output.shape());
  out.grad.vector() = grad_output.vector();
  out.grad_ready = true;
  for (NodeId id = output_; id >= 1; --id) {
    Node& node = *nodes_[size_t(id)];
    if (!node.grad_ready) continue;  // does not reach the output
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const NodeId in = node.inputs[i];
      Node& source = *nodes_[size_t(in)];
      node.input_ptrs[i] = in == 0 ? input_ : &source.output;
      if (in == 0 && !grad_input) {
        node.grad_ptrs[i] = nullptr;
      } else if (!source.grad_ready) {
        node.grad_ptrs[i] = &source.grad;
        source.grad_ready = true;
      } else {
        node.grad_ptrs[i] = &node.grad_scratch[i];
      }
    }
    node.layer->backward(node.input_ptrs, node.output, node.grad, node.grad_ptrs);
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.grad_ptrs[i] == &node.grad_scratch[i])
        nodes_[size_t(node.inputs[i])]->grad.vector() += node.grad_scratch[i].vector();
  }
  if (grad_input) {
    Node& in = *nodes_[0];
    grad_input->resize(input_->shape());
    if (in.grad_ready)
      grad_input->vector() = in.grad.vector();
    else
      grad_input->set_zero();
  }
}

std::vector<Param*> Model::parameters() {
  std::vector<Param*> all;
  for (auto& node : nodes_)
    if (node->layer)
      for (Param& p : node->layer->params()) all.push_back(&p);
  return all;
}

int64_t Model::parameter_count(bool trainable_only) const {
  int64_t count = 0;
  for (const auto& node : nodes_)
    if (node->layer)
      for (const Param& p : node->layer->params())
        if (p.trainable || !trainable_only) count += p.value->size();
  return count;
}

void Model::zero_grad() {
  for (auto& node : nodes_)
    if (node->layer)
      for (Param& p : node->layer->params()) p.grad.set_zero();
}

void Model::take_statistics() {
  for (auto& node : nodes_)
    if (node->layer) node->layer->take_statistics();
}

void Model::apply_statistics() {
  for (auto& node : nodes_)
    if (node->layer) node->layer->apply_statistics();
}

std::unique_ptr<Model> Model::replica() const {
  auto copy = std::make_unique<Model>();
  for (const auto& node : nodes_) {
    auto n = std::make_unique<Node>();
    if (node->layer) n->layer = node->layer->clone_shared();
    n->inputs = node->inputs;
    n->shape = node->shape;
    n->input_ptrs.resize(node->inputs.size());
    n->grad_ptrs.resize(node->inputs.size());
    n->grad_scratch.resize(node->inputs.size());
    copy->nodes_.push_back(std::move(n));
  }
  copy->output_ = output_;
  return copy;
}

size_t Model::num_layers() const { return nodes_.empty() ? 0 : nodes_.size() - 1; }

Layer& Model::layer(size_t index) {
  if (index >= num_layers())
    throw Error(msg("Model::layer: index ", index, " out of range (", num_layers(), " layers)"));
  return *nodes_[index + 1]->layer;
}

const Layer& Model::layer(size_t index) const { return const_cast<Model*>(this)->layer(index); }

const std::vector<NodeId>& Model::layer_inputs(size_t index) const {
  layer(index);
  return nodes_[index + 1]->inputs;
}

Layer& Model::layer(const std::string& name) { return layer(layer_index(name)); }

size_t Model::layer_index(const std::string& name) const {
  for (size_t i = 0; i < num_layers(); ++i)
    if (layer(i).name() == name) return i;
  std::string names;
  for (size_t i = 0; i < num_layers(); ++i) names += (i ? ", " : "") + layer(i).name();
  throw Error(msg("no layer \"", name, "\" (layers: ", names, ")"));
}

int64_t Model::forward_gemm_flops(int batch) const {
  int64_t flops = 0;
  for (const auto& node : nodes_)
    if (node->layer) flops += node->layer->forward_gemm_flops(batch);
  return flops;
}

std::string Model::summary() const {
  std::ostringstream out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = *nodes_[i];
    if (!node.layer) {
      out << "input                 [batch] + " << shape_to_string(node.shape) << "\n";
      continue;
    }
    int64_t count = 0;
    for (const Param& p : node.layer->params()) count += p.value->size();
    std::string from;
    for (NodeId in : node.inputs)
      from += (from.empty() ? "" : ",") +
              (in == 0 ? std::string("input") : nodes_[size_t(in)]->layer->name());
    out << node.layer->name() << " (" << node.layer->kind() << ") <- " << from << "  "
        << shape_to_string(node.shape) << "  " << count << " params\n";
  }
  out << "total " << parameter_count() << " params (" << parameter_count(true) << " trainable)\n";
  return out.str();
}

void Model::save_values(std::vector<float>* values) const {
  values->resize(size_t(parameter_count()));
  size_t at = 0;
  for (const auto& node : nodes_)
    if (node->layer)
      for (const Param& p : node->layer->params()) {
        std::memcpy(values->data() + at, p.value->data(), sizeof(float) * size_t(p.value->size()));
        at += size_t(p.value->size());
      }
}

void Model::load_values(const std::vector<float>& values) {
  if (int64_t(values.size()) != parameter_count())
    throw Error(msg("Model::load_values: got ", values.size(), " values, the model has ",
                    parameter_count()));
  size_t at = 0;
  for (auto& node : nodes_)
    if (node->layer)
      for (Param& p : node->layer->params()) {
        std::memcpy(p.value->data(), values.data() + at, sizeof(float) * size_t(p.value->size()));
        at += size_t(p.value->size());
      }
}

}  // namespace edge::train
