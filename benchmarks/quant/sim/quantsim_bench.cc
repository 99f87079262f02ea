// QuantSim on the digits CNN (tests/data/onnx/digits_cnn.onnx), w8a8 per
// tensor (quantizers on the input, every Conv/Gemm weight and every
// Relu/Gemm output, as tests/quant/sim/digits_quantsim_test):
//  - BM_FloatForward / BM_SimForward: inference at batch 256, items =
//    images; BM_SimForward's `overhead_pct` counter is the simulation's
//    extra time over the float graph (best of 20 interleaved runs each,
//    measured before the timed loop). Target: <= 15% on 2 threads.
//  - BM_Calibrate/<scheme>: ResetStatistics + ComputeEncodings over the
//    128 calibration images (one Forward), items = calibration samples.
// Run: bazel run -c opt //benchmarks/quant/sim:quantsim_bench -- \
//        --benchmark_min_time=0.1
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "engine/npy.h"
#include "export/onnx.h"
#include "ops/registry.h"
#include "quant/sim/quantsim.h"

namespace quantsim::quant {
namespace {

using engine::Tensor;

std::vector<QuantizerSpec> DigitsSpecs(const graph::Graph& g) {
  std::vector<QuantizerSpec> specs;
  QuantizerSpec in;
  in.tensor = g.value(g.inputs()[0]).name;
  specs.push_back(in);
  for (graph::NodeId n = 0; n < g.num_nodes(); ++n) {
    const graph::Node& node = g.node(n);
    if (node.op_type == "Conv" || node.op_type == "Gemm") {
      QuantizerSpec w;
      w.kind = QuantizerKind::kParam;
      w.node = node.name;
      w.index = 1;
      w.tensor = g.value(node.inputs[1]).name;
      w.grid.symmetric = true;
      specs.push_back(w);
    }
    if (node.op_type == "Relu" || node.op_type == "Gemm") {
      QuantizerSpec o;
      o.node = node.name;
      o.tensor = g.value(node.outputs[0]).name;
      specs.push_back(o);
    }
  }
  return specs;
}

absl::StatusOr<std::unique_ptr<QuantSim>> MakeSim(const engine::Context* ctx,
                                                  QuantScheme scheme) {
  absl::StatusOr<io::OnnxModel> m =
      io::ReadOnnx("tests/data/onnx/digits_cnn.onnx");
  if (!m.ok()) return m.status();
  std::vector<QuantizerSpec> specs = DigitsSpecs(m->graph);
  QuantSimOptions o;
  o.quant_scheme = scheme;
  return QuantSim::Create(std::move(m->graph), specs, o, ops::BuiltinOps(),
                          ctx);
}

// The first `batch` test images (repeated when needed).
Tensor Images(int64_t batch) {
  const Tensor x =
      engine::ReadNpy("tests/data/digits/digits_test_x.npy").value();
  Tensor out =
      Tensor::Zeros(engine::Shape({batch, 1, 8, 8}), engine::DType::kF32)
          .value();
  for (int64_t i = 0; i < batch; ++i) {
    std::memcpy(out.data<float>() + 64 * i,
                x.data<float>() + 64 * (i % x.dim(0)), 64 * sizeof(float));
  }
  return out;
}

absl::Status CalibrateOnce(QuantSim& sim, const Tensor& calib) {
  sim.ResetStatistics();
  return sim.ComputeEncodings(
      [&](QuantSim& q) { return q.Forward({calib}).status(); });
}

double BestSeconds(const std::function<void()>& fn, int reps) {
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - t0)
                              .count());
  }
  return best;
}

void BM_Forward(benchmark::State& state, bool simulate) {
  engine::Context ctx({static_cast<int>(state.range(1))});
  auto sim = MakeSim(&ctx, QuantScheme::kPostTrainingTf);
  if (!sim.ok()) return state.SkipWithError(sim.status().ToString().c_str());
  const Tensor calib =
      engine::ReadNpy("tests/data/digits/digits_calib_x.npy").value();
  if (absl::Status s = CalibrateOnce(**sim, calib); !s.ok()) {
    return state.SkipWithError(s.ToString().c_str());
  }
  const Tensor x = Images(state.range(0));
  QuantSim& q = **sim;
  auto run_sim = [&] { benchmark::DoNotOptimize(q.Forward({x})); };
  auto run_float = [&] { benchmark::DoNotOptimize(q.ForwardFloat({x})); };
  if (simulate) {
    double fbest = 1e30, sbest = 1e30;
    for (int i = 0; i < 20; ++i) {
      fbest = std::min(fbest, BestSeconds(run_float, 1));
      sbest = std::min(sbest, BestSeconds(run_sim, 1));
    }
    state.counters["overhead_pct"] = 100.0 * (sbest / fbest - 1.0);
  }
  for (auto _ : state) {
    if (simulate) {
      run_sim();
    } else {
      run_float();
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * x.nbytes());
}

void BM_FloatForward(benchmark::State& state) { BM_Forward(state, false); }
void BM_SimForward(benchmark::State& state) { BM_Forward(state, true); }

void BM_Calibrate(benchmark::State& state, QuantScheme scheme) {
  engine::Context ctx({static_cast<int>(state.range(0))});
  auto sim = MakeSim(&ctx, scheme);
  if (!sim.ok()) return state.SkipWithError(sim.status().ToString().c_str());
  const Tensor calib =
      engine::ReadNpy("tests/data/digits/digits_calib_x.npy").value();
  for (auto _ : state) {
    if (absl::Status s = CalibrateOnce(**sim, calib); !s.ok()) {
      return state.SkipWithError(s.ToString().c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * calib.dim(0));
  state.SetBytesProcessed(state.iterations() * calib.nbytes());
}

BENCHMARK(BM_FloatForward)
    ->ArgNames({"batch", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->UseRealTime();
BENCHMARK(BM_SimForward)
    ->ArgNames({"batch", "threads"})
    ->Args({256, 1})
    ->Args({256, 2})
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, tf, QuantScheme::kPostTrainingTf)
    ->ArgNames({"threads"})
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Calibrate, tf_enhanced,
                  QuantScheme::kPostTrainingTfEnhanced)
    ->ArgNames({"threads"})
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime();

}  // namespace
}  // namespace quantsim::quant

BENCHMARK_MAIN();
