// Reference STRIDED_SLICE over raw elements of any size: the start, stride and count of
// every input dimension are resolved once (StridedSlicePlan, from TFLite's
// strided_slice_logic: negative indices count from the end, begin/end masks take the whole
// range, shrink axes keep one element, indices are clamped to the dimension), then
// strided_slice copies the selected elements in order. Up to kMaxSliceRank dimensions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/tensor.h"

namespace edge {
namespace nn {
namespace ref {

constexpr int kMaxSliceRank = 5;

struct StridedSliceAxis {
  int32_t start = 0;   // first index taken
  int32_t stride = 1;  // non-zero, may be negative
  int32_t count = 0;   // elements taken
  bool shrink = false;
};

// Resolves one axis of size `size` as TFLite does; count 0 when the range is empty.
StridedSliceAxis resolve_slice_axis(int32_t size, int32_t begin, int32_t end, int32_t stride,
                                    bool begin_masked, bool end_masked, bool shrink, bool offset);

struct StridedSlicePlan {
  int rank = 0;
  int32_t count[kMaxSliceRank] = {};
  int64_t start_offset = 0;          // element offset of the first element taken
  int64_t step[kMaxSliceRank] = {};  // element step per index of each axis
};

// input_shape: the input's shape (rank <= kMaxSliceRank); axes: one per dimension.
StridedSlicePlan make_slice_plan(const Shape& input_shape, const StridedSliceAxis* axes);

void strided_slice(const StridedSlicePlan& plan, size_t element_bytes, const void* in, void* out);

}  // namespace ref
}  // namespace nn
}  // namespace edge
