// quantsim kernels: the one quantize-dequantize (QDQ) formula, scalar.
//
// This header is the numerics contract of DESIGN.md §3. Every SIMD variant
// and every CUDA kernel must agree with these functions bit for bit; tests
// compare them element by element. Functions are QS_HOST_DEVICE so the CUDA
// kernels use this very code.
//
// Grid: integers q in [qmin, qmax] (held as floats), per-channel `scale` s > 0
// and `zero_point` z (an integer-valued float; AIMET's offset o = -z).
//
// Rounding modes and their formulas (r is the integer before clamping):
//  kHalfToEven (default; = ONNX QuantizeLinear, torch, ONNX Runtime):
//      r = rne(x / s) + z,  q = clamp(r, qmin, qmax),  y = (q - z) * s
//      mask = qmin <= r <= qmax.  NaN in -> NaN out, mask 0.
//  kHalfAwayFromZero (AIMET v1 / libpymo compatible, bit-exact with it):
//      xc = clamp(x, clip_lo, clip_hi)  (in float, before dividing; NaN ->
//      clip_hi), q = round_half_away(xc / s + z), y = (q - z) * s,
//      mask = clip_lo <= x <= clip_hi.
//  kStochastic: as kHalfAwayFromZero but q = floor(xc / s + z + u), clamped to
//      [qmin, qmax], with u in [0, 1) from StochasticUniform(seed, i) where i
//      is the element's linear index in the tensor: the same seed gives the
//      same output on every thread count, arch and device.
// clip_lo/clip_hi are the float range of the grid, normally
// (qmin - z) * s and (qmax - z) * s; libpymo-compatible callers pass the
// encoding's own min/max. Division is a true divide (no reciprocal).
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_REFERENCE_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_REFERENCE_H_

#include <math.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define QS_HOST_DEVICE __host__ __device__
#else
#define QS_HOST_DEVICE
#endif

namespace quantsim::kernels {

enum class RoundingMode : uint8_t {
  kHalfToEven = 0,
  kHalfAwayFromZero = 1,
  kStochastic = 2,
};

// Affine parameters of one channel / block.
struct QdqParam {
  float scale = 1.0f;
  float zero_point = 0.0f;
  float clip_lo = 0.0f;  // used by kHalfAwayFromZero and kStochastic
  float clip_hi = 0.0f;
};

// Settings shared by all channels of one QDQ call.
struct QdqConfig {
  float qmin = -128.0f;
  float qmax = 127.0f;
  RoundingMode rounding = RoundingMode::kHalfToEven;
  uint64_t seed = 0;  // kStochastic only
};

// Builds a QdqParam whose clip range is the grid's float range.
QS_HOST_DEVICE inline QdqParam MakeQdqParam(float scale, float zero_point,
                                            float qmin, float qmax) {
  QdqParam p;
  p.scale = scale;
  p.zero_point = zero_point;
  p.clip_lo = (qmin - zero_point) * scale;
  p.clip_hi = (qmax - zero_point) * scale;
  return p;
}

// Round half to even, independent of the floating-point environment.
QS_HOST_DEVICE inline float RoundHalfToEven(float v) {
  const float a = fabsf(v);
  if (!(a < 8388608.0f)) return v;  // |v| >= 2^23 is integral; NaN, inf
  const float r = (a + 8388608.0f) - 8388608.0f;
  return copysignf(r, v);
}

// Round half away from zero (C roundf), written so SIMD can match it.
QS_HOST_DEVICE inline float RoundHalfAway(float v) {
  const float t = truncf(v);
  return fabsf(v - t) >= 0.5f ? t + copysignf(1.0f, v) : t;
}

// Clamp that keeps NaN (comparisons with NaN are false).
QS_HOST_DEVICE inline float ClampKeepNan(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// libpymo's clamp: NaN -> hi.
QS_HOST_DEVICE inline float ClampNanToHi(float v, float lo, float hi) {
  return v >= lo ? (v <= hi ? v : hi) : (v < lo ? lo : hi);
}

// Counter-based generator (Chris Wellons' lowbias32 mixer), stateless, so
// any thread or device computes element i's draw alone.
QS_HOST_DEVICE inline uint32_t Mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// Per-2^32-elements salt: constant over a run of indices sharing index >> 32.
QS_HOST_DEVICE inline uint32_t StochasticSalt(uint64_t seed, uint64_t index) {
  return Mix32(static_cast<uint32_t>(seed) ^
               Mix32(static_cast<uint32_t>(seed >> 32) +
                     0x9e3779b9U * static_cast<uint32_t>(index >> 32)));
}

// Uniform draw in [0, 1) with 24 random bits, from the salt and the low 32
// bits of the element index.
QS_HOST_DEVICE inline float StochasticUniformFromSalt(uint32_t salt,
                                                      uint32_t index_lo) {
  return static_cast<float>(Mix32(index_lo ^ salt) >> 8) * 5.9604645e-08f;
}

QS_HOST_DEVICE inline float StochasticUniform(uint64_t seed, uint64_t index) {
  return StochasticUniformFromSalt(StochasticSalt(seed, index),
                                   static_cast<uint32_t>(index));
}

// Integer (as float) that x quantizes to; `index` matters for kStochastic.
QS_HOST_DEVICE inline float QuantizeValue(float x, const QdqParam& p,
                                          const QdqConfig& c, uint64_t index) {
  switch (c.rounding) {
    case RoundingMode::kHalfToEven:
      return ClampKeepNan(RoundHalfToEven(x / p.scale) + p.zero_point, c.qmin,
                          c.qmax);
    case RoundingMode::kHalfAwayFromZero: {
      const float xc = ClampNanToHi(x, p.clip_lo, p.clip_hi);
      return RoundHalfAway(xc / p.scale + p.zero_point);
    }
    case RoundingMode::kStochastic: {
      const float xc = ClampNanToHi(x, p.clip_lo, p.clip_hi);
      const float t = xc / p.scale + p.zero_point;
      return ClampKeepNan(floorf(t + StochasticUniform(c.seed, index)), c.qmin,
                          c.qmax);
    }
  }
  return 0.0f;
}

QS_HOST_DEVICE inline float DequantizeValue(float q, const QdqParam& p) {
  return (q - p.zero_point) * p.scale;
}

// Straight-through-estimator mask: 1 where x is inside the grid's range.
QS_HOST_DEVICE inline uint8_t QdqMaskValue(float x, const QdqParam& p,
                                           const QdqConfig& c) {
  if (c.rounding == RoundingMode::kHalfToEven) {
    const float r = RoundHalfToEven(x / p.scale) + p.zero_point;
    return (r >= c.qmin && r <= c.qmax) ? 1 : 0;
  }
  return (x >= p.clip_lo && x <= p.clip_hi) ? 1 : 0;
}

QS_HOST_DEVICE inline float FakeQuantValue(float x, const QdqParam& p,
                                           const QdqConfig& c, uint64_t index) {
  return DequantizeValue(QuantizeValue(x, p, c, index), p);
}

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_REFERENCE_H_
