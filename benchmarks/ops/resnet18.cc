#include "benchmarks/ops/resnet18.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace quantsim::bench {
namespace {

using engine::DType;
using engine::Shape;
using engine::Tensor;
using Ints = std::vector<int64_t>;

// Benchmarks build a fixed, known-good graph: a failure is a programming
// error, reported and fatal.
template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "BuildResNet18: %s: %s\n", what,
                 std::string(v.status().message()).c_str());
    std::abort();
  }
  return *std::move(v);
}

class Builder {
 public:
  explicit Builder(uint32_t seed) : rng_(seed) {}

  graph::ValueId Param(const std::string& name, const Ints& dims, float limit) {
    Tensor t = Check(Tensor::Empty(Shape(dims), DType::kF32), "tensor");
    std::uniform_real_distribution<float> u(-limit, limit);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng_);
    return Check(g_.AddParameter(name, t), "parameter");
  }
  graph::ValueId Node(const std::string& op, const std::string& name,
                      std::vector<graph::ValueId> in,
                      graph::Attributes attrs = {},
                      std::vector<std::string> out_names = {}) {
    return Check(g_.AddNode(op, std::move(in), std::move(attrs), 1, name,
                            std::move(out_names)),
                 "node")[0];
  }
  graph::ValueId Conv(const std::string& name, graph::ValueId x, int64_t cin,
                      int64_t cout, int64_t k, int64_t stride) {
    const int64_t p = k / 2;
    const float limit = std::sqrt(6.0f / static_cast<float>(cin * k * k));
    graph::ValueId w = Param(name + ".weight", {cout, cin, k, k}, limit);
    graph::ValueId b = Param(name + ".bias", {cout}, 0.1f);
    return Node("Conv", name, {x, w, b},
                {{"kernel_shape", Ints{k, k}},
                 {"strides", Ints{stride, stride}},
                 {"pads", Ints{p, p, p, p}}});
  }
  // torchvision BasicBlock: relu(conv2(relu(conv1(x))) + downsample(x)).
  graph::ValueId Block(const std::string& name, graph::ValueId x, int64_t cin,
                       int64_t cout, int64_t stride) {
    graph::ValueId y = Conv(name + ".conv1", x, cin, cout, 3, stride);
    y = Node("Relu", name + ".relu1", {y});
    y = Conv(name + ".conv2", y, cout, cout, 3, 1);
    graph::ValueId sc = x;
    if (stride != 1 || cin != cout) {
      sc = Conv(name + ".downsample", x, cin, cout, 1, stride);
    }
    return Node("Relu", name + ".relu2", {Node("Add", name + ".add", {y, sc})});
  }

  graph::Graph Build() {
    graph::ValueId x =
        Check(g_.AddInput("image", DType::kF32, {-1, 3, 224, 224}), "input");
    x = Node("Relu", "relu", {Conv("conv1", x, 3, 64, 7, 2)});
    x = Node("MaxPool", "maxpool", {x},
             {{"kernel_shape", Ints{3, 3}},
              {"strides", Ints{2, 2}},
              {"pads", Ints{1, 1, 1, 1}}});
    int64_t c = 64;
    int stage = 1;
    for (int64_t cout : {64, 128, 256, 512}) {
      const std::string s = "layer" + std::to_string(stage++);
      x = Block(s + ".0", x, c, cout, cout == 64 ? 1 : 2);
      x = Block(s + ".1", x, cout, cout, 1);
      c = cout;
    }
    x = Node("GlobalAveragePool", "avgpool", {x});
    x = Node("Flatten", "flatten", {x}, {{"axis", int64_t{1}}});
    graph::ValueId w = Param("fc.weight", {1000, 512}, std::sqrt(6.0f / 512));
    graph::ValueId b = Param("fc.bias", {1000}, 0.1f);
    x = Node("Gemm", "fc", {x, w, b}, {{"transB", int64_t{1}}}, {"logits"});
    if (!g_.AddOutput(x).ok()) std::abort();
    return std::move(g_);
  }

 private:
  graph::Graph g_;
  std::mt19937 rng_;
};

}  // namespace

graph::Graph BuildResNet18(uint32_t seed) { return Builder(seed).Build(); }

Tensor RandomImages(int64_t batch, uint32_t seed) {
  Tensor x =
      Check(Tensor::Empty(Shape({batch, 3, 224, 224}), DType::kF32), "images");
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = u(rng);
  return x;
}

}  // namespace quantsim::bench
