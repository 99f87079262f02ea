#include "engine/context.h"

#include <thread>

namespace quantsim::engine {

Context::Context(const ContextOptions& options)
    : isa_(IsaSupported(options.isa) ? options.isa : DefaultIsa()) {
  int n = options.num_threads;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  pool_ = std::make_unique<ThreadPool>(n <= 0 ? 1 : n);
}

}  // namespace quantsim::engine
