// Reference PAD: constant padding before/after every dimension (rank <= kMaxPadRank),
// TensorFlow Lite's semantics; quantized tensors pad with the output zero point
// (the op layer passes it as the pad value). Works on raw elements of 1, 2, 4 or 8
// bytes. Nothing here allocates or throws. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edge {
namespace nn {
namespace ref {

constexpr int kMaxPadRank = 6;

struct PadParams {
  int32_t in_dims[kMaxPadRank] = {1, 1, 1, 1, 1, 1};  // padded on the left with 1
  int32_t before[kMaxPadRank] = {};
  int32_t after[kMaxPadRank] = {};
};

// pad_value points at one element of elem_bytes bytes (1, 2, 4 or 8).
void pad(const PadParams& params, size_t elem_bytes, const void* pad_value, const void* in,
         void* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
