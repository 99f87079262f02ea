// quantsim engine: the execution context.
//
// Contract: a Context owns the thread pool kernels run on (no hidden global
// pool), so an embedding server bounds quantsim's threads by the contexts it
// creates. num_threads = 0 means "hardware concurrency". A Context is
// thread-safe: concurrent runs may share one.
#ifndef QUANTSIM_ENGINE_CONTEXT_H_
#define QUANTSIM_ENGINE_CONTEXT_H_

#include <memory>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"

namespace quantsim::engine {

struct ContextOptions {
  int num_threads = 0;     // 0: std::thread::hardware_concurrency()
  Isa isa = DefaultIsa();  // SIMD variant kernels use
};

class Context {
 public:
  explicit Context(const ContextOptions& options = ContextOptions());
  ThreadPool* pool() const { return pool_.get(); }
  int num_threads() const { return pool_->num_threads(); }
  Isa isa() const { return isa_; }

 private:
  std::unique_ptr<ThreadPool> pool_;
  Isa isa_;
};

}  // namespace quantsim::engine

#endif  // QUANTSIM_ENGINE_CONTEXT_H_
