#include "tensor/tensor.h"

#include <cstdlib>
#include <sstream>

#include "common/text.h"

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

bool dims_from_string(const std::string& text, Shape* shape) {
  Shape innermost_first;
  std::istringstream in(trim(text));  // blanks around dimensions: "1: 173"
  std::string raw;
  const bool trailing_colon = !text.empty() && trim(text).back() == ':';
  while (std::getline(in, raw, ':')) {
    const std::string part = trim(raw);
    if (part.empty()) return false;
    char* end = nullptr;
    long value = std::strtol(part.c_str(), &end, 10);
    if (*end != '\0' || value <= 0 || value > INT32_MAX) return false;
    innermost_first.push_back(static_cast<int32_t>(value));
  }
  if (innermost_first.empty() || trailing_colon) return false;
  shape->assign(innermost_first.rbegin(), innermost_first.rend());
  return true;
}

std::string dims_to_string(const Shape& shape) {
  std::string out;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it) {
    if (!out.empty()) out += ':';
    out += std::to_string(*it);
  }
  return out.empty() ? "1" : out;
}

}  // namespace edge
