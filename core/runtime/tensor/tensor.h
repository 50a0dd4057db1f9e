// Tensor descriptions shared by the signal library, the inference engine and
// the GStreamer elements.
//
// Shapes here are outermost-first, as TensorFlow Lite writes them ([1, 173, 173, 1]
// is NHWC). NNStreamer's caps list dimensions innermost-first ("1:173:173:1");
// plugins/common/tensorcaps.h converts between the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edge {

// Element types. The names are NNStreamer's type names, so caps strings and
// error messages read the same everywhere.
enum class DType : uint8_t {
  kFloat32,
  kFloat16,
  kInt8,
  kUInt8,
  kInt16,
  kInt32,
  kInt64,
  kBool,
  kUInt32,  // TFLM's signal library (energies, filter bank channels)
  kUInt64,
};

const char* dtype_name(DType type);  // "float32", "int8", ...
bool dtype_from_name(const std::string& name, DType* out);
size_t dtype_size(DType type);  // bytes per element

using Shape = std::vector<int32_t>;  // outermost first

int64_t shape_elements(const Shape& shape);       // 1 for a scalar (empty shape)
std::string shape_to_string(const Shape& shape);  // "[1, 173, 173, 1]"

// NNStreamer's dimension text, innermost first: "1:173:173" -> {173, 173, 1}. False on an
// empty, non-numeric or non-positive dimension (blanks around a dimension are allowed).
bool dims_from_string(const std::string& text, Shape* shape);
// {173, 173, 1} -> "1:173:173"; a scalar -> "1".
std::string dims_to_string(const Shape& shape);

// Affine quantization: real = scale * (q - zero_point). Per-tensor when
// scale has one entry; per-channel along quantized_dimension otherwise.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;

  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
};

}  // namespace edge
