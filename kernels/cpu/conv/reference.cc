// Direct double-accumulation conv references, MakeConv2d, CheckConvShape and
// the ConvShape size helpers.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/cpu/conv/conv.h"
#include "kernels/cpu/conv/conv_geom.h"

namespace quantsim::kernels {

using internal::ConvGeom;

int64_t ConvShape::InPositions() const {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= in_size[d];
  return n;
}
int64_t ConvShape::OutPositions() const {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= OutSize(d);
  return n;
}
int64_t ConvShape::Taps() const {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= kernel[d];
  return n;
}

ConvShape MakeConv2d(int64_t batch, int64_t in_channels, int64_t out_channels,
                     int64_t h, int64_t w, int64_t kernel, int64_t stride,
                     int64_t pad, int64_t dilation, int64_t groups) {
  ConvShape s;
  s.rank = 2;
  s.batch = batch;
  s.in_channels = in_channels;
  s.out_channels = out_channels;
  s.groups = groups;
  s.in_size[0] = h;
  s.in_size[1] = w;
  for (int d = 0; d < 2; ++d) {
    s.kernel[d] = kernel;
    s.stride[d] = stride;
    s.pad_begin[d] = s.pad_end[d] = pad;
    s.dilation[d] = dilation;
  }
  return s;
}

namespace {

// Calls fn(x_index_within_channel, tap, y_position) for every valid
// (output position, tap) pair of one channel plane.
template <class Fn>
void ForEachTap(const ConvGeom& g, Fn fn) {
  for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
    for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
      for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
        const int64_t q = (o0 * g.out[1] + o1) * g.out[2] + o2;
        for (int64_t k0 = 0; k0 < g.k[0]; ++k0)
          for (int64_t k1 = 0; k1 < g.k[1]; ++k1)
            for (int64_t k2 = 0; k2 < g.k[2]; ++k2) {
              const int64_t i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0];
              const int64_t i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1];
              const int64_t i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
              if (i0 < 0 || i0 >= g.in[0] || i1 < 0 || i1 >= g.in[1] ||
                  i2 < 0 || i2 >= g.in[2]) {
                continue;
              }
              fn((i0 * g.in[1] + i1) * g.in[2] + i2,
                 (k0 * g.k[1] + k1) * g.k[2] + k2, q);
            }
      }
}

}  // namespace

void ConvForwardReference(const ConvShape& s, const float* x, const float* w,
                          const float* bias, float* y, const GemmEpilogue& e) {
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  std::vector<double> acc(g.out_pos);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t co = 0; co < s.out_channels; ++co) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const int64_t grp = co / cout_g;
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        const float* xc = x + (n * s.in_channels + grp * cin_g + ci) * g.in_pos;
        const float* wc = w + (co * cin_g + ci) * g.taps;
        ForEachTap(g, [&](int64_t xi, int64_t t, int64_t q) {
          acc[q] += static_cast<double>(wc[t]) * xc[xi];
        });
      }
      for (int64_t q = 0; q < g.out_pos; ++q) {
        const int64_t at = (n * s.out_channels + co) * g.out_pos + q;
        float v = static_cast<float>(acc[q]);
        if (bias != nullptr) v += bias[co];
        v = GemmActivate(v, e);
        if (e.qdq != GemmQdq::kNone) {
          const QdqParam& p = e.qdq_params[e.qdq == GemmQdq::kPerRow ? co : 0];
          v = FakeQuantValue(v, p, e.qdq_config, static_cast<uint64_t>(at));
        }
        y[at] = v;
      }
    }
  }
}

void ConvBackwardInputReference(const ConvShape& s, const float* dy,
                                const float* w, float* dx) {
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  std::vector<double> acc(g.in_pos);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t ci_all = 0; ci_all < s.in_channels; ++ci_all) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const int64_t grp = ci_all / cin_g, ci = ci_all % cin_g;
      for (int64_t col = 0; col < cout_g; ++col) {
        const int64_t co = grp * cout_g + col;
        const float* dyc = dy + (n * s.out_channels + co) * g.out_pos;
        const float* wc = w + (co * cin_g + ci) * g.taps;
        ForEachTap(g, [&](int64_t xi, int64_t t, int64_t q) {
          acc[xi] += static_cast<double>(wc[t]) * dyc[q];
        });
      }
      float* dxc = dx + (n * s.in_channels + ci_all) * g.in_pos;
      for (int64_t i = 0; i < g.in_pos; ++i)
        dxc[i] = static_cast<float>(acc[i]);
    }
  }
}

void ConvBackwardWeightReference(const ConvShape& s, const float* x,
                                 const float* dy, float* dw) {
  const ConvGeom g(s);
  const int64_t cin_g = s.InChannelsPerGroup(),
                cout_g = s.OutChannelsPerGroup();
  std::vector<double> acc(g.taps);
  for (int64_t co = 0; co < s.out_channels; ++co) {
    const int64_t grp = co / cout_g;
    for (int64_t ci = 0; ci < cin_g; ++ci) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t n = 0; n < s.batch; ++n) {
        const float* xc = x + (n * s.in_channels + grp * cin_g + ci) * g.in_pos;
        const float* dyc = dy + (n * s.out_channels + co) * g.out_pos;
        ForEachTap(g, [&](int64_t xi, int64_t t, int64_t q) {
          acc[t] += static_cast<double>(xc[xi]) * dyc[q];
        });
      }
      for (int64_t t = 0; t < g.taps; ++t) {
        dw[(co * cin_g + ci) * g.taps + t] = static_cast<float>(acc[t]);
      }
    }
  }
}

absl::Status CheckConvShape(const ConvShape& s, const GemmEpilogue& e) {
  auto bad = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat("Conv: ", parts...));
  };
  if (s.rank < 1 || s.rank > 3) return bad("spatial rank ", s.rank);
  if (s.batch < 1 || s.in_channels < 1 || s.out_channels < 1 || s.groups < 1) {
    return bad("batch, channels and groups must be >= 1");
  }
  if (s.in_channels % s.groups != 0 || s.out_channels % s.groups != 0) {
    return bad("channels ", s.in_channels, "/", s.out_channels,
               " not divisible by groups ", s.groups);
  }
  for (int d = 0; d < s.rank; ++d) {
    if (s.in_size[d] < 1 || s.kernel[d] < 1 || s.stride[d] < 1 ||
        s.dilation[d] < 1 || s.pad_begin[d] < 0 || s.pad_end[d] < 0) {
      return bad("bad size/kernel/stride/dilation/pad in dim ", d);
    }
    if (s.in_size[d] + s.pad_begin[d] + s.pad_end[d] <
        s.dilation[d] * (s.kernel[d] - 1) + 1) {
      return bad("output size < 1 in dim ", d);
    }
  }
  if (e.qdq == GemmQdq::kPerColumn) return bad("per-column QDQ unsupported");
  return absl::OkStatus();
}

}  // namespace quantsim::kernels
