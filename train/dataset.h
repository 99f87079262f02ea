// quantsim train: in-memory (x, y) datasets, seeded shuffling, batching.
//
// Contract:
//  - A Dataset holds two contiguous CPU tensors whose first dim is the
//    sample count (any dtype: f32 inputs, i64 class labels, f32 targets).
//    FromNpy loads them with engine::ReadNpy; errors name the file.
//  - Permutation(n, seed, epoch) is a deterministic Fisher-Yates shuffle
//    driven by SplitMix64 of (seed, epoch): the same on every platform and
//    standard library, independent of threads.
//  - A Batcher cuts an epoch into ceil(N / batch_size) batches in order (or
//    in the epoch's permutation); the last, partial batch is kept. Batches
//    are fresh contiguous copies of the selected rows.
#ifndef QUANTSIM_TRAIN_DATASET_H_
#define QUANTSIM_TRAIN_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tensor.h"

namespace quantsim::train {

struct Dataset {
  engine::Tensor x;
  engine::Tensor y;

  // InvalidArgument when ranks are 0, first dims differ, or a tensor is not
  // a CPU tensor; non-contiguous tensors are copied.
  static absl::StatusOr<Dataset> Create(engine::Tensor x, engine::Tensor y);
  static absl::StatusOr<Dataset> FromNpy(const std::string& x_path,
                                         const std::string& y_path);
  int64_t size() const { return x.defined() ? x.dim(0) : 0; }
};

std::vector<int64_t> Permutation(int64_t n, uint64_t seed, int64_t epoch);

// Rows rows[0..count) of `t` (contiguous, first dim = rows) as a new tensor.
absl::StatusOr<engine::Tensor> GatherRows(const engine::Tensor& t,
                                          const int64_t* rows, int64_t count);

struct Batch {
  engine::Tensor x;
  engine::Tensor y;
  int64_t size = 0;
};

class Batcher {
 public:
  // batch_size must be >= 1 (InvalidArgument from Get otherwise).
  Batcher(const Dataset& data, int64_t batch_size, bool shuffle, uint64_t seed);
  int64_t num_batches() const;
  // Selects the order of `epoch` (a permutation when shuffling).
  void StartEpoch(int64_t epoch);
  absl::StatusOr<Batch> Get(int64_t batch) const;

 private:
  const Dataset& data_;
  int64_t batch_size_;
  bool shuffle_;
  uint64_t seed_;
  std::vector<int64_t> order_;
};

}  // namespace quantsim::train

#endif  // QUANTSIM_TRAIN_DATASET_H_
