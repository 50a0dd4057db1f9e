// Reference CAST: converts every element of one type into another, as TFLite's CAST does
// with static_cast, with the cases C++ leaves undefined given a meaning:
//   integer -> integer  modulo 2^bits (two's complement wrap, e.g. int32 300 -> int8 44);
//   float -> integer    truncation toward zero, saturated to the type's range, NaN -> 0;
//   any -> bool         value != 0;   bool -> any: 0 or 1.
// Types: float32, int8, uint8, int16, int32, uint32, int64, uint64, bool. Does not allocate,
// does not throw; the op layer refuses other types.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace edge {
namespace nn {
namespace ref {

// True when cast() handles the type (as input or output).
bool cast_supports(DType type);

void cast(DType from, const void* in, DType to, void* out, int64_t count);

}  // namespace ref
}  // namespace nn
}  // namespace edge
