// quantsim kernels: index arithmetic of GatherElements/ScatterElements and
// GatherND/ScatterND (ONNX semantics). Indices are int64, negative ones
// count from the end of their axis.
//
// Contract: both functions fill `offs` (resized) and return -1 on success,
// else the position (in `idx`) of the first out-of-range index, leaving
// `offs` unspecified. Dims are row-major contiguous; callers check ranks.
//  - ElementOffsets: offs[i] = offset in data of indices element i, i.e.
//    its own multi-index with the `axis` coordinate replaced by idx[i]
//    (idx_dims has data's rank, idx_dims[d] <= data_dims[d] for d != axis).
//  - NdOffsets: indices [B..., N..., q] with batch_dims = |B| leading dims
//    shared with data; for each of the prod(B) * prod(N) index tuples, the
//    offset in data of the slice data[b, t_1, .., t_q, ...] (slice length
//    *slice = prod(data_dims[|B| + q:])).
#ifndef QUANTSIM_KERNELS_CPU_LOGIC_GATHER_INDEX_H_
#define QUANTSIM_KERNELS_CPU_LOGIC_GATHER_INDEX_H_

#include <cstdint>
#include <vector>

namespace quantsim::kernels {

int64_t ElementOffsets(const std::vector<int64_t>& data_dims,
                       const std::vector<int64_t>& idx_dims, int axis,
                       const int64_t* idx, std::vector<int64_t>* offs);

int64_t NdOffsets(const std::vector<int64_t>& data_dims,
                  const std::vector<int64_t>& idx_dims, int batch_dims,
                  const int64_t* idx, std::vector<int64_t>* offs,
                  int64_t* slice);

}  // namespace quantsim::kernels

#endif  // QUANTSIM_KERNELS_CPU_LOGIC_GATHER_INDEX_H_
