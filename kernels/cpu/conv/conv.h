// quantsim kernels: N-d convolution (spatial rank 1..3, NC[D]HW layout) with
// groups, strides, dilations and pads: forward, the three backward pieces
// and ConvTranspose forward, on raw float pointers.
//
// Contract:
//  - x: [batch, in_channels, in_size...], w: [out_channels,
//    in_channels / groups, kernel...], y: [batch, out_channels, out_size...],
//    all dense row-major; out_size[d] = (in_size[d] + pad_begin[d] +
//    pad_end[d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d] + 1.
//    Dimensions at index >= rank are ignored.
//  - Forward: y = Epilogue(sum over taps of w * x (zero padding) + bias);
//    regular convs run Gemm with im2col fused into its packing of B
//    (GemmWithPackB; plain Gemm on x for 1x1/stride 1/no pad), one Gemm per
//    (image, group); depthwise convs (groups == in_channels ==
//    out_channels) run a direct SIMD kernel. The epilogue is GemmEpilogue's
//    activation and QDQ (qdq kPerRow = per output channel; kPerColumn is not
//    supported); its bias fields are ignored (pass `bias`). The QDQ index of
//    y[n, c, p] is its row-major index, so fused QDQ is bit-identical to
//    FakeQuantize on y afterwards.
//  - Backward: ConvBackwardInput (dx = col2im(W^T dY), overwrites dx),
//    ConvBackwardWeight (dW = sum_n dY_n col(x_n)^T, overwrites dw),
//    ConvBackwardBias (db[c] = sum over n and positions of dy, in double).
//  - ConvTransposeForward is ConvBackwardInput of the conv described by
//    `shape` (whose input is the transpose's output) plus a per-channel bias:
//    its weight [C_in_T, C_out_T / groups, k...] is exactly that conv's w.
//  - Results do not depend on the thread count (fixed accumulation order).
//    Errors vs the double references follow gemm.h's bound with k = taps *
//    channels per group (backward weight: k = batch * positions).
//  - Kernels only debug-check; validate shapes with CheckConvShape.
#ifndef QUANTSIM_KERNELS_CPU_CONV_CONV_H_
#define QUANTSIM_KERNELS_CPU_CONV_CONV_H_

#include <stdint.h>

#include "absl/status/status.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/gemm/gemm.h"

namespace quantsim::kernels {

struct ConvShape {
  int rank = 2;  // spatial rank, 1..3
  int64_t batch = 1, in_channels = 1, out_channels = 1, groups = 1;
  int64_t in_size[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad_begin[3] = {0, 0, 0};
  int64_t pad_end[3] = {0, 0, 0};

  int64_t OutSize(int d) const {
    return (in_size[d] + pad_begin[d] + pad_end[d] -
            dilation[d] * (kernel[d] - 1) - 1) /
               stride[d] +
           1;
  }
  int64_t InPositions() const;   // prod(in_size[:rank])
  int64_t OutPositions() const;  // prod(OutSize(d) for d < rank)
  int64_t Taps() const;          // prod(kernel[:rank])
  int64_t InChannelsPerGroup() const { return in_channels / groups; }
  int64_t OutChannelsPerGroup() const { return out_channels / groups; }
  bool IsDepthwise() const {
    return groups == in_channels && groups == out_channels;
  }
  int64_t XSize() const { return batch * in_channels * InPositions(); }
  int64_t YSize() const { return batch * out_channels * OutPositions(); }
  int64_t WSize() const { return out_channels * InChannelsPerGroup() * Taps(); }
};

// 2-D shape helper: square kernel/stride/pad/dilation.
ConvShape MakeConv2d(int64_t batch, int64_t in_channels, int64_t out_channels,
                     int64_t h, int64_t w, int64_t kernel, int64_t stride = 1,
                     int64_t pad = 0, int64_t dilation = 1, int64_t groups = 1);

void ConvForward(const ConvShape& s, const float* x, const float* w,
                 const float* bias, float* y,
                 const GemmEpilogue& epilogue = GemmEpilogue(),
                 engine::ThreadPool* pool = nullptr,
                 engine::Isa isa = engine::DefaultIsa());

void ConvBackwardInput(const ConvShape& s, const float* dy, const float* w,
                       float* dx, engine::ThreadPool* pool = nullptr,
                       engine::Isa isa = engine::DefaultIsa());

void ConvBackwardWeight(const ConvShape& s, const float* x, const float* dy,
                        float* dw, engine::ThreadPool* pool = nullptr,
                        engine::Isa isa = engine::DefaultIsa());

void ConvBackwardBias(const ConvShape& s, const float* dy, float* db,
                      engine::ThreadPool* pool = nullptr);

// x: [batch, out_channels, out...] -> y: [batch, in_channels, in_size...];
// bias: in_channels values or null.
void ConvTransposeForward(const ConvShape& s, const float* x, const float* w,
                          const float* bias, float* y,
                          engine::ThreadPool* pool = nullptr,
                          engine::Isa isa = engine::DefaultIsa());

// Direct double-accumulation references (the source of truth for tests).
// Forward rounds the sum to float, then adds bias and runs the epilogue in
// float, like ConvForward.
void ConvForwardReference(const ConvShape& s, const float* x, const float* w,
                          const float* bias, float* y,
                          const GemmEpilogue& epilogue = GemmEpilogue());
void ConvBackwardInputReference(const ConvShape& s, const float* dy,
                                const float* w, float* dx);
void ConvBackwardWeightReference(const ConvShape& s, const float* x,
                                 const float* dy, float* dw);

// InvalidArgument when: rank is not 1..3; a size, kernel, stride or
// dilation is < 1 or a pad < 0; channels are not divisible by groups; an
// output size is < 1; the epilogue asks for per-column QDQ.
absl::Status CheckConvShape(const ConvShape& s,
                            const GemmEpilogue& epilogue = GemmEpilogue());

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_CONV_CONV_H_
