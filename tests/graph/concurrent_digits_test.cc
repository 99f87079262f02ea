// The digits CNN (tests/data/onnx/digits_cnn.onnx, real built-in ops: Conv,
// Relu, MaxPool, Flatten/Reshape, Gemm) compiled once and run from 8 threads
// at once, each on its own batch of the 450 test images and sharing one
// 2-thread Context: every concurrent result is bit-identical to the serial
// run of the same batch, and the serial runs match PyTorch's logits. Built
// for ThreadSanitizer too: bazel test --config=tsan //tests/graph/...
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/context.h"
#include "engine/npy.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"

namespace quantsim::graph {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;

Tensor LoadNpy(const std::string& path) {
  absl::StatusOr<Tensor> t = engine::ReadNpy(path);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : Tensor();
}

// Rows [first, first + count) of a [N, ...] f32 tensor, as a new tensor.
Tensor Rows(const Tensor& t, int64_t first, int64_t count) {
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t row = t.numel() / dims[0];
  dims[0] = count;
  Tensor out = Tensor::Empty(Shape(dims), DType::kF32).value();
  std::memcpy(out.data<float>(), t.data<float>() + first * row,
              sizeof(float) * count * row);
  return out;
}

TEST(ConcurrentDigits, EightThreadsMatchSerialRunsBitForBit) {
  absl::StatusOr<io::OnnxModel> model =
      io::ReadOnnx("tests/data/onnx/digits_cnn.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  auto cg = CompiledGraph::Compile(std::move(model->graph), ops::BuiltinOps());
  ASSERT_TRUE(cg.ok()) << cg.status();
  const CompiledGraph& net = **cg;

  const Tensor images = LoadNpy("tests/data/digits/digits_test_x.npy");
  const Tensor want = LoadNpy("tests/data/digits/digits_test_logits_fp32.npy");
  ASSERT_EQ(images.shape(), Shape({450, 1, 8, 8}));
  ASSERT_EQ(want.shape(), Shape({450, 10}));

  // Batches of different sizes (1 .. 64) at different offsets.
  constexpr int kRuns = 8;
  const int64_t sizes[kRuns] = {1, 7, 16, 64, 3, 33, 50, 9};
  std::vector<int64_t> first(kRuns);
  std::vector<Tensor> inputs;
  for (int i = 0, at = 0; i < kRuns; ++i) {
    first[i] = at;
    inputs.push_back(Rows(images, at, sizes[i]));
    at += sizes[i] + 11;
  }

  engine::Context ctx({2});
  std::vector<Tensor> serial(kRuns);
  for (int i = 0; i < kRuns; ++i) {
    absl::StatusOr<RunResult> r = net.Run(ctx, {inputs[i]});
    ASSERT_TRUE(r.ok()) << r.status();
    serial[i] = r->outputs[0];
    ASSERT_EQ(serial[i].shape(), Shape({sizes[i], 10}));
    // The serial run is right (same bound as tests/ops/digits_cnn_test).
    const Tensor ref = Rows(want, first[i], sizes[i]);
    for (int64_t j = 0; j < ref.numel(); ++j) {
      const float g = serial[i].data<float>()[j], w = ref.data<float>()[j];
      ASSERT_LE(std::fabs(g - w), 1e-4 * std::max(1.0f, std::fabs(w)))
          << "run " << i << " logit " << j;
    }
  }

  constexpr int kReps = 4;
  std::vector<std::vector<Tensor>> parallel(kRuns);
  std::vector<absl::Status> status(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      for (int rep = 0; rep < kReps; ++rep) {
        absl::StatusOr<RunResult> r = net.Run(ctx, {inputs[i]});
        if (!r.ok()) {
          status[i] = r.status();
          return;
        }
        parallel[i].push_back(r->outputs[0]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_TRUE(status[i].ok()) << "run " << i << ": " << status[i];
    ASSERT_EQ(parallel[i].size(), kReps);
    for (const Tensor& p : parallel[i]) {
      ASSERT_EQ(p.shape(), serial[i].shape());
      EXPECT_EQ(std::memcmp(p.raw_data(), serial[i].raw_data(), p.nbytes()), 0)
          << "run " << i;
    }
  }
}

}  // namespace
}  // namespace quantsim::graph
