#include "train/import_ir.h"

#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "common/error.h"
#include "train/activation.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/layer_weights.h"
#include "train/pool.h"
#include "train/shape_ops.h"

namespace edge::train {
namespace {

Padding from_ir(nn::Padding padding) {
  return padding == nn::Padding::kSame ? Padding::kSame : Padding::kValid;
}

class Importer {
 public:
  explicit Importer(const nn::Model& ir) : ir_(ir) {}

  ImportResult run() {
    if (ir_.inputs().size() != 1 || ir_.outputs().size() != 1) {
      throw Error(msg(ir_.source(),
                      ": import needs one graph input and one graph output, the "
                      "model has ",
                      ir_.inputs().size(), " inputs and ", ir_.outputs().size(), " outputs"));
    }
    for (const nn::Tensor& t : ir_.tensors()) {
      if (t.type == DType::kFloat32 || (t.is_constant && t.type == DType::kInt32)) continue;
      throw Error(msg(ir_.source(), ": tensor '", t.name, "' is ", dtype_name(t.type),
                      "; only float32 models can be imported for training (import the float "
                      "model, then quantize after fine-tuning)"));
    }
    const nn::Tensor& input = ir_.input(0);
    if (input.shape.size() < 2 || input.shape[0] < 1) {
      throw Error(msg(ir_.source(), ": input '", input.name, "' has shape ",
                      shape_to_string(input.shape),
                      "; import needs a batch axis and at least one sample axis"));
    }
    result_.batch = input.shape[0];
    node_of_.assign(ir_.tensors().size(), -1);
    node_of_[size_t(ir_.inputs()[0])] =
        result_.model.input(Shape(input.shape.begin() + 1, input.shape.end()));
    names_.insert("input");

    const auto& ops = ir_.operators();
    for (size_t i = 0; i < ops.size(); ++i) import_op(i);

    const int32_t out = ir_.outputs()[0];
    const NodeId out_node = node_of_[size_t(out)];
    if (out_node < 0) {
      throw Error(msg(ir_.source(), ": graph output '", ir_.tensor(out).name,
                      "' is not produced by an imported operator"));
    }
    result_.model.set_output(out_node);
    return std::move(result_);
  }

 private:
  std::string where(size_t i) const {
    return msg(ir_.source(), ": operator ", i, " (", nn::op_name(ir_.operators()[i].op), ")");
  }

  template <typename... Parts>
  [[noreturn]] void fail(size_t i, Parts&&... parts) const {
    throw Error(msg(where(i), ": ", std::forward<Parts>(parts)...));
  }

  NodeId node_in(size_t i, size_t k) const {
    const nn::Operator& op = ir_.operators()[i];
    if (k >= op.inputs.size() || op.inputs[k] < 0) fail(i, "input ", k, " is missing");
    const NodeId n = node_of_[size_t(op.inputs[k])];
    if (n < 0) {
      fail(i, "input '", ir_.tensor(op.inputs[k]).name,
           "' is neither the graph input nor the output of an imported operator");
    }
    return n;
  }

  const nn::Tensor& constant_in(size_t i, size_t k, const char* what) const {
    const nn::Operator& op = ir_.operators()[i];
    if (k >= op.inputs.size() || op.inputs[k] < 0) fail(i, "has no ", what);
    const nn::Tensor& t = ir_.tensor(op.inputs[k]);
    if (!t.is_constant || t.data == nullptr) {
      fail(i, what, " '", t.name, "' is not constant; only constant weights can be imported");
    }
    return t;
  }

  std::vector<int32_t> int_values(size_t i, size_t k, const char* what) const {
    const nn::Tensor& t = constant_in(i, k, what);
    if (t.type != DType::kInt32) fail(i, what, " '", t.name, "' is not int32");
    std::vector<int32_t> values(size_t(t.elements()));
    std::memcpy(values.data(), t.data, values.size() * sizeof(int32_t));
    return values;
  }

  const nn::Tensor& output_tensor(size_t i) const {
    const nn::Operator& op = ir_.operators()[i];
    if (op.outputs.size() != 1) fail(i, "has ", op.outputs.size(), " outputs, expected 1");
    return ir_.tensor(op.outputs[0]);
  }

  std::string unique(std::string name) {
    if (name.empty()) name = "layer";
    std::string candidate = name;
    for (int k = 2; names_.count(candidate); ++k) candidate = name + "_" + std::to_string(k);
    names_.insert(candidate);
    return candidate;
  }

  // Adds `layer` and checks its inferred per-sample shape against the IR's.
  NodeId add(size_t i, std::unique_ptr<Layer> layer, std::vector<NodeId> inputs,
             const std::string& name) {
    NodeId node = -1;
    try {
      node = result_.model.add(std::move(layer), inputs, unique(name));
    } catch (const Error& e) {
      fail(i, e.what());
    }
    return node;
  }

  void check_shape(size_t i, NodeId node) const {
    const nn::Tensor& out = output_tensor(i);
    const Shape& got = result_.model.node_shape(node);
    Shape want = out.shape;
    if (want.empty() || want[0] != result_.batch) {
      fail(i, "output '", out.name, "' has shape ", shape_to_string(out.shape), ", expected batch ",
           result_.batch, " outermost");
    }
    want.erase(want.begin());
    if (got != want) {
      fail(i, "output '", out.name, "' has per-sample shape ", shape_to_string(want),
           " in the file but ", shape_to_string(got), " when rebuilt for training");
    }
  }

  // Adds the fused activation after `node`; returns the node holding the output.
  NodeId fuse(size_t i, NodeId node, nn::Activation activation, const std::string& base) {
    switch (activation) {
      case nn::Activation::kNone:
        return node;
      case nn::Activation::kRelu:
        return add(i, std::make_unique<ReLU>(), {node}, base + "_relu");
      case nn::Activation::kRelu6:
        return add(i, std::make_unique<ReLU6>(), {node}, base + "_relu6");
      default:
        fail(i, "fused activation ", nn::activation_name(activation),
             " has no trainer layer (only RELU and RELU6)");
    }
  }

  void set_weights(size_t i, Layer& layer, const nn::Tensor& kernel, const nn::Tensor* bias) {
    try {
      set_layer_weights(layer, kernel, bias);
    } catch (const Error& e) {
      fail(i, e.what());
    }
  }

  static std::string weight_prefix(const nn::Tensor& kernel, const nn::Tensor& out) {
    const size_t slash = kernel.name.rfind('/');
    if (slash != std::string::npos && slash > 0) return kernel.name.substr(0, slash);
    return out.name;
  }

  const nn::Tensor* optional_bias(size_t i) const {
    const nn::Operator& op = ir_.operators()[i];
    if (op.inputs.size() < 3 || op.inputs[2] < 0) return nullptr;
    return &constant_in(i, 2, "bias");
  }

  void import_op(size_t i) {
    const nn::Operator& op = ir_.operators()[i];
    const nn::Tensor& out = output_tensor(i);
    NodeId node = -1;
    switch (op.op) {
      case nn::Op::kFullyConnected: {
        const auto* o = op.options_as<nn::FullyConnectedOptions>();
        if (o && o->keep_num_dims) fail(i, "keep_num_dims has no trainer equivalent");
        const nn::Tensor& kernel = constant_in(i, 1, "weights");
        if (kernel.shape.size() != 2) {
          fail(i, "weights '", kernel.name, "' have shape ", shape_to_string(kernel.shape),
               ", expected [units, inputs]");
        }
        const std::string base = weight_prefix(kernel, out);
        NodeId in = node_in(i, 0);
        if (result_.model.node_shape(in).size() != 1) {
          in = add(i, std::make_unique<Flatten>(), {in}, base + "_flatten");
        }
        const NodeId dense = add(i, std::make_unique<Dense>(kernel.shape[0]), {in}, base);
        set_weights(i, result_.model.layer(size_t(dense - 1)), kernel, optional_bias(i));
        node = fuse(i, dense, o ? o->activation : nn::Activation::kNone, base);
        break;
      }
      case nn::Op::kConv2D: {
        const auto* o = op.options_as<nn::Conv2DOptions>();
        const nn::Tensor& kernel = constant_in(i, 1, "filter");
        if (kernel.shape.size() != 4 || !o) fail(i, "filter must be OHWI with conv options");
        Window2D w;
        w.kernel_h = kernel.shape[1];
        w.kernel_w = kernel.shape[2];
        w.stride_h = o->stride_h;
        w.stride_w = o->stride_w;
        w.dilation_h = o->dilation_h;
        w.dilation_w = o->dilation_w;
        w.padding = from_ir(o->padding);
        const std::string base = weight_prefix(kernel, out);
        const NodeId conv =
            add(i, std::make_unique<Conv2D>(kernel.shape[0], w), {node_in(i, 0)}, base);
        set_weights(i, result_.model.layer(size_t(conv - 1)), kernel, optional_bias(i));
        node = fuse(i, conv, o->activation, base);
        break;
      }
      case nn::Op::kDepthwiseConv2D: {
        const auto* o = op.options_as<nn::DepthwiseConv2DOptions>();
        const nn::Tensor& kernel = constant_in(i, 1, "filter");
        const NodeId in = node_in(i, 0);
        const Shape& in_shape = result_.model.node_shape(in);
        if (kernel.shape.size() != 4 || kernel.shape[0] != 1 || !o || in_shape.size() != 3 ||
            in_shape[2] < 1 || kernel.shape[3] % in_shape[2] != 0) {
          fail(i, "filter '", kernel.name, "' of shape ", shape_to_string(kernel.shape),
               " does not fit an input of per-sample shape ", shape_to_string(in_shape));
        }
        Window2D w;
        w.kernel_h = kernel.shape[1];
        w.kernel_w = kernel.shape[2];
        w.stride_h = o->stride_h;
        w.stride_w = o->stride_w;
        w.dilation_h = o->dilation_h;
        w.dilation_w = o->dilation_w;
        w.padding = from_ir(o->padding);
        const std::string base = weight_prefix(kernel, out);
        const NodeId dw =
            add(i, std::make_unique<DepthwiseConv2D>(w, kernel.shape[3] / in_shape[2]), {in}, base);
        set_weights(i, result_.model.layer(size_t(dw - 1)), kernel, optional_bias(i));
        node = fuse(i, dw, o->activation, base);
        break;
      }
      case nn::Op::kMaxPool2D:
      case nn::Op::kAveragePool2D: {
        const auto* o = op.options_as<nn::Pool2DOptions>();
        if (!o) fail(i, "has no pool options");
        Window2D w;
        w.kernel_h = o->filter_h;
        w.kernel_w = o->filter_w;
        w.stride_h = o->stride_h;
        w.stride_w = o->stride_w;
        w.padding = from_ir(o->padding);
        std::unique_ptr<Layer> layer;
        if (op.op == nn::Op::kMaxPool2D)
          layer = std::make_unique<MaxPool2D>(w);
        else
          layer = std::make_unique<AveragePool2D>(w);
        const NodeId pool = add(i, std::move(layer), {node_in(i, 0)}, out.name);
        node = fuse(i, pool, o->activation, out.name);
        break;
      }
      case nn::Op::kMean: {
        const auto* o = op.options_as<nn::ReducerOptions>();
        const NodeId in = node_in(i, 0);
        const std::vector<int32_t> axes = int_values(i, 1, "axes");
        if (result_.model.node_shape(in).size() != 3 || axes != std::vector<int32_t>{1, 2} ||
            (o && o->keep_dims)) {
          fail(i,
               "only MEAN over axes {1, 2} of an NHWC tensor without keep_dims (global "
               "average pooling) can be imported");
        }
        node = add(i, std::make_unique<GlobalAveragePool>(), {in}, out.name);
        break;
      }
      case nn::Op::kReshape: {
        if (out.shape.size() != 2) {
          fail(i,
               "only a RESHAPE to [batch, features] (a flatten) can be imported, this one "
               "gives ",
               shape_to_string(out.shape));
        }
        node = add(i, std::make_unique<Flatten>(), {node_in(i, 0)}, out.name);
        break;
      }
      case nn::Op::kConcatenation: {
        const auto* o = op.options_as<nn::ConcatenationOptions>();
        const int32_t rank = int32_t(out.shape.size());
        if (!o || (o->axis != rank - 1 && o->axis != -1)) {
          fail(i, "only concatenation on the last axis can be imported");
        }
        std::vector<NodeId> inputs;
        for (size_t k = 0; k < op.inputs.size(); ++k) inputs.push_back(node_in(i, k));
        const NodeId cat = add(i, std::make_unique<Concatenate>(), inputs, out.name);
        node = fuse(i, cat, o->activation, out.name);
        break;
      }
      case nn::Op::kRelu:
        node = add(i, std::make_unique<ReLU>(), {node_in(i, 0)}, out.name);
        break;
      case nn::Op::kRelu6:
        node = add(i, std::make_unique<ReLU6>(), {node_in(i, 0)}, out.name);
        break;
      case nn::Op::kSoftmax: {
        const auto* o = op.options_as<nn::SoftmaxOptions>();
        if (i + 1 != ir_.operators().size() || op.outputs[0] != ir_.outputs()[0]) {
          fail(i,
               "SOFTMAX is only importable as the last operator producing the graph output "
               "(the trainer's softmax lives in its loss)");
        }
        if (o && o->beta != 1.0f) fail(i, "SOFTMAX beta ", o->beta, " is not 1");
        node_of_[size_t(op.outputs[0])] = node_in(i, 0);
        result_.softmax = true;
        return;
      }
      default:
        fail(i,
             "has no trainer layer; importable operators are FULLY_CONNECTED, CONV_2D, "
             "DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE, "
             "CONCATENATION, RELU, RELU6 and a final SOFTMAX");
    }
    check_shape(i, node);
    node_of_[size_t(op.outputs[0])] = node;
  }

  const nn::Model& ir_;
  ImportResult result_;
  std::vector<NodeId> node_of_;  // trainer node holding each IR tensor
  std::set<std::string> names_;
};

}  // namespace

ImportResult import_ir(const nn::Model& ir) { return Importer(ir).run(); }

}  // namespace edge::train
