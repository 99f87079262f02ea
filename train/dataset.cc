#include "train/dataset.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/npy.h"
#include "engine/status.h"

namespace quantsim::train {
namespace {

using engine::Tensor;

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, bound) without modulo bias (Lemire's rejection method).
uint64_t Below(uint64_t& state, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  while (true) {
    const unsigned __int128 m =
        static_cast<unsigned __int128>(SplitMix64(state)) * bound;
    if (static_cast<uint64_t>(m) >= threshold) {
      return static_cast<uint64_t>(m >> 64);
    }
  }
}

}  // namespace

absl::StatusOr<Dataset> Dataset::Create(Tensor x, Tensor y) {
  if (!x.defined() || !y.defined() || x.rank() == 0 || y.rank() == 0) {
    return absl::InvalidArgumentError(
        "Dataset: x and y must have a leading sample dimension");
  }
  if (x.dim(0) != y.dim(0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Dataset: x has ", x.dim(0), " samples, y has ", y.dim(0)));
  }
  if (!x.device().is_cpu() || !y.device().is_cpu()) {
    return absl::InvalidArgumentError("Dataset: tensors must be on the CPU");
  }
  Dataset d;
  QS_ASSIGN_OR_RETURN(d.x, x.Contiguous());
  QS_ASSIGN_OR_RETURN(d.y, y.Contiguous());
  return d;
}

absl::StatusOr<Dataset> Dataset::FromNpy(const std::string& x_path,
                                         const std::string& y_path) {
  QS_ASSIGN_OR_RETURN(Tensor x, engine::ReadNpy(x_path));
  QS_ASSIGN_OR_RETURN(Tensor y, engine::ReadNpy(y_path));
  absl::StatusOr<Dataset> d = Create(std::move(x), std::move(y));
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        d.status().message(), " ('", x_path, "', '", y_path, "')"));
  }
  return d;
}

std::vector<int64_t> Permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> p(n);
  std::iota(p.begin(), p.end(), int64_t{0});
  uint64_t state = seed;
  state = SplitMix64(state) ^ static_cast<uint64_t>(epoch);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j =
        static_cast<int64_t>(Below(state, static_cast<uint64_t>(i + 1)));
    std::swap(p[i], p[j]);
  }
  return p;
}

absl::StatusOr<Tensor> GatherRows(const Tensor& t, const int64_t* rows,
                                  int64_t count) {
  std::vector<int64_t> dims = t.shape().dims();
  const int64_t n = dims[0];
  dims[0] = count;
  QS_ASSIGN_OR_RETURN(Tensor out,
                      Tensor::Empty(engine::Shape(dims), t.dtype()));
  const size_t row_bytes = n == 0 ? 0 : t.nbytes() / n;
  const char* src = static_cast<const char*>(t.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < count; ++i) {
    if (rows[i] < 0 || rows[i] >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("GatherRows: row ", rows[i], " of ", n));
    }
    std::memcpy(dst + i * row_bytes, src + rows[i] * row_bytes, row_bytes);
  }
  return out;
}

Batcher::Batcher(const Dataset& data, int64_t batch_size, bool shuffle,
                 uint64_t seed)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {
  StartEpoch(0);
}

int64_t Batcher::num_batches() const {
  if (batch_size_ < 1) return 0;
  return (data_.size() + batch_size_ - 1) / batch_size_;
}

void Batcher::StartEpoch(int64_t epoch) {
  if (shuffle_) {
    order_ = Permutation(data_.size(), seed_, epoch);
  } else {
    order_.resize(data_.size());
    std::iota(order_.begin(), order_.end(), int64_t{0});
  }
}

absl::StatusOr<Batch> Batcher::Get(int64_t batch) const {
  if (batch_size_ < 1 || batch < 0 || batch >= num_batches()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Batcher: batch ", batch, " of ", num_batches(),
                     " (batch size ", batch_size_, ")"));
  }
  const int64_t begin = batch * batch_size_;
  Batch b;
  b.size = std::min(batch_size_, data_.size() - begin);
  QS_ASSIGN_OR_RETURN(b.x, GatherRows(data_.x, order_.data() + begin, b.size));
  QS_ASSIGN_OR_RETURN(b.y, GatherRows(data_.y, order_.data() + begin, b.size));
  return b;
}

}  // namespace quantsim::train
