#include "train/export_ir.h"

#include <cstring>

#include "common/error.h"
#include "train/activation.h"
#include "train/batchnorm.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/pool.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

nn::Padding to_ir(Padding padding) {
  return padding == Padding::kSame ? nn::Padding::kSame : nn::Padding::kValid;
}

bool is_weighted(const Layer& layer) {
  return dynamic_cast<const Dense*>(&layer) || dynamic_cast<const Conv2D*>(&layer) ||
         dynamic_cast<const DepthwiseConv2D*>(&layer);
}

class Exporter {
 public:
  Exporter(const Model& model, const ExportOptions& options) : model_(model), options_(options) {
    if (options.batch < 1) throw Error(msg("export_ir: batch must be >= 1, got ", options.batch));
    const size_t nodes = model.num_layers() + 1;
    consumers_.assign(nodes, {});
    for (size_t i = 0; i < model.num_layers(); ++i) {
      for (NodeId in : model.layer_inputs(i)) consumers_[size_t(in)].push_back(NodeId(i + 1));
    }
    tensor_of_.assign(nodes, -1);
    absorbed_.assign(nodes, false);
  }

  nn::Model run() {
    ir_.set_description(options_.description);
    tensor_of_[0] = activation_tensor("input", model_.input_shape());
    ir_.set_inputs({tensor_of_[0]});
    for (size_t i = 0; i < model_.num_layers(); ++i) {
      const NodeId node = NodeId(i + 1);
      if (!absorbed_[size_t(node)]) export_layer(i);
    }
    int32_t out = tensor_of_[size_t(model_.output())];
    if (options_.softmax) {
      const int32_t probs = activation_tensor("softmax", model_.output_shape());
      add_op(nn::Op::kSoftmax, {out}, probs, nn::SoftmaxOptions{});
      out = probs;
    }
    ir_.set_outputs({out});
    add_metadata();
    ir_.validate();
    return std::move(ir_);
  }

 private:
  int32_t activation_tensor(const std::string& name, const Shape& sample_shape) {
    nn::Tensor t;
    t.name = name;
    t.type = DType::kFloat32;
    t.shape = batched(options_.batch, sample_shape);
    return ir_.add_tensor(std::move(t));
  }

  int32_t float_constant(const std::string& name, const Shape& shape, const float* data) {
    nn::Tensor t;
    t.name = name;
    t.type = DType::kFloat32;
    t.shape = shape;
    t.is_constant = true;
    const size_t bytes = size_t(shape_elements(shape)) * sizeof(float);
    return ir_.add_constant(std::move(t), data, bytes);
  }

  int32_t int_constant(const std::string& name, const std::vector<int32_t>& values) {
    nn::Tensor t;
    t.name = name;
    t.type = DType::kInt32;
    t.shape = {int32_t(values.size())};
    t.is_constant = true;
    return ir_.add_constant(std::move(t), values.data(), values.size() * sizeof(int32_t));
  }

  void add_op(nn::Op op, std::vector<int32_t> inputs, int32_t output, nn::OpOptions options) {
    nn::Operator o;
    o.op = op;
    o.inputs = std::move(inputs);
    o.outputs = {output};
    o.options = std::move(options);
    ir_.add_operator(std::move(o));
  }

  // The node's only consumer, or -1 when it has none, several, or is the output.
  NodeId sole_consumer(NodeId node) const {
    if (node == model_.output() || consumers_[size_t(node)].size() != 1) return -1;
    return consumers_[size_t(node)][0];
  }
  const Layer& layer_of(NodeId node) const { return model_.layer(size_t(node - 1)); }

  int32_t input_tensor(size_t layer_index, size_t k = 0) const {
    return tensor_of_[size_t(model_.layer_inputs(layer_index)[k])];
  }

  void export_layer(size_t index) {
    const Layer& layer = model_.layer(index);
    const NodeId node = NodeId(index + 1);
    const std::string& name = layer.name();
    if (is_weighted(layer)) {
      export_weighted(index);
      return;
    }
    const int32_t in = input_tensor(index);
    auto output = [&]() {
      const int32_t t = activation_tensor(name, model_.node_shape(node));
      tensor_of_[size_t(node)] = t;
      return t;
    };
    if (dynamic_cast<const Dropout*>(&layer) || std::string(layer.kind()) == "FakeQuant") {
      tensor_of_[size_t(node)] = in;
    } else if (dynamic_cast<const ReLU*>(&layer)) {
      add_op(nn::Op::kRelu, {in}, output(), std::monostate{});
    } else if (dynamic_cast<const ReLU6*>(&layer)) {
      add_op(nn::Op::kRelu6, {in}, output(), std::monostate{});
    } else if (const auto* pool = dynamic_cast<const MaxPool2D*>(&layer)) {
      add_op(nn::Op::kMaxPool2D, {in}, output(), pool_options(pool->window()));
    } else if (const auto* pool = dynamic_cast<const AveragePool2D*>(&layer)) {
      add_op(nn::Op::kAveragePool2D, {in}, output(), pool_options(pool->window()));
    } else if (dynamic_cast<const GlobalAveragePool*>(&layer)) {
      const int32_t axes = int_constant(name + "/axes", {1, 2});
      add_op(nn::Op::kMean, {in, axes}, output(), nn::ReducerOptions{});
    } else if (dynamic_cast<const Flatten*>(&layer)) {
      const Shape& shape = model_.node_shape(node);
      nn::ReshapeOptions o;
      o.has_new_shape = true;
      o.new_shape = {options_.batch, shape[0]};
      const int32_t target = int_constant(name + "/shape", o.new_shape);
      add_op(nn::Op::kReshape, {in, target}, output(), o);
    } else if (dynamic_cast<const Concatenate*>(&layer)) {
      std::vector<int32_t> inputs;
      for (size_t k = 0; k < model_.layer_inputs(index).size(); ++k) {
        inputs.push_back(input_tensor(index, k));
      }
      nn::ConcatenationOptions o;
      o.axis = int32_t(model_.node_shape(node).size());  // last axis of the batched shape
      add_op(nn::Op::kConcatenation, inputs, output(), o);
    } else if (dynamic_cast<const BatchNorm*>(&layer)) {
      throw Error(msg("export_ir: layer '", name,
                      "' (BatchNorm) does not follow a Dense, Conv2D or DepthwiseConv2D layer "
                      "that feeds only it, so it cannot be folded"));
    } else {
      throw Error(
          msg("export_ir: layer '", name, "' (", layer.kind(), ") has no inference mapping"));
    }
  }

  static nn::Pool2DOptions pool_options(const Window2D& w) {
    nn::Pool2DOptions o;
    o.padding = to_ir(w.padding);
    o.stride_h = w.stride_h;
    o.stride_w = w.stride_w;
    o.filter_h = w.kernel_h;
    o.filter_w = w.kernel_w;
    return o;
  }

  void export_weighted(size_t index) {
    const Layer& layer = model_.layer(index);
    NodeId last = NodeId(index + 1);
    // Fold a following BatchNorm, then fuse a following activation.
    Tensor kernel = *layer.param("kernel").value;
    Tensor bias;
    std::vector<NodeId> merged{last};  // nodes whose activation the one operator produces
    const NodeId next = sole_consumer(last);
    if (next > 0 && dynamic_cast<const BatchNorm*>(&layer_of(next))) {
      FoldedWeights folded = fold_batchnorm(layer, static_cast<const BatchNorm&>(layer_of(next)));
      kernel = std::move(folded.kernel);
      bias = std::move(folded.bias);
      absorbed_[size_t(next)] = true;
      last = next;
      merged.push_back(next);
    }
    nn::Activation activation = nn::Activation::kNone;
    const NodeId act = sole_consumer(last);
    if (act > 0 && dynamic_cast<const ReLU*>(&layer_of(act))) activation = nn::Activation::kRelu;
    if (act > 0 && dynamic_cast<const ReLU6*>(&layer_of(act))) activation = nn::Activation::kRelu6;
    if (activation != nn::Activation::kNone) {
      absorbed_[size_t(act)] = true;
      last = act;
      merged.push_back(act);
    }

    const std::string& name = layer.name();
    const int32_t in = input_tensor(index);
    const int32_t kernel_t = float_constant(name + "/kernel", kernel.shape(), kernel.data());
    if (bias.size() == 0) {
      const int channels = dynamic_cast<const Dense*>(&layer) || dynamic_cast<const Conv2D*>(&layer)
                               ? kernel.dim(0)
                               : kernel.dim(kernel.rank() - 1);
      bias.resize({channels});
      bias.set_zero();
      for (const Param& p : layer.params()) {
        if (p.name == "bias") std::memcpy(bias.data(), p.value->data(), size_t(channels) * 4);
      }
    }
    const int32_t bias_t = float_constant(name + "/bias", bias.shape(), bias.data());
    const int32_t out = activation_tensor(layer_of(last).name(), model_.node_shape(last));
    for (NodeId n : merged) tensor_of_[size_t(n)] = out;

    if (dynamic_cast<const Dense*>(&layer)) {
      nn::FullyConnectedOptions o;
      o.activation = activation;
      add_op(nn::Op::kFullyConnected, {in, kernel_t, bias_t}, out, o);
    } else if (const auto* conv = dynamic_cast<const Conv2D*>(&layer)) {
      const Window2D& w = conv->window();
      nn::Conv2DOptions o;
      o.padding = to_ir(w.padding);
      o.stride_h = w.stride_h;
      o.stride_w = w.stride_w;
      o.dilation_h = w.dilation_h;
      o.dilation_w = w.dilation_w;
      o.activation = activation;
      add_op(nn::Op::kConv2D, {in, kernel_t, bias_t}, out, o);
    } else {
      const auto& dw = static_cast<const DepthwiseConv2D&>(layer);
      const Window2D& w = dw.window();
      nn::DepthwiseConv2DOptions o;
      o.padding = to_ir(w.padding);
      o.stride_h = w.stride_h;
      o.stride_w = w.stride_w;
      o.dilation_h = w.dilation_h;
      o.dilation_w = w.dilation_w;
      o.depth_multiplier = dw.depth_multiplier();
      o.activation = activation;
      add_op(nn::Op::kDepthwiseConv2D, {in, kernel_t, bias_t}, out, o);
    }
  }

  void add_entry(const std::string& name, const std::string& bytes) {
    nn::MetadataEntry entry;
    entry.name = name;
    entry.data = ir_.adopt_bytes(bytes.data(), bytes.size());
    entry.size = bytes.size();
    ir_.add_metadata(std::move(entry));
  }

  void add_metadata() {
    if (!options_.labels.empty()) {
      const Shape& out = model_.output_shape();
      if (out.size() != 1 || size_t(out[0]) != options_.labels.size()) {
        throw Error(msg("export_ir: ", options_.labels.size(),
                        " labels given for an output of shape ", shape_to_string(out)));
      }
      std::string joined;
      for (size_t i = 0; i < options_.labels.size(); ++i) {
        const std::string& label = options_.labels[i];
        if (label.empty() || label.find_first_of("\r\n") != std::string::npos) {
          throw Error(
              msg("export_ir: label ", i, " '", label, "' must be non-empty and on one line"));
        }
        if (i > 0) joined += '\n';
        joined += label;
      }
      add_entry(nn::kLabelsMetadataName, joined);
    }
    for (const auto& [name, bytes] : options_.metadata) add_entry(name, bytes);
  }

  const Model& model_;
  const ExportOptions& options_;
  nn::Model ir_;
  std::vector<std::vector<NodeId>> consumers_;
  std::vector<int32_t> tensor_of_;  // IR tensor holding each node's activation
  std::vector<bool> absorbed_;      // folded BatchNorm / fused activation nodes
};

}  // namespace

nn::Model export_ir(const Model& model, const ExportOptions& options) {
  return Exporter(model, options).run();
}

}  // namespace edge::train
