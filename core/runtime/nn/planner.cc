#include "nn/planner.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "common/error.h"

namespace edge {
namespace nn {
namespace {

void check(const std::vector<BufferRequest>& requests) {
  for (size_t i = 0; i < requests.size(); ++i) {
    const BufferRequest& r = requests[i];
    if (r.first_use < 0 || r.last_use < r.first_use) {
      throw Error(msg("memory planner: buffer ", i, " has an invalid lifetime [", r.first_use, ", ",
                      r.last_use, "]"));
    }
  }
}

bool overlaps(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  check(requests);
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first_use < requests[b].first_use;
  });

  std::vector<size_t> placed;                   // request indices already placed
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of conflicting placed buffers
  for (size_t index : order) {
    const BufferRequest& r = requests[index];
    const size_t size = align_arena(r.bytes);
    busy.clear();
    for (size_t other : placed) {
      if (overlaps(r, requests[other]) && requests[other].bytes > 0) {
        busy.emplace_back(plan.offsets[other],
                          plan.offsets[other] + align_arena(requests[other].bytes));
      }
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    if (size > 0) {
      for (const auto& [begin, end] : busy) {
        if (offset + size <= begin) break;  // fits in the gap before this buffer
        offset = std::max(offset, end);
      }
    }
    plan.offsets[index] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
    placed.push_back(index);
  }
  return plan;
}

size_t live_bytes_lower_bound(const std::vector<BufferRequest>& requests) {
  check(requests);
  std::map<int32_t, int64_t> delta;  // step -> change of live bytes
  for (const BufferRequest& r : requests) {
    delta[r.first_use] += static_cast<int64_t>(align_arena(r.bytes));
    delta[r.last_use + 1] -= static_cast<int64_t>(align_arena(r.bytes));
  }
  int64_t live = 0;
  int64_t peak = 0;
  for (const auto& [step, change] : delta) {
    live += change;
    peak = std::max(peak, live);
  }
  return static_cast<size_t>(peak);
}

}  // namespace nn
}  // namespace edge
