// quantsim benchmarks: the ResNet18 inference graph (torchvision
// resnet18 topology, 224x224 input, 1000 classes) with random weights.
//
// Contract:
//  - BuildResNet18(seed) returns a graph::Graph of built-in ops only:
//    stem Conv 7x7/2 (3->64) + Relu, MaxPool 3x3/2 pad 1, four stages of two
//    BasicBlocks (Conv3x3 + Relu, Conv3x3, residual Add with the identity or
//    a 1x1 stride-2 downsample Conv, Relu), GlobalAveragePool, Flatten, Gemm
//    (512 -> 1000, transB). BatchNorm is folded away as in inference: every
//    Conv has a bias. One input "image" [-1, 3, 224, 224], one output
//    "logits" [-1, 1000].
//  - Weights are uniform(+-sqrt(6 / fan_in)) (He-uniform, so activations
//    keep their scale through the 18 layers), biases uniform(+-0.1), from
//    std::mt19937(seed): the same seed gives the same graph bit for bit.
//  - RandomImages(batch, seed): a [batch, 3, 224, 224] f32 tensor of
//    uniform(-1, 1) values.
#ifndef QUANTSIM_BENCHMARKS_OPS_RESNET18_H_
#define QUANTSIM_BENCHMARKS_OPS_RESNET18_H_

#include <cstdint>

#include "engine/tensor.h"
#include "graph/graph.h"

namespace quantsim::bench {

graph::Graph BuildResNet18(uint32_t seed = 42);

engine::Tensor RandomImages(int64_t batch, uint32_t seed = 1);

}  // namespace quantsim::bench

#endif  // QUANTSIM_BENCHMARKS_OPS_RESNET18_H_
