#include "kernels/cpu/logic/gather_index.h"

#include <cstddef>

namespace quantsim::kernels {
namespace {

std::vector<int64_t> Strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * dims[i + 1];
  }
  return s;
}

int64_t Product(const std::vector<int64_t>& d, size_t b, size_t e) {
  int64_t n = 1;
  for (size_t i = b; i < e; ++i) n *= d[i];
  return n;
}

}  // namespace

int64_t ElementOffsets(const std::vector<int64_t>& data_dims,
                       const std::vector<int64_t>& idx_dims, int axis,
                       const int64_t* idx, std::vector<int64_t>* offs) {
  const int r = static_cast<int>(idx_dims.size());
  const std::vector<int64_t> ds = Strides(data_dims);
  const int64_t n = Product(idx_dims, 0, idx_dims.size());
  const int64_t d = data_dims[axis];
  offs->resize(n);
  std::vector<int64_t> pos(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = idx[i];
    if (v < -d || v >= d) return i;
    if (v < 0) v += d;
    int64_t off = 0;
    for (int k = 0; k < r; ++k) off += (k == axis ? v : pos[k]) * ds[k];
    (*offs)[i] = off;
    for (int k = r - 1; k >= 0; --k) {  // next multi-index
      if (++pos[k] < idx_dims[k]) break;
      pos[k] = 0;
    }
  }
  return -1;
}

int64_t NdOffsets(const std::vector<int64_t>& data_dims,
                  const std::vector<int64_t>& idx_dims, int batch_dims,
                  const int64_t* idx, std::vector<int64_t>* offs,
                  int64_t* slice) {
  const size_t q = static_cast<size_t>(idx_dims.back());
  const std::vector<int64_t> ds = Strides(data_dims);
  *slice = Product(data_dims, batch_dims + q, data_dims.size());
  const int64_t batches = Product(idx_dims, 0, batch_dims);
  const int64_t per_batch = Product(idx_dims, batch_dims, idx_dims.size() - 1);
  const int64_t batch_stride = batch_dims == 0 ? 0 : ds[batch_dims - 1];
  offs->resize(batches * per_batch);
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t t = 0; t < per_batch; ++t) {
      const int64_t tuple = b * per_batch + t;
      int64_t off = b * batch_stride;
      for (size_t k = 0; k < q; ++k) {
        const int64_t d = data_dims[batch_dims + k];
        int64_t v = idx[tuple * q + k];
        if (v < -d || v >= d) return tuple * q + k;
        if (v < 0) v += d;
        off += v * ds[batch_dims + k];
      }
      (*offs)[tuple] = off;
    }
  }
  return -1;
}

}  // namespace quantsim::kernels
