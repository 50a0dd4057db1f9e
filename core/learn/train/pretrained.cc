#include "train/pretrained.h"

#include <cstring>

#include "common/error.h"
#include "train/conv.h"
#include "train/dense.h"

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

// A constant tensor's values as real numbers: float32 as is, int8 and int32 dequantized with the
// parameters of each value's channel (along the quantized dimension of a row-major tensor).
std::vector<float> real_values(const nn::Tensor& t) {
  const int64_t n = t.elements();
  std::vector<float> out(static_cast<size_t>(n));
  if (t.type == DType::kFloat32) {
    std::memcpy(out.data(), t.data, size_t(n) * sizeof(float));
    return out;
  }
  if (t.quant.empty())
    throw Error(msg("'", t.name, "' is ", dtype_name(t.type), " without quantization parameters"));
  const int dim = t.quant.per_channel() ? t.quant.quantized_dimension : 0;
  if (dim < 0 || dim >= int(t.shape.size()))
    throw Error(msg("'", t.name, "' has quantized dimension ", dim, " outside its shape ",
                    shape_to_string(t.shape)));
  const int64_t channels = t.shape.empty() ? 1 : t.shape[size_t(dim)];
  int64_t inner = 1;
  for (size_t d = size_t(dim) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  const size_t params = t.quant.scale.size();
  if (params != 1 && int64_t(params) != channels)
    throw Error(msg("'", t.name, "' has ", params, " scales for ", channels, " channels"));
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = params == 1 ? 0 : size_t((i / inner) % channels);
    const int64_t zero = c < t.quant.zero_point.size() ? t.quant.zero_point[c] : 0;
    int64_t q;
    if (t.type == DType::kInt8)
      q = reinterpret_cast<const int8_t*>(t.data)[i];
    else if (t.type == DType::kInt32)
      q = reinterpret_cast<const int32_t*>(t.data)[i];
    else
      throw Error(msg("'", t.name, "' is ", dtype_name(t.type),
                      "; weights must be float32 or int8, biases float32 or int32"));
    out[size_t(i)] = t.quant.scale[c] * float(q - zero);
  }
  return out;
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

size_t layer_index(const Model& model, const std::string& name) {
  for (size_t i = 0; i < model.num_layers(); ++i)
    if (model.layer(i).name() == name) return i;
  std::string names;
  for (size_t i = 0; i < model.num_layers(); ++i)
    names += (names.empty() ? "" : ", ") + model.layer(i).name();
  throw Error(msg("no layer \"", name, "\" (layers: ", names, ")"));
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
      const size_t index = layer_index(model, layers[k]);
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
      if (!kernel.is_constant || !kernel.data)
        throw Error(msg("kernel '", kernel.name, "' is not constant"));
      Tensor& layer_kernel = *layer.param("kernel").value;
      if (layer_kernel.shape() != kernel.shape)
        throw Error(msg("kernel '", kernel.name, "' has shape ", shape_to_string(kernel.shape),
                        ", the layer's is ", shape_to_string(layer_kernel.shape())));
      const std::vector<float> kv = real_values(kernel);
      std::memcpy(layer_kernel.data(), kv.data(), kv.size() * sizeof(float));
      const bool has_bias = op.inputs.size() > 2 && op.inputs[2] >= 0;
      bool layer_bias = false;
      for (const Param& p : layer.params()) layer_bias = layer_bias || p.name == "bias";
      if (has_bias && !layer_bias)
        throw Error("the file has a bias, the layer has none (use_bias = false)");
      if (layer_bias) {
        Tensor& b = *layer.param("bias").value;
        if (!has_bias) {
          b.set_zero();
        } else {
          const nn::Tensor& bias = source.tensor(op.inputs[2]);
          if (!bias.is_constant || !bias.data)
            throw Error(msg("bias '", bias.name, "' is not constant"));
          if (bias.elements() != b.size())
            throw Error(msg("bias '", bias.name, "' has ", bias.elements(), " values, the layer ",
                            b.size()));
          const std::vector<float> bv = real_values(bias);
          std::memcpy(b.data(), bv.data(), bv.size() * sizeof(float));
        }
      }
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
