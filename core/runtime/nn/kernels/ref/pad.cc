#include "nn/kernels/ref/pad.h"

#include <cstring>

namespace edge {
namespace nn {
namespace ref {
namespace {

template <typename T>
void pad_typed(const PadParams& p, T value, const T* in, T* out) {
  int32_t out_dims[kMaxPadRank];
  for (int d = 0; d < kMaxPadRank; ++d) out_dims[d] = p.before[d] + p.in_dims[d] + p.after[d];
  auto inside = [&](int d, int32_t i) {
    return i >= p.before[d] && i < p.before[d] + p.in_dims[d];
  };
  for (int32_t i0 = 0; i0 < out_dims[0]; ++i0)
    for (int32_t i1 = 0; i1 < out_dims[1]; ++i1)
      for (int32_t i2 = 0; i2 < out_dims[2]; ++i2)
        for (int32_t i3 = 0; i3 < out_dims[3]; ++i3)
          for (int32_t i4 = 0; i4 < out_dims[4]; ++i4) {
            const bool row_inside =
                inside(0, i0) && inside(1, i1) && inside(2, i2) && inside(3, i3) && inside(4, i4);
            for (int32_t i5 = 0; i5 < out_dims[5]; ++i5) {
              *out++ = row_inside && inside(5, i5) ? *in++ : value;
            }
          }
}

}  // namespace

void pad(const PadParams& params, size_t elem_bytes, const void* pad_value, const void* in,
         void* out) {
  switch (elem_bytes) {
    case 1: {
      uint8_t v;
      std::memcpy(&v, pad_value, 1);
      pad_typed(params, v, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out));
      break;
    }
    case 2: {
      uint16_t v;
      std::memcpy(&v, pad_value, 2);
      pad_typed(params, v, static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out));
      break;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, pad_value, 4);
      pad_typed(params, v, static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out));
      break;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, pad_value, 8);
      pad_typed(params, v, static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out));
      break;
    }
    default:
      break;  // the op layer only passes 1, 2, 4 or 8
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
