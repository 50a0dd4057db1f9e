// A fixed set of threads for fork-join loops (the trainer's data-parallel
// shards). run(tasks, fn) calls fn(t) for t in [0, tasks): task t runs on
// thread t % threads, the calling thread being thread 0, and run() returns
// when all tasks are done. The static assignment keeps each task's work on a
// known thread; results must not depend on it (tasks write disjoint data).
//
// Thread safety: run() is called from one thread at a time. An exception
// thrown by a task is rethrown by run() (the lowest-numbered task's).
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edge::train {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);  // >= 1; starts threads - 1 helpers
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return int(helpers_.size()) + 1; }
  void run(int tasks, const std::function<void(int)>& fn);

 private:
  void helper_loop(int thread_index);
  void run_share(int thread_index);

  std::vector<std::thread> helpers_;
  std::mutex mutex_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int tasks_ = 0;
  uint64_t generation_ = 0;
  int pending_ = 0;  // helpers still working on the current generation
  bool stopping_ = false;
  std::vector<std::exception_ptr> errors_;  // per task
};

}  // namespace edge::train
