// A compiled graph run from 8 threads at once gives bit-identical results to
// serial runs (each run has its own state; kernels are immutable).
#include <cstring>
#include <random>
#include <thread>

#include "graph/executor.h"
#include "gtest/gtest.h"
#include "tests/graph/test_ops.h"

namespace quantsim::graph {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

TEST(Executor, EightConcurrentRunsMatchSerialRuns) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  auto random = [&](std::vector<int64_t> dims) {
    Tensor t = Tensor::Empty(Shape(dims), DType::kF32).value();
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = nd(rng);
    return t;
  };
  Graph g;
  ValueId x = g.AddInput("x", DType::kF32, {-1, 32}).value();
  ValueId w1 = g.AddParameter("w1", random({32, 64})).value();
  ValueId w2 = g.AddParameter("w2", random({64, 10})).value();
  ValueId h = g.AddNode("MatMul", {x, w1}).value()[0];
  h = g.AddNode("Relu", {h}).value()[0];
  ValueId y = g.AddNode("MatMul", {h, w2}).value()[0];
  ASSERT_TRUE(g.AddOutput(y).ok());
  auto cg = CompiledGraph::Compile(g, testing::TestRegistry()).value();
  engine::Context ctx({2});

  constexpr int kRuns = 8;
  std::vector<Tensor> inputs, serial(kRuns), parallel(kRuns);
  for (int i = 0; i < kRuns; ++i) inputs.push_back(random({5 + i, 32}));
  for (int i = 0; i < kRuns; ++i) {
    serial[i] = cg->Run(ctx, {inputs[i]}).value().outputs[0];
  }
  std::vector<std::thread> threads;
  std::vector<absl::Status> status(kRuns);
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < 5; ++rep) {
        absl::StatusOr<RunResult> r = cg->Run(ctx, {inputs[i]});
        if (!r.ok()) {
          status[i] = r.status();
          return;
        }
        parallel[i] = r->outputs[0];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_TRUE(status[i].ok()) << status[i];
    ASSERT_EQ(parallel[i].shape(), serial[i].shape());
    EXPECT_EQ(std::memcmp(parallel[i].raw_data(), serial[i].raw_data(),
                          serial[i].nbytes()),
              0)
        << "run " << i;
  }
}

}  // namespace
}  // namespace quantsim::graph
