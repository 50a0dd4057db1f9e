#include "nn/kernels/ref/cast.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace edge {
namespace nn {
namespace ref {
namespace {

template <typename To, typename From>
To convert(From value) {
  if constexpr (std::is_same<To, bool>::value) {
    return value != From(0);
  } else if constexpr (std::is_floating_point<To>::value) {
    return static_cast<To>(value);
  } else if constexpr (std::is_floating_point<From>::value) {
    if (std::isnan(value)) return To(0);
    // Compare in long double: the integer limits convert to it exactly.
    const long double v = std::trunc(static_cast<long double>(value));
    if (v <= static_cast<long double>(std::numeric_limits<To>::lowest()))
      return std::numeric_limits<To>::lowest();
    if (v >= static_cast<long double>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else if constexpr (std::is_same<From, bool>::value) {
    return static_cast<To>(value ? 1 : 0);
  } else {
    // Integer to integer: through the unsigned type of the target, defined modulo 2^bits.
    using U = typename std::make_unsigned<To>::type;
    return static_cast<To>(static_cast<U>(value));
  }
}

template <typename From, typename To>
void cast_loop(const void* in, void* out, int64_t count) {
  const From* src = static_cast<const From*>(in);
  To* dst = static_cast<To*>(out);
  for (int64_t i = 0; i < count; ++i) dst[i] = convert<To>(src[i]);
}

template <typename From>
void cast_from(const void* in, DType to, void* out, int64_t count) {
  switch (to) {
    case DType::kFloat32:
      return cast_loop<From, float>(in, out, count);
    case DType::kInt8:
      return cast_loop<From, int8_t>(in, out, count);
    case DType::kUInt8:
      return cast_loop<From, uint8_t>(in, out, count);
    case DType::kInt16:
      return cast_loop<From, int16_t>(in, out, count);
    case DType::kInt32:
      return cast_loop<From, int32_t>(in, out, count);
    case DType::kUInt32:
      return cast_loop<From, uint32_t>(in, out, count);
    case DType::kInt64:
      return cast_loop<From, int64_t>(in, out, count);
    case DType::kUInt64:
      return cast_loop<From, uint64_t>(in, out, count);
    case DType::kBool:
      return cast_loop<From, bool>(in, out, count);
    case DType::kFloat16:
      return;
  }
}

}  // namespace

bool cast_supports(DType type) { return type != DType::kFloat16; }

void cast(DType from, const void* in, DType to, void* out, int64_t count) {
  switch (from) {
    case DType::kFloat32:
      return cast_from<float>(in, to, out, count);
    case DType::kInt8:
      return cast_from<int8_t>(in, to, out, count);
    case DType::kUInt8:
      return cast_from<uint8_t>(in, to, out, count);
    case DType::kInt16:
      return cast_from<int16_t>(in, to, out, count);
    case DType::kInt32:
      return cast_from<int32_t>(in, to, out, count);
    case DType::kUInt32:
      return cast_from<uint32_t>(in, to, out, count);
    case DType::kInt64:
      return cast_from<int64_t>(in, to, out, count);
    case DType::kUInt64:
      return cast_from<uint64_t>(in, to, out, count);
    case DType::kBool:
      return cast_from<bool>(in, to, out, count);
    case DType::kFloat16:
      return;
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
