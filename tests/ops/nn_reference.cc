#include "tests/ops/nn_reference.h"

#include <algorithm>

namespace quantsim::ops::testing {
namespace {

// Spatial dims padded to 3 (trailing 1s), so one loop nest covers 1-3 d.
struct Sp {
  int64_t v[3] = {1, 1, 1};
  int64_t n() const { return v[0] * v[1] * v[2]; }
};

Sp Spatial(const std::vector<int64_t>& dims) {
  Sp s;
  for (size_t i = 2; i < dims.size(); ++i) s.v[i - 2] = dims[i];
  return s;
}

Sp Pad3(const std::vector<int64_t>& v, int64_t dflt) {
  Sp s;
  for (int i = 0; i < 3; ++i) {
    s.v[i] = i < static_cast<int>(v.size()) ? v[i] : dflt;
  }
  return s;
}

}  // namespace

DArray ConvRef(const DArray& x, const DArray& w, const DArray* b,
               const ConvRefParams& p) {
  const int r = static_cast<int>(x.dims.size()) - 2;
  const int64_t n_ = x.dims[0], c_ = x.dims[1], m_ = w.dims[0], cg = w.dims[1],
                mg = m_ / p.group;
  const Sp in = Spatial(x.dims), k = Spatial(w.dims);
  const Sp s = Pad3(p.strides, 1), d = Pad3(p.dilations, 1);
  const Sp pb = Pad3(p.pad_begin, 0), pe = Pad3(p.pad_end, 0);
  Sp out;
  DArray y;
  y.dims = {n_, m_};
  for (int i = 0; i < 3; ++i) {
    out.v[i] =
        (in.v[i] + pb.v[i] + pe.v[i] - d.v[i] * (k.v[i] - 1) - 1) / s.v[i] + 1;
    if (i < r) y.dims.push_back(out.v[i]);
  }
  y.v.assign(n_ * m_ * out.n(), 0.0);
  for (int64_t n = 0; n < n_; ++n) {
    for (int64_t m = 0; m < m_; ++m) {
      const int64_t g = m / mg;
      for (int64_t o0 = 0; o0 < out.v[0]; ++o0) {
        for (int64_t o1 = 0; o1 < out.v[1]; ++o1) {
          for (int64_t o2 = 0; o2 < out.v[2]; ++o2) {
            double acc = b ? b->v[m] : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              for (int64_t k0 = 0; k0 < k.v[0]; ++k0) {
                const int64_t i0 = o0 * s.v[0] - pb.v[0] + k0 * d.v[0];
                if (i0 < 0 || i0 >= in.v[0]) continue;
                for (int64_t k1 = 0; k1 < k.v[1]; ++k1) {
                  const int64_t i1 = o1 * s.v[1] - pb.v[1] + k1 * d.v[1];
                  if (i1 < 0 || i1 >= in.v[1]) continue;
                  for (int64_t k2 = 0; k2 < k.v[2]; ++k2) {
                    const int64_t i2 = o2 * s.v[2] - pb.v[2] + k2 * d.v[2];
                    if (i2 < 0 || i2 >= in.v[2]) continue;
                    const int64_t xi =
                        (((n * c_ + g * cg + c) * in.v[0] + i0) * in.v[1] +
                         i1) *
                            in.v[2] +
                        i2;
                    const int64_t wi =
                        (((m * cg + c) * k.v[0] + k0) * k.v[1] + k1) * k.v[2] +
                        k2;
                    acc += x.v[xi] * w.v[wi];
                  }
                }
              }
            }
            y.v[(((n * m_ + m) * out.v[0] + o0) * out.v[1] + o1) * out.v[2] +
                o2] = acc;
          }
        }
      }
    }
  }
  return y;
}

DArray ConvTransposeRef(const DArray& x, const DArray& w, const DArray* b,
                        const ConvRefParams& p) {
  const int r = static_cast<int>(x.dims.size()) - 2;
  const int64_t n_ = x.dims[0], c_ = x.dims[1], mg = w.dims[1],
                m_ = mg * p.group, cg = c_ / p.group;
  const Sp in = Spatial(x.dims), k = Spatial(w.dims);
  const Sp s = Pad3(p.strides, 1), d = Pad3(p.dilations, 1);
  const Sp pb = Pad3(p.pad_begin, 0), pe = Pad3(p.pad_end, 0);
  const Sp op = Pad3(p.output_padding, 0);
  Sp out;
  DArray y;
  y.dims = {n_, m_};
  for (int i = 0; i < 3; ++i) {
    out.v[i] = i < r ? s.v[i] * (in.v[i] - 1) + op.v[i] +
                           d.v[i] * (k.v[i] - 1) + 1 - pb.v[i] - pe.v[i]
                     : 1;
    if (i < r) y.dims.push_back(out.v[i]);
  }
  y.v.assign(n_ * m_ * out.n(), 0.0);
  for (int64_t n = 0; n < n_; ++n) {
    for (int64_t m = 0; m < m_; ++m) {
      for (int64_t q = 0; q < out.n(); ++q) {
        y.v[(n * m_ + m) * out.n() + q] = b ? b->v[m] : 0.0;
      }
    }
    for (int64_t c = 0; c < c_; ++c) {
      const int64_t g = c / cg;
      for (int64_t i0 = 0; i0 < in.v[0]; ++i0) {
        for (int64_t i1 = 0; i1 < in.v[1]; ++i1) {
          for (int64_t i2 = 0; i2 < in.v[2]; ++i2) {
            const double xv =
                x.v[(((n * c_ + c) * in.v[0] + i0) * in.v[1] + i1) * in.v[2] +
                    i2];
            for (int64_t m = 0; m < mg; ++m) {
              for (int64_t k0 = 0; k0 < k.v[0]; ++k0) {
                const int64_t o0 = i0 * s.v[0] - pb.v[0] + k0 * d.v[0];
                if (o0 < 0 || o0 >= out.v[0]) continue;
                for (int64_t k1 = 0; k1 < k.v[1]; ++k1) {
                  const int64_t o1 = i1 * s.v[1] - pb.v[1] + k1 * d.v[1];
                  if (o1 < 0 || o1 >= out.v[1]) continue;
                  for (int64_t k2 = 0; k2 < k.v[2]; ++k2) {
                    const int64_t o2 = i2 * s.v[2] - pb.v[2] + k2 * d.v[2];
                    if (o2 < 0 || o2 >= out.v[2]) continue;
                    const int64_t wi =
                        (((c * mg + m) * k.v[0] + k0) * k.v[1] + k1) * k.v[2] +
                        k2;
                    y.v[(((n * m_ + g * mg + m) * out.v[0] + o0) * out.v[1] +
                         o1) *
                            out.v[2] +
                        o2] += xv * w.v[wi];
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return y;
}

DArray GemmRef(const DArray& a, const DArray& b, const DArray* c, double alpha,
               double beta, bool trans_a, bool trans_b) {
  const int64_t m = trans_a ? a.dims[1] : a.dims[0];
  const int64_t k = trans_a ? a.dims[0] : a.dims[1];
  const int64_t n = trans_b ? b.dims[0] : b.dims[1];
  DArray y{{m, n}, std::vector<double>(m * n)};
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l) {
        const double av = trans_a ? a.v[l * m + i] : a.v[i * k + l];
        const double bv = trans_b ? b.v[j * k + l] : b.v[l * n + j];
        acc += av * bv;
      }
      double cv = 0;
      if (c) {
        // Right-aligned broadcast of C (rank 0..2) to [m, n].
        const auto& cd = c->dims;
        const int64_t cm = cd.size() == 2 ? cd[0] : 1;
        const int64_t cn = cd.empty() ? 1 : cd.back();
        cv = c->v[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
      }
      y.v[i * n + j] = alpha * acc + beta * cv;
    }
  }
  return y;
}

DArray MatMulRef(const DArray& a, const DArray& b) {
  std::vector<int64_t> ad = a.dims, bd = b.dims;
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  const std::vector<int64_t> ab(ad.begin(), ad.end() - 2),
      bb(bd.begin(), bd.end() - 2);
  const size_t rb = std::max(ab.size(), bb.size());
  std::vector<int64_t> batch(rb);
  for (size_t i = 0; i < rb; ++i) {
    const int64_t x = i < rb - ab.size() ? 1 : ab[i - (rb - ab.size())];
    const int64_t z = i < rb - bb.size() ? 1 : bb[i - (rb - bb.size())];
    batch[i] = x == 1 ? z : x;  // numpy: a dim of 1 takes the other
  }
  DArray y;
  y.dims = batch;
  if (a.dims.size() > 1) y.dims.push_back(m);
  if (b.dims.size() > 1) y.dims.push_back(n);
  const int64_t nb = NumElements(batch);
  y.v.assign(nb * m * n, 0.0);
  for (int64_t t = 0; t < nb; ++t) {
    // Multi-index of t, mapped into A's and B's batch (size-1 dims: 0).
    int64_t ai = 0, bi = 0, rem = t;
    std::vector<int64_t> idx(rb);
    for (int i = static_cast<int>(rb) - 1; i >= 0; --i) {
      idx[i] = rem % batch[i];
      rem /= batch[i];
    }
    for (size_t i = 0; i < rb; ++i) {
      const int oa = static_cast<int>(i) - static_cast<int>(rb - ab.size());
      const int ob = static_cast<int>(i) - static_cast<int>(rb - bb.size());
      if (oa >= 0) ai = ai * ab[oa] + (ab[oa] == 1 ? 0 : idx[i]);
      if (ob >= 0) bi = bi * bb[ob] + (bb[ob] == 1 ? 0 : idx[i]);
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l) {
          acc += a.v[ai * m * k + i * k + l] * b.v[bi * k * n + l * n + j];
        }
        y.v[t * m * n + i * n + j] = acc;
      }
    }
  }
  return y;
}

}  // namespace quantsim::ops::testing
