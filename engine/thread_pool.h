// quantsim engine: a bounded thread pool and ParallelFor.
//
// Contract:
//  - A ThreadPool owns `num_threads - 1` worker threads; the thread calling
//    ParallelFor always takes part, so ParallelFor never deadlocks when
//    nested or called from a worker, and a pool of size 1 runs inline.
//  - ParallelFor(n, grain, fn) calls fn(begin, end) on the fixed chunks
//    [k*grain, min(n, (k+1)*grain)), k = 0..ceil(n/grain)-1, each exactly once,
//    in any order and on any thread. Chunk boundaries depend only on n and
//    grain, never on the thread count, so per-chunk partial results combined
//    in chunk order are bit-identical for every pool size.
//  - Safe to call concurrently from many threads on one pool (an inference
//    server shares one pool between requests). fn must not throw.
//  - No hidden global pool: the pool is owned by a Context (or the caller).
#ifndef QUANTSIM_ENGINE_THREAD_POOL_H_
#define QUANTSIM_ENGINE_THREAD_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace quantsim::engine {

class ThreadPool {
 public:
  // num_threads >= 1 is the total parallelism including the calling thread.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // See the file comment. grain <= 0 is treated as 1.
  void ParallelFor(int64_t n, int64_t grain,
                   const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop();

  const int num_threads_;
  // std::mutex rather than absl::Mutex: Debian's Abseil is not built with
  // ThreadSanitizer, which then cannot see its synchronisation.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> workers_;
};

// Runs ParallelFor on `pool`, or serially (same chunks, in order) when pool
// is null. Kernels take a nullable pool so they run without a Context.
void ParallelFor(ThreadPool* pool, int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)>& fn);

// Number of chunks ParallelFor uses for (n, grain).
inline int64_t NumChunks(int64_t n, int64_t grain) {
  if (grain <= 0) grain = 1;
  return n <= 0 ? 0 : (n + grain - 1) / grain;
}

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_THREAD_POOL_H_
