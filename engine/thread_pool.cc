#include "engine/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace quantsim::engine {
namespace {

// Shared state of one ParallelFor call; helpers that start after the call
// has finished find no chunk left and return at once.
struct Job {
  Job(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>* fn)
      : n(n), grain(grain), chunks(NumChunks(n, grain)), fn(fn) {}
  const int64_t n, grain, chunks;
  const std::function<void(int64_t, int64_t)>* fn;  // valid until done
  std::atomic<int64_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  int64_t finished = 0;  // guarded by mu

  // Runs chunks until none is left; returns how many this thread ran.
  void Drain() {
    int64_t ran = 0;
    for (int64_t k; (k = next.fetch_add(1)) < chunks; ++ran) {
      const int64_t begin = k * grain;
      (*fn)(begin, std::min(n, begin + grain));
    }
    if (ran > 0) {
      std::lock_guard<std::mutex> lock(mu);
      finished += ran;
      if (finished == chunks) cv.notify_all();
    }
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return finished == chunks; });
  }
};

}  // namespace

ThreadPool::ThreadPool(int num_threads)
    : num_threads_(std::max(1, num_threads)) {
  workers_.reserve(num_threads_ - 1);
  for (int i = 1; i < num_threads_; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (grain <= 0) grain = 1;
  const int64_t chunks = NumChunks(n, grain);
  if (chunks == 0) return;
  if (chunks == 1 || num_threads_ == 1) {
    for (int64_t b = 0; b < n; b += grain) fn(b, std::min(n, b + grain));
    return;
  }
  auto job = std::make_shared<Job>(n, grain, &fn);
  const int64_t helpers = std::min<int64_t>(num_threads_ - 1, chunks - 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int64_t i = 0; i < helpers; ++i) {
      tasks_.emplace_back([job] { job->Drain(); });
    }
  }
  if (helpers == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  job->Drain();
  job->Wait();
}

void ParallelFor(ThreadPool* pool, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)>& fn) {
  if (grain <= 0) grain = 1;
  if (pool != nullptr) {
    pool->ParallelFor(n, grain, fn);
    return;
  }
  for (int64_t b = 0; b < n; b += grain) fn(b, std::min(n, b + grain));
}

}  // namespace quantsim::engine
