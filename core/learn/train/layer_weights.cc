#include "train/layer_weights.h"

#include <cstring>

#include "common/error.h"

namespace edge::train {

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

void set_layer_weights(Layer& layer, const nn::Tensor& kernel, const nn::Tensor* bias) {
  if (!kernel.is_constant || !kernel.data)
    throw Error(msg("kernel '", kernel.name, "' is not constant"));
  Tensor& layer_kernel = *layer.param("kernel").value;
  if (layer_kernel.shape() != kernel.shape)
    throw Error(msg("kernel '", kernel.name, "' has shape ", shape_to_string(kernel.shape),
                    ", the layer's is ", shape_to_string(layer_kernel.shape())));
  const std::vector<float> kv = real_values(kernel);
  std::memcpy(layer_kernel.data(), kv.data(), kv.size() * sizeof(float));
  bool layer_bias = false;
  for (const Param& p : layer.params()) layer_bias = layer_bias || p.name == "bias";
  if (bias && !layer_bias)
    throw Error("the file has a bias, the layer has none (use_bias = false)");
  if (!layer_bias) return;
  Tensor& b = *layer.param("bias").value;
  if (!bias) {
    b.set_zero();
    return;
  }
  if (!bias->is_constant || !bias->data)
    throw Error(msg("bias '", bias->name, "' is not constant"));
  if (bias->elements() != b.size())
    throw Error(
        msg("bias '", bias->name, "' has ", bias->elements(), " values, the layer's ", b.size()));
  const std::vector<float> bv = real_values(*bias);
  std::memcpy(b.data(), bv.data(), bv.size() * sizeof(float));
}

}  // namespace edge::train
