// quantsim kernels: constants shared by the unary scalar reference and its
// SIMD variants (plain constexpr values; safe in per-arch TUs).
#ifndef QUANTSIM_KERNELS_CPU_UNARY_UNARY_CONSTANTS_H_
#define QUANTSIM_KERNELS_CPU_UNARY_UNARY_CONSTANTS_H_

namespace quantsim::kernels::unary_ref {

inline constexpr float kSeluAlpha = 1.67326319217681884765625f;
inline constexpr float kSeluGamma = 1.05070102214813232421875f;
inline constexpr float kSqrt1_2 = 0.70710678118654752440f;
inline constexpr float kInvSqrt2Pi = 0.39894228040143267794f;  // 1/sqrt(2pi)
inline constexpr float kSqrt2OverPi = 0.79788456080286535588f;
inline constexpr float kGeluC = 0.044715f;
inline constexpr float k2OverSqrtPi = 1.12837916709551257390f;
inline constexpr float kHardSwishAlpha = 1.0f / 6.0f;

}  // namespace quantsim::kernels::unary_ref

#endif  // QUANTSIM_KERNELS_CPU_UNARY_UNARY_CONSTANTS_H_
