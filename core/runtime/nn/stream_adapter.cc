#include "nn/stream_adapter.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "io/regular_file.h"
#include "nn/kernels/fast/quantize.h"
#include "nn/kernels/ref/quantize.h"

namespace edge::nn {

namespace {

// Dimensions of 1 do not change the row-major bytes, wherever they stand: leading ones
// (NNStreamer pads ranks with them), trailing ones (one channel of an NHWC image) and inner
// ones (a [T, C] window into a [1, T, 1, C] input: a 1-D convolution over time written as a
// 2-D one). So all of them are dropped before shapes are compared.
Shape drop_ones(const Shape& shape) {
  Shape core;
  for (const auto d : shape)
    if (d != 1) core.push_back(d);
  return core;
}

bool per_tensor_quantized(const Tensor& t) {
  return t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1;
}

template <typename T>
void dequantize_loop(const T* in, size_t n, double scale, int64_t zero_point, float* out) {
  for (size_t i = 0; i < n; ++i)
    out[i] =
        static_cast<float>(scale * static_cast<double>(static_cast<int64_t>(in[i]) - zero_point));
}

template <typename T>
void cast_loop(const T* in, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

}  // namespace

bool takes_any_shape(const Tensor& input) { return drop_ones(input.shape).size() <= 1; }

InputConversion fit_input(DType stream_type, const Shape& stream_shape, const Tensor& input,
                          size_t input_index, const std::string& model_name) {
  const auto describe = [&]() {
    return msg("the stream's tensor ", dtype_name(stream_type), ' ', shape_to_string(stream_shape),
               " does not fit input ", input_index, " of model ", model_name, ", \"", input.name,
               "\" ", dtype_name(input.type), ' ', shape_to_string(input.shape));
  };
  const bool same_shape = drop_ones(stream_shape) == drop_ones(input.shape);
  const bool flat_model = takes_any_shape(input);
  const bool same_count = shape_elements(stream_shape) == input.elements();
  if (!same_shape && !(flat_model && same_count)) {
    throw Error(msg(describe(),
                    ": the shapes differ (equal shapes after dropping every dimension of 1, or ",
                    input.elements(), " elements for a flat model input, are accepted)"));
  }
  if (stream_type == input.type) return InputConversion::kCopy;
  if (stream_type == DType::kFloat32 &&
      (input.type == DType::kInt8 || input.type == DType::kInt16)) {
    if (!per_tensor_quantized(input)) {
      throw Error(msg(describe(),
                      ": a float32 stream is quantized with the input's scale and "
                      "zero point, but the input has no per-tensor quantization"));
    }
    return InputConversion::kQuantize;
  }
  throw Error(msg(describe(), ": the types differ (accepted: ", dtype_name(input.type),
                  input.type == DType::kInt8 || input.type == DType::kInt16 ? ", or float32" : "",
                  ")"));
}

size_t stream_bytes(DType stream_type, const Tensor& input) {
  return static_cast<size_t>(input.elements()) * dtype_size(stream_type);
}

void write_input(InputConversion conversion, const void* src, const Tensor& input, void* dst) {
  const auto n = input.elements();
  if (conversion == InputConversion::kCopy) {
    std::memcpy(dst, src, input.byte_size());
    return;
  }
  const float scale = input.quant.scale[0];
  const auto zero_point = static_cast<int32_t>(input.quant.zero_point[0]);
  const auto* in = static_cast<const float*>(src);
  if (input.type == DType::kInt8) {
    fast::quantize_f32_to_s8(scale, zero_point, n, in, static_cast<int8_t*>(dst));
  } else {
    fast::quantize_f32_to_s16(scale, zero_point, n, in, static_cast<int16_t*>(dst));
  }
}

bool float_readable(DType type) {
  switch (type) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kBool:
    case DType::kUInt32:
    case DType::kUInt64:
      return true;
  }
  return false;
}

void tensor_to_float(const Tensor& t, const void* data, float* out) {
  const auto n = static_cast<size_t>(t.elements());
  const bool quantized = per_tensor_quantized(t);
  const double scale = quantized ? static_cast<double>(t.quant.scale[0]) : 1.0;
  const int64_t zero_point = quantized ? t.quant.zero_point[0] : 0;
  switch (t.type) {
    case DType::kFloat32:
      std::memcpy(out, data, n * sizeof(float));
      return;
    case DType::kFloat16:
      ref::dequantize_f16(static_cast<int64_t>(n), static_cast<const uint16_t*>(data), out);
      return;
    case DType::kInt8:
      dequantize_loop(static_cast<const int8_t*>(data), n, scale, zero_point, out);
      return;
    case DType::kUInt8:
      dequantize_loop(static_cast<const uint8_t*>(data), n, scale, zero_point, out);
      return;
    case DType::kInt16:
      dequantize_loop(static_cast<const int16_t*>(data), n, scale, zero_point, out);
      return;
    case DType::kInt32:
      dequantize_loop(static_cast<const int32_t*>(data), n, scale, zero_point, out);
      return;
    case DType::kInt64:
      cast_loop(static_cast<const int64_t*>(data), n, out);
      return;
    case DType::kBool:
      cast_loop(static_cast<const uint8_t*>(data), n, out);
      return;
    case DType::kUInt32:
      cast_loop(static_cast<const uint32_t*>(data), n, out);
      return;
    case DType::kUInt64:
      cast_loop(static_cast<const uint64_t*>(data), n, out);
      return;
  }
}

void top_k(const float* scores, size_t n, size_t k, std::vector<ScoredClass>* out) {
  k = std::min(k, n);
  out->clear();
  // Insertion into a sorted list of at most k: k is small (a handful of
  // classes shown), n is the class count.
  auto better = [](const ScoredClass& a, const ScoredClass& b) {
    const bool a_nan = std::isnan(a.score);
    const bool b_nan = std::isnan(b.score);
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a.score != b.score) return a.score > b.score;
    return a.index < b.index;
  };
  for (size_t i = 0; i < n && k > 0; ++i) {
    const ScoredClass c{static_cast<int32_t>(i), scores[i]};
    if (out->size() == k && !better(c, out->back())) continue;
    if (out->size() == k) out->pop_back();
    auto pos = std::upper_bound(out->begin(), out->end(), c, better);
    out->insert(pos, c);
  }
}

std::vector<std::string> read_labels_file(const std::string& path, size_t max_bytes) {
  // A regular file of bounded size: a FIFO would block, /dev/urandom would never end.
  const std::string text =
      io::read_regular_file(path, max_bytes, msg(path, ": cannot read the labels file"));
  std::vector<std::string> labels;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(std::move(line));
    start = end + 1;
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw Error(msg(path, ": the labels file holds no label"));
  return labels;
}

}  // namespace edge::nn
