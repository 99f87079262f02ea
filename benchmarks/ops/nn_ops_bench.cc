// Whole-network inference through the graph executor: a ResNet18-shaped
// graph (224x224, the real layer shapes, random weights) built with
// graph::Graph from the built-in Conv / Flatten / Gemm ops, images/s at
// batch 1 and 8 with 1 and 2 threads.
//  - Residual Adds (and the 1x1 downsample convs feeding them) are used
//    when the registry has "Add"; otherwise the blocks are plain
//    Conv+Relu chains (the label says which).
//  - STAND-INS, TO BE REPLACED: Relu and MaxPool (3x3 s2 p1) were not in
//    main when this was written; minimal local versions are registered into
//    a copy of the registry only when BuiltinOps() lacks them.
//  - Global average pooling is a depthwise 7x7 Conv with weights 1/49.
// Run: bazel run //benchmarks/ops:nn_ops_bench -- --benchmark_min_time=0.1 \
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "engine/status.h"
#include "graph/executor.h"
#include "ops/op_util.h"
#include "ops/registry.h"

namespace quantsim::ops {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using Ints = std::vector<int64_t>;

// ---- stand-ins (replace with the real Relu / MaxPool) ----
class StandInRelu final : public graph::OpKernel {
 public:
  explicit StandInRelu(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor x, ctx.input(0).Contiguous());
    QS_ASSIGN_OR_RETURN(Tensor y, ctx.AllocateOutput(0, x.shape()));
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) yd[i] = xd[i] < 0 ? 0.0f : xd[i];
    return absl::OkStatus();
  }
};

// MaxPool 3x3, stride 2, pad 1 (ResNet's stem pool) on NCHW.
class StandInMaxPool final : public graph::OpKernel {
 public:
  explicit StandInMaxPool(const graph::Node&) {}
  absl::Status Compute(graph::KernelContext& ctx) const override {
    QS_ASSIGN_OR_RETURN(Tensor x, ctx.input(0).Contiguous());
    const int64_t h = x.dim(2), w = x.dim(3);
    const int64_t oh = (h - 1) / 2 + 1, ow = (w - 1) / 2 + 1;
    QS_ASSIGN_OR_RETURN(
        Tensor y, ctx.AllocateOutput(0, Shape({x.dim(0), x.dim(1), oh, ow})));
    const float* xd = x.data<float>();
    float* yd = y.data<float>();
    for (int64_t p = 0; p < x.dim(0) * x.dim(1); ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        for (int64_t j = 0; j < ow; ++j) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t a = std::max<int64_t>(0, 2 * i - 1);
               a < std::min(h, 2 * i + 2); ++a) {
            for (int64_t b = std::max<int64_t>(0, 2 * j - 1);
                 b < std::min(w, 2 * j + 2); ++b) {
              m = std::max(m, xd[(p * h + a) * w + b]);
            }
          }
          yd[(p * oh + i) * ow + j] = m;
        }
      }
    }
    return absl::OkStatus();
  }
};

const graph::OpRegistry& Registry() {
  static const graph::OpRegistry* reg = [] {
    auto* r = new graph::OpRegistry(BuiltinOps());
    auto add = [&](const char* type, auto factory, bool pool) {
      if (r->Find(type).ok()) return;
      graph::OpDef d;
      d.type = type;
      d.min_inputs = d.max_inputs = 1;
      d.attrs = {{"kernel_shape", graph::AttrType::kInts},
                 {"strides", graph::AttrType::kInts},
                 {"pads", graph::AttrType::kInts}};
      d.infer = pool ? [](graph::InferContext& c) {
        graph::ValueType t = c.input(0);
        for (int i = 2; i < 4; ++i) {
          if (t.dims[i] >= 0) t.dims[i] = (t.dims[i] - 1) / 2 + 1;
        }
        c.set_output(0, t);
        return absl::OkStatus();
      }
                     : [](graph::InferContext& c) {
                         c.set_output(0, c.input(0));
                         return absl::OkStatus();
                       };
      d.make_cpu_kernel = factory;
      d.differentiable = false;
      (void)r->Register(d);
    };
    add("Relu", MakeKernel<StandInRelu>, false);
    add("MaxPool", MakeKernel<StandInMaxPool>, true);
    return r;
  }();
  return *reg;
}
// ---- end of stand-ins ----

bool HasAdd() { return BuiltinOps().Find("Add").ok(); }

class ResNetBuilder {
 public:
  ResNetBuilder() : rng_(42) {}

  graph::ValueId Weight(const Ints& dims, float scale) {
    Tensor t = Tensor::Empty(Shape(dims), DType::kF32).value();
    std::uniform_real_distribution<float> u(-scale, scale);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng_);
    return g_.AddParameter("p" + std::to_string(n_++), t).value();
  }
  graph::ValueId Node(const std::string& op, std::vector<graph::ValueId> in,
                      graph::Attributes attrs = {}) {
    return g_.AddNode(op, std::move(in), std::move(attrs)).value()[0];
  }
  graph::ValueId Conv(graph::ValueId x, int64_t cin, int64_t cout, int64_t k,
                      int64_t stride, bool relu) {
    const int64_t p = k / 2;
    const float scale = std::sqrt(6.0f / (cin * k * k));
    graph::ValueId y = Node(
        "Conv", {x, Weight({cout, cin, k, k}, scale), Weight({cout}, 0.1f)},
        {{"strides", Ints{stride, stride}}, {"pads", Ints{p, p, p, p}}});
    return relu ? Node("Relu", {y}) : y;
  }
  // BasicBlock: conv3x3(s) relu conv3x3 (+ shortcut) relu.
  graph::ValueId Block(graph::ValueId x, int64_t cin, int64_t cout,
                       int64_t stride, bool residual) {
    graph::ValueId y = Conv(x, cin, cout, 3, stride, true);
    y = Conv(y, cout, cout, 3, 1, !residual);
    if (!residual) return y;
    graph::ValueId sc =
        (stride != 1 || cin != cout) ? Conv(x, cin, cout, 1, stride, false) : x;
    return Node("Relu", {Node("Add", {y, sc})});
  }

  graph::Graph Build(bool residual) {
    graph::ValueId x =
        g_.AddInput("image", DType::kF32, {-1, 3, 224, 224}).value();
    x = Conv(x, 3, 64, 7, 2, true);
    x = Node("MaxPool", {x},
             {{"kernel_shape", Ints{3, 3}},
              {"strides", Ints{2, 2}},
              {"pads", Ints{1, 1, 1, 1}}});
    int64_t c = 64;
    for (int64_t cout : {64, 128, 256, 512}) {
      x = Block(x, c, cout, cout == 64 ? 1 : 2, residual);
      x = Block(x, cout, cout, 1, residual);
      c = cout;
    }
    // Global average pool as a depthwise 7x7 conv with weights 1/49.
    Tensor avg = Tensor::Empty(Shape({512, 1, 7, 7}), DType::kF32).value();
    std::fill(avg.data<float>(), avg.data<float>() + avg.numel(), 1.0f / 49);
    x = Node("Conv", {x, g_.AddParameter("avg", avg).value()},
             {{"group", int64_t{512}}});
    x = Node("Flatten", {x}, {{"axis", int64_t{1}}});
    x = Node("Gemm", {x, Weight({1000, 512}, 0.05f), Weight({1000}, 0.1f)},
             {{"transB", int64_t{1}}});
    (void)g_.AddOutput(x);
    return g_;
  }

 private:
  graph::Graph g_;
  std::mt19937 rng_;
  int n_ = 0;
};

const graph::CompiledGraph& Net() {
  static const graph::CompiledGraph* net = [] {
    ResNetBuilder b;
    auto cg = graph::CompiledGraph::Compile(b.Build(HasAdd()), Registry());
    if (!cg.ok()) {
      std::fprintf(stderr, "%s\n", std::string(cg.status().message()).c_str());
      std::abort();
    }
    return cg->release();
  }();
  return *net;
}

// args: batch, threads
void BM_ResNet18(benchmark::State& state) {
  const int64_t batch = state.range(0);
  engine::ContextOptions opts;
  opts.num_threads = static_cast<int>(state.range(1));
  engine::Context ctx(opts);
  Tensor x = Tensor::Empty(Shape({batch, 3, 224, 224}), DType::kF32).value();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = u(rng);
  const graph::CompiledGraph& net = Net();
  for (auto _ : state) {
    auto r = net.Run(ctx, {x});
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->outputs[0].raw_data());
  }
  state.SetItemsProcessed(batch * state.iterations());  // images/s
  state.SetLabel(HasAdd() ? "residual" : "plain chain (no Add in registry)");
}
BENCHMARK(BM_ResNet18)
    ->ArgNames({"batch", "threads"})
    ->ArgsProduct({{1, 8}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quantsim::ops

BENCHMARK_MAIN();
