// Internal to the fast kernels: split [0, total) into `threads` contiguous chunks,
// run chunk 0 on the calling thread and the others on std::threads created for the
// call (no pool: threads > 1 costs a thread start per call; 1 creates none).
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace edge {
namespace nn {
namespace fast {
namespace detail {

// body(begin, end, thread_index)
template <typename Body>
void parallel_for(int threads, int64_t total, Body&& body) {
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, total));
  if (workers <= 1) {
    body(int64_t{0}, total, 0);
    return;
  }
  const int64_t chunk = (total + workers - 1) / workers;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  for (int64_t t = 1; t < workers; ++t) {
    const int64_t begin = std::min(total, t * chunk);
    const int64_t end = std::min(total, begin + chunk);
    pool.emplace_back([&body, begin, end, t] { body(begin, end, static_cast<int>(t)); });
  }
  body(int64_t{0}, std::min(total, chunk), 0);
  for (auto& thread : pool) thread.join();
}

// Number of chunks parallel_for will use (for scratch sizing).
inline int effective_threads(int threads) { return std::max(1, threads); }

}  // namespace detail
}  // namespace fast
}  // namespace nn
}  // namespace edge
