// Times quantsim's executor on an ONNX model and a .npy input, the twin of
// ort_time.js (same model file, same input, same timing loop).
// Usage: qs_time MODEL.onnx INPUT.npy THREADS ITERS [OUT.npy]
// Loads with io::ReadOnnx, compiles once, runs 2 warm-up iterations, then
// ITERS timed ones; prints one line
//   quantsim threads=T batch=B iters=N median_ms=... min_ms=...
//   images_per_s=...
// (images/s from the median) and writes the output of the last run.
// With QS_PROFILE=1 in the environment it also prints the mean time per node
// and per op type over the timed runs, from RunOptions::observer timestamps
// (a node's time = since the previous node's output was observed).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/npy.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "ops/registry.h"

namespace {

// Process CPU time (all threads), ms.
double CpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

int Fail(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(),
               std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace quantsim;  // NOLINT: a small tool
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s MODEL INPUT.npy THREADS ITERS [OUT.npy]\n",
                 argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[3]);
  const int iters = std::max(1, std::atoi(argv[4]));
  auto model = io::ReadOnnx(argv[1]);
  if (!model.ok()) return Fail(argv[1], model.status());
  auto net =
      graph::CompiledGraph::Compile(std::move(model->graph), ops::BuiltinOps());
  if (!net.ok()) return Fail("compile", net.status());
  auto x = engine::ReadNpy(argv[2]);
  if (!x.ok()) return Fail(argv[2], x.status());

  engine::ContextOptions opts;
  opts.num_threads = threads;
  engine::Context ctx(opts);
  const graph::Graph& g = (*net)->graph();
  const char* prof_env = std::getenv("QS_PROFILE");
  const bool profile = prof_env != nullptr && prof_env[0] == '1';
  std::vector<double> node_ms(g.num_nodes(), 0.0);
  using Clock = std::chrono::steady_clock;
  Clock::time_point last;
  bool timed = false;
  graph::RunOptions run_opts;
  if (profile) {
    run_opts.observer = [&](graph::ValueId v, const engine::Tensor&) {
      const Clock::time_point now = Clock::now();
      const graph::NodeId n = g.value(v).producer;
      if (timed && g.node(n).outputs[0] == v) {
        node_ms[n] +=
            std::chrono::duration<double, std::milli>(now - last).count();
      }
      last = now;
      return absl::OkStatus();
    };
  }
  std::vector<double> ms, cpu_ms;
  absl::StatusOr<graph::RunResult> r;
  for (int i = -2; i < iters; ++i) {
    timed = i >= 0;
    const double c0 = CpuMs();
    const auto t0 = std::chrono::steady_clock::now();
    last = t0;
    r = (*net)->Run(ctx, {*x}, run_opts);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = CpuMs();
    if (!r.ok()) return Fail("run", r.status());
    if (i >= 0) {
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      cpu_ms.push_back(c1 - c0);
    }
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  const double median = ms[ms.size() / 2];
  const int64_t batch = x->dim(0);
  std::printf(
      "quantsim threads=%d batch=%lld iters=%d median_ms=%.2f min_ms=%.2f "
      "images_per_s=%.2f cpu_median_ms=%.2f\n",
      threads, static_cast<long long>(batch), iters, median, ms.front(),
      1000.0 * batch / median, cpu_ms[cpu_ms.size() / 2]);
  if (profile) {
    std::map<std::string, double> by_type;
    for (graph::NodeId n = 0; n < g.num_nodes(); ++n) {
      const graph::Node& node = g.node(n);
      const std::vector<int64_t>& d = g.value(node.outputs[0]).type.dims;
      std::string dims;
      for (int64_t v : d) dims += (dims.empty() ? "" : "x") + std::to_string(v);
      std::printf("  %-24s %-18s %-16s %8.3f ms\n", node.name.c_str(),
                  node.op_type.c_str(), dims.c_str(), node_ms[n] / iters);
      by_type[node.op_type] += node_ms[n] / iters;
    }
    for (const auto& [type, t] : by_type) {
      std::printf("  total %-18s %8.3f ms\n", type.c_str(), t);
    }
  }
  if (argc > 5) {
    absl::Status s = engine::WriteNpy(argv[5], r->outputs[0]);
    if (!s.ok()) return Fail(argv[5], s);
  }
  return 0;
}
