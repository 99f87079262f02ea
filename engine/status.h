// quantsim engine: status helpers.
//
// Contract: every fallible function at a module boundary returns absl::Status
// or absl::StatusOr<T> (DESIGN.md §3). These macros propagate errors without
// exceptions. Abseil 20220623 (Debian) ships no status_macros.h, hence ours.
#ifndef QUANTSIM_ENGINE_STATUS_H_
#define QUANTSIM_ENGINE_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QS_STATUS_CONCAT_INNER_(a, b) a##b
#define QS_STATUS_CONCAT_(a, b) QS_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define QS_RETURN_IF_ERROR(expr)              \
  do {                                        \
    const ::absl::Status qs_status_ = (expr); \
    if (!qs_status_.ok()) return qs_status_;  \
  } while (false)

// `QS_ASSIGN_OR_RETURN(auto x, MakeX());` declares/assigns x from a StatusOr,
// or returns its error from the enclosing function.
#define QS_ASSIGN_OR_RETURN(lhs, expr)                                      \
  QS_ASSIGN_OR_RETURN_IMPL_(QS_STATUS_CONCAT_(qs_statusor_, __LINE__), lhs, \
                            expr)

#define QS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // QUANTSIM_ENGINE_STATUS_H_
