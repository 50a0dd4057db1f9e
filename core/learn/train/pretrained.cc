#include "train/pretrained.h"

#include <cstring>

#include "common/error.h"
#include "train/conv.h"
#include "train/dense.h"
#include "train/layer_weights.h"

namespace edge::train {
namespace {

bool is_weighted(nn::Op op) {
  return op == nn::Op::kConv2D || op == nn::Op::kDepthwiseConv2D || op == nn::Op::kFullyConnected;
}

const char* layer_kind_for(nn::Op op) {
  switch (op) {
    case nn::Op::kConv2D:
      return "Conv2D";
    case nn::Op::kDepthwiseConv2D:
      return "DepthwiseConv2D";
    default:
      return "Dense";
  }
}

// The trainer's activation layer kind that matches a fused activation, "" for none.
std::string activation_kind(nn::Activation a) {
  switch (a) {
    case nn::Activation::kNone:
      return "";
    case nn::Activation::kRelu:
      return "ReLU";
    case nn::Activation::kRelu6:
      return "ReLU6";
    default:
      return nn::activation_name(a);
  }
}

nn::Activation fused_activation(const nn::Operator& op) {
  if (auto* o = op.options_as<nn::Conv2DOptions>()) return o->activation;
  if (auto* o = op.options_as<nn::DepthwiseConv2DOptions>()) return o->activation;
  if (auto* o = op.options_as<nn::FullyConnectedOptions>()) return o->activation;
  return nn::Activation::kNone;
}

// The one layer fed by layer `index` alone, or null (none, or several consumers).
const Layer* only_consumer(const Model& model, size_t index) {
  const Layer* found = nullptr;
  for (size_t j = index + 1; j < model.num_layers(); ++j) {
    for (NodeId in : model.layer_inputs(j)) {
      if (in != NodeId(index + 1)) continue;
      if (found) return nullptr;
      found = &model.layer(j);
    }
  }
  return found;
}

void check_window(const std::string& where, const Window2D& w, int32_t stride_h, int32_t stride_w,
                  int32_t dilation_h, int32_t dilation_w, nn::Padding padding) {
  const Padding p = padding == nn::Padding::kSame ? Padding::kSame : Padding::kValid;
  // A 1x1 kernel pads nothing either way.
  const bool same_padding = w.padding == p || (w.kernel_h == 1 && w.kernel_w == 1);
  if (w.stride_h != stride_h || w.stride_w != stride_w || w.dilation_h != dilation_h ||
      w.dilation_w != dilation_w || !same_padding)
    throw Error(msg(where, ": the file has stride [", stride_h, ", ", stride_w, "], dilation [",
                    dilation_h, ", ", dilation_w, "], padding ",
                    p == Padding::kSame ? "same" : "valid", "; the layer has stride [", w.stride_h,
                    ", ", w.stride_w, "], dilation [", w.dilation_h, ", ", w.dilation_w,
                    "], padding ", w.padding == Padding::kSame ? "same" : "valid"));
}

}  // namespace

std::vector<std::string> load_pretrained_weights(Model& model, const nn::Model& source,
                                                 const std::vector<std::string>& layers) {
  std::vector<size_t> weighted;
  const auto& ops = source.operators();
  for (size_t i = 0; i < ops.size(); ++i)
    if (is_weighted(ops[i].op)) weighted.push_back(i);
  if (weighted.size() < layers.size())
    throw Error(msg(source.source(), ": ", layers.size(),
                    " layers are to take its weights, it has ", weighted.size(),
                    " weighted operators (CONV_2D, DEPTHWISE_CONV_2D, "
                    "FULLY_CONNECTED)"));
  std::vector<std::string> log;
  for (size_t k = 0; k < layers.size(); ++k) {
    const size_t op_index = weighted[k];
    const nn::Operator& op = ops[op_index];
    const std::string where = msg(source.source(), ": operator ", op_index, " (", op.name(),
                                  ") -> layer \"", layers[k], "\"");
    try {
      const size_t index = model.layer_index(layers[k]);
      Layer& layer = model.layer(index);
      if (std::string(layer.kind()) != layer_kind_for(op.op))
        throw Error(
            msg("the layer is ", layer.kind(), ", the operator needs ", layer_kind_for(op.op)));
      if (auto* c = dynamic_cast<const Conv2D*>(&layer)) {
        const auto* o = op.options_as<nn::Conv2DOptions>();
        check_window(where, c->window(), o->stride_h, o->stride_w, o->dilation_h, o->dilation_w,
                     o->padding);
      } else if (auto* d = dynamic_cast<const DepthwiseConv2D*>(&layer)) {
        const auto* o = op.options_as<nn::DepthwiseConv2DOptions>();
        check_window(where, d->window(), o->stride_h, o->stride_w, o->dilation_h, o->dilation_w,
                     o->padding);
      }
      const std::string want = activation_kind(fused_activation(op));
      const Layer* next = only_consumer(model, index);
      const std::string has =
          next && (std::string(next->kind()) == "ReLU" || std::string(next->kind()) == "ReLU6")
              ? next->kind()
              : "";
      if (want != has)
        throw Error(msg("the file fuses ", want.empty() ? "no activation" : want,
                        " into the operator, the layer is followed by ",
                        has.empty() ? "no activation" : has,
                        want.empty() ? ""
                                     : " (give the layer activation = \"" +
                                           std::string(want == "ReLU" ? "relu" : "relu6") + "\")"));
      if (op.inputs.size() < 2 || op.inputs[1] < 0) throw Error("it has no kernel");
      const nn::Tensor& kernel = source.tensor(op.inputs[1]);
      const bool has_bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
      set_layer_weights(layer, kernel, has_bias ? &source.tensor(op.inputs[2]) : nullptr);
      log.push_back(msg(layers[k], " <- operator ", op_index, " ", op.name(), " kernel ",
                        shape_to_string(kernel.shape), " ", dtype_name(kernel.type)));
    } catch (const Error& e) {
      const std::string text = e.what();
      if (text.rfind(where, 0) == 0) throw;
      throw Error(msg(where, ": ", text));
    }
  }
  return log;
}

}  // namespace edge::train
