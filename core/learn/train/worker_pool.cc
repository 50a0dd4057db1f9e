#include "train/worker_pool.h"

#include "common/error.h"

namespace edge::train {

WorkerPool::WorkerPool(int threads) {
  if (threads < 1) throw Error(msg("WorkerPool: threads must be >= 1, got ", threads));
  for (int t = 1; t < threads; ++t) helpers_.emplace_back(&WorkerPool::helper_loop, this, t);
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_cv_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void WorkerPool::run_share(int thread_index) {
  for (int task = thread_index; task < tasks_; task += threads()) {
    try {
      (*job_)(task);
    } catch (...) {
      errors_[size_t(task)] = std::current_exception();
    }
  }
}

void WorkerPool::helper_loop(int thread_index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_share(thread_index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --pending_;
    }
    done_cv_.notify_one();
  }
}

void WorkerPool::run(int tasks, const std::function<void(int)>& fn) {
  if (tasks <= 0) return;
  errors_.assign(size_t(tasks), nullptr);
  job_ = &fn;
  tasks_ = tasks;
  if (!helpers_.empty() && tasks > 1) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = int(helpers_.size());
      ++generation_;
    }
    start_cv_.notify_all();
    run_share(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
  } else {
    for (int task = 0; task < tasks; ++task) {
      try {
        fn(task);
      } catch (...) {
        errors_[size_t(task)] = std::current_exception();
      }
    }
  }
  job_ = nullptr;
  for (const std::exception_ptr& error : errors_)
    if (error) std::rethrow_exception(error);
}

}  // namespace edge::train
