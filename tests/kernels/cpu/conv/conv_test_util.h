// Test shapes and helpers for the conv kernels.
#ifndef QUANTSIM_TESTS_KERNELS_CPU_CONV_CONV_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_CONV_CONV_TEST_UTIL_H_

#include <math.h>
#include <string.h>

#include <string>
#include <vector>

#include "kernels/cpu/conv/conv.h"
#include "tests/kernels/cpu/random_data.h"

namespace quantsim::kernels::testing {

struct NamedShape {
  std::string name;
  ConvShape s;
};

inline std::vector<NamedShape> TestShapes() {
  std::vector<NamedShape> v;
  v.push_back({"resnet3x3s1", MakeConv2d(2, 8, 16, 14, 14, 3, 1, 1)});
  v.push_back({"resnet3x3s2", MakeConv2d(1, 8, 16, 15, 15, 3, 2, 1)});
  v.push_back({"pointwise", MakeConv2d(2, 16, 8, 9, 9, 1)});
  v.push_back({"1x1s2", MakeConv2d(1, 16, 8, 9, 9, 1, 2, 0)});
  v.push_back({"7x7s2p3", MakeConv2d(1, 3, 8, 32, 32, 7, 2, 3)});
  v.push_back({"dw3x3s1", MakeConv2d(2, 16, 16, 13, 13, 3, 1, 1, 1, 16)});
  v.push_back({"dw3x3s2", MakeConv2d(1, 8, 8, 20, 20, 3, 2, 1, 1, 8)});
  v.push_back({"groups2", MakeConv2d(1, 8, 12, 10, 10, 3, 1, 1, 1, 2)});
  v.push_back({"dilation2", MakeConv2d(1, 4, 6, 12, 12, 3, 1, 2, 2)});
  v.push_back({"deep", MakeConv2d(1, 40, 8, 6, 6, 3, 1, 1)});  // k = 360
  ConvShape c1;  // 1-D, asymmetric pads
  c1.rank = 1;
  c1.batch = 2;
  c1.in_channels = 4;
  c1.out_channels = 6;
  c1.in_size[0] = 50;
  c1.kernel[0] = 5;
  c1.stride[0] = 2;
  c1.pad_begin[0] = 2;
  c1.pad_end[0] = 1;
  v.push_back({"conv1d", c1});
  ConvShape dw1 = c1;  // 1-D depthwise, dilated
  dw1.in_channels = dw1.out_channels = dw1.groups = 5;
  dw1.stride[0] = 1;
  dw1.dilation[0] = 3;
  v.push_back({"dw1d", dw1});
  ConvShape c3;  // 3-D
  c3.rank = 3;
  c3.in_channels = 3;
  c3.out_channels = 4;
  const int64_t in3[3] = {6, 7, 8}, st3[3] = {1, 2, 1};
  for (int d = 0; d < 3; ++d) {
    c3.in_size[d] = in3[d];
    c3.kernel[d] = 3;
    c3.stride[d] = st3[d];
    c3.pad_begin[d] = c3.pad_end[d] = 1;
  }
  v.push_back({"conv3d", c3});
  return v;
}

inline std::vector<float> Random(int64_t n, uint32_t seed) {
  return UniformFloats(n, seed, -1.0f, 1.0f);
}

inline std::vector<float> Abs(std::vector<float> v) {
  for (float& x : v) x = fabsf(x);
  return v;
}

// (k + ceil(k / 128) + 8) * 2^-23 * mag (gemm.h's bound).
inline double Bound(int64_t k, double mag) {
  return (k + (k + 127) / 128 + 8) * ldexp(1.0, -23) * mag;
}

inline uint32_t Bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_CONV_CONV_TEST_UTIL_H_
