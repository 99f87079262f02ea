// quantsim kernels: straight-through-estimator (STE) backward of QDQ
// (spec §3.2, static grid).
//
// Contract:
//  - dx[i] = mask[i] != 0 ? dy[i] : +0.0f. The select (not dy * mask) keeps
//    clipped elements at exactly zero even when dy is inf or NaN there.
//  - The mask is the uint8 0/1 mask the forward QDQ kernel wrote; when none
//    was saved, QdqSteBackwardRecompute recomputes it element by element with
//    QdqMaskValue(x, param, config) of reference.h over any QdqLayout.
//  - Every Isa gives bit-identical dx (tests compare all of them with the
//    scalar reference); an Isa the CPU lacks runs the scalar loop. Work is
//    split with engine::ParallelFor on `pool` (nullable: serial).
//  - Kernels only debug-check; fake_quant_grad_checked.h validates.
#ifndef QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_STE_BACKWARD_H_
#define QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_STE_BACKWARD_H_

#include <stdint.h>

#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/fake_quant/layout.h"
#include "kernels/cpu/fake_quant/reference.h"

namespace quantsim::kernels {

// Elements per ParallelFor chunk of the elementwise STE kernels.
inline constexpr int64_t kSteGrain = 32768;

// Scalar reference of one element.
inline float SteGradValue(float dy, uint8_t mask) {
  return mask != 0 ? dy : 0.0f;
}

// dx = mask ? dy : 0 over n elements. dx may alias dy.
void QdqSteBackward(const float* dy, const uint8_t* mask, float* dx, int64_t n,
                    engine::ThreadPool* pool = nullptr,
                    engine::Isa isa = engine::DefaultIsa());

// dx = QdqMaskValue(x, params[p], config) ? dy : 0, where p is the element's
// parameter index under `layout` (layout.h). dx may alias dy.
void QdqSteBackwardRecompute(const float* x, const float* dy, float* dx,
                             const QdqLayout& layout, const QdqParam* params,
                             const QdqConfig& config,
                             engine::ThreadPool* pool = nullptr,
                             engine::Isa isa = engine::DefaultIsa());

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_FAKE_QUANT_GRAD_STE_BACKWARD_H_
