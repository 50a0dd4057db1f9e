#include "nn/kernels/ref/strided_slice.h"

#include <algorithm>
#include <cstring>

namespace edge {
namespace nn {
namespace ref {

StridedSliceAxis resolve_slice_axis(int32_t size, int32_t begin, int32_t end, int32_t stride,
                                    bool begin_masked, bool end_masked, bool shrink, bool offset) {
  // int64 so that offsets and negative indices cannot overflow.
  auto clamp = [&](int64_t v) {
    return stride > 0 ? std::min<int64_t>(std::max<int64_t>(v, 0), size)
                      : std::min<int64_t>(std::max<int64_t>(v, -1), int64_t{size} - 1);
  };
  int64_t start = begin < 0 ? int64_t{begin} + size : begin;
  start = clamp(start);
  if (begin_masked) start = stride > 0 ? 0 : int64_t{size} - 1;
  int64_t stop;
  if (shrink) {
    stop = start >= size ? start : start + 1;
  } else {
    stop = end;
    if (offset) stop += start;
    if (stop < 0) stop += size;
    stop = clamp(stop);
    if (end_masked) stop = stride > 0 ? size : -1;
  }
  StridedSliceAxis axis;
  axis.start = static_cast<int32_t>(start);
  axis.stride = shrink ? 1 : stride;
  axis.shrink = shrink;
  const int64_t span = stop - start;
  const int64_t s = axis.stride;
  int64_t count = span == 0 || (span > 0) != (s > 0) ? 0 : (span + s + (s > 0 ? -1 : 1)) / s;
  axis.count = static_cast<int32_t>(std::max<int64_t>(count, 0));
  return axis;
}

StridedSlicePlan make_slice_plan(const Shape& input_shape, const StridedSliceAxis* axes) {
  StridedSlicePlan plan;
  plan.rank = static_cast<int>(input_shape.size());
  int64_t stride = 1;
  for (int d = plan.rank - 1; d >= 0; --d) {
    plan.count[d] = axes[d].count;
    plan.step[d] = stride * axes[d].stride;
    plan.start_offset += stride * axes[d].start;
    stride *= input_shape[static_cast<size_t>(d)];
  }
  return plan;
}

void strided_slice(const StridedSlicePlan& plan, size_t element_bytes, const void* in, void* out) {
  const auto* src = static_cast<const uint8_t*>(in);
  auto* dst = static_cast<uint8_t*>(out);
  if (plan.rank == 0) {
    std::memcpy(dst, src, element_bytes);
    return;
  }
  for (int d = 0; d < plan.rank; ++d)
    if (plan.count[d] == 0) return;
  // An odometer over the output index; `offset` follows it through the input.
  int32_t index[kMaxSliceRank] = {};
  int64_t offset = plan.start_offset;
  const int last = plan.rank - 1;
  for (;;) {
    for (int32_t i = 0; i < plan.count[last]; ++i) {
      std::memcpy(dst, src + (offset + i * plan.step[last]) * static_cast<int64_t>(element_bytes),
                  element_bytes);
      dst += element_bytes;
    }
    int d = last - 1;
    while (d >= 0) {
      offset += plan.step[d];
      if (++index[d] < plan.count[d]) break;
      offset -= plan.step[d] * plan.count[d];
      index[d] = 0;
      --d;
    }
    if (d < 0) return;
  }
}

}  // namespace ref
}  // namespace nn
}  // namespace edge
