#include "tensor/tensor.h"

#include <sstream>

namespace edge {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kFloat32, "float32", 4}, {DType::kFloat16, "float16", 2}, {DType::kInt8, "int8", 1},
    {DType::kUInt8, "uint8", 1},     {DType::kInt16, "int16", 2},     {DType::kInt32, "int32", 4},
    {DType::kInt64, "int64", 8},     {DType::kBool, "bool", 1},       {DType::kUInt32, "uint32", 4},
    {DType::kUInt64, "uint64", 8},
};
}  // namespace

const char* dtype_name(DType type) {
  for (const auto& info : kDTypes)
    if (info.type == type) return info.name;
  return "unknown";
}

bool dtype_from_name(const std::string& name, DType* out) {
  for (const auto& info : kDTypes) {
    if (name == info.name) {
      *out = info.type;
      return true;
    }
  }
  return false;
}

size_t dtype_size(DType type) {
  for (const auto& info : kDTypes)
    if (info.type == type) return info.size;
  return 0;
}

int64_t shape_elements(const Shape& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace edge
