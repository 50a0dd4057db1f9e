// Arena memory planner: places buffers with known lifetimes into one arena so that
// buffers alive at the same time never overlap, as TensorFlow Lite Micro's
// GreedyMemoryPlanner does: buffers sorted by size (largest first, ties by first
// use, then by index), each placed at the lowest 16-byte-aligned offset that does
// not overlap a buffer already placed whose lifetime intersects its own.
//
// Lifetimes are inclusive operator indices in execution order; a buffer with
// first_use <= t <= last_use is alive during operator t. The interpreter gives
// graph inputs first_use 0, graph outputs and variables last_use = last operator,
// and an operator's scratch buffer the single step of that operator.
//
// Pure functions, thread-safe. Throws edge::Error for an invalid request (last_use
// before first_use, negative first_use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edge {
namespace nn {

constexpr size_t kArenaAlignment = 16;

struct BufferRequest {
  size_t bytes = 0;
  int32_t first_use = 0;
  int32_t last_use = 0;
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, multiples of kArenaAlignment
  size_t arena_bytes = 0;       // end of the highest buffer, rounded up to the alignment
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

// The largest total of (aligned) bytes alive at one step: no plan can be smaller.
size_t live_bytes_lower_bound(const std::vector<BufferRequest>& requests);

// Rounds bytes up to kArenaAlignment.
inline size_t align_arena(size_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

}  // namespace nn
}  // namespace edge
