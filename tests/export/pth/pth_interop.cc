// torch interop helper for torch_interop_test.sh:
//   pth_interop write PATH   writes the reference state_dict with WritePth
//   pth_interop write64 PATH the same with ZIP64 records throughout
//   pth_interop check PATH   reads a torch.save file of it and checks it
// The reference (kept in step with torch_interop.py): "t.<dtype>" [3, 4] for
// the ten torch dtypes, "base" f32 [4, 6] = i / 2, "base.T" its transpose,
// "base.slice" = base[1:3, 2:5] (views of one storage), "scalar" = 3.5.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "export/pth/pth.h"

namespace quantsim::pth {
namespace {

using engine::DType;
using engine::Tensor;

constexpr DType kDTypes[] = {
    DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI64,
    DType::kI32, DType::kI16, DType::kI8,  DType::kU8,   DType::kBool};

double Value(DType d, int i) {
  if (engine::DTypeInfo(d).is_float) return (i - 5) * 0.25;
  if (d == DType::kBool) return i % 3 == 0;
  if (d == DType::kU8) return i * 20;
  return (i * 7 % 11) - 5;
}

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// f16 bits of a float that binary16 holds exactly (zero or normal).
uint16_t HalfBits(float f) {
  const uint32_t u = FloatBits(f);
  if ((u & 0x7fffffff) == 0) return static_cast<uint16_t>(u >> 16);
  return static_cast<uint16_t>(((u >> 16) & 0x8000) |
                               ((((u >> 23) & 0xff) - 112) << 10) |
                               ((u >> 13) & 0x3ff));
}

void Put(const Tensor& t, int64_t i, DType d, double v) {
  char* p = static_cast<char*>(t.raw_data());
  switch (d) {
    case DType::kF32:
      reinterpret_cast<float*>(p)[i] = v;
      break;
    case DType::kF64:
      reinterpret_cast<double*>(p)[i] = v;
      break;
    case DType::kF16:
      reinterpret_cast<uint16_t*>(p)[i] = HalfBits(v);
      break;
    case DType::kBF16:
      reinterpret_cast<uint16_t*>(p)[i] = FloatBits(v) >> 16;
      break;
    case DType::kI64:
      reinterpret_cast<int64_t*>(p)[i] = v;
      break;
    case DType::kI32:
      reinterpret_cast<int32_t*>(p)[i] = v;
      break;
    case DType::kI16:
      reinterpret_cast<int16_t*>(p)[i] = v;
      break;
    case DType::kI8:
      reinterpret_cast<int8_t*>(p)[i] = v;
      break;
    default:
      reinterpret_cast<uint8_t*>(p)[i] = v;
      break;  // u8, bool
  }
}

StateDict Reference() {
  StateDict sd;
  for (DType d : kDTypes) {
    Tensor t = *Tensor::Empty({3, 4}, d);
    for (int i = 0; i < 12; ++i) Put(t, i, d, Value(d, i));
    sd.push_back({std::string("t.") + engine::DTypeName(d), t});
  }
  Tensor base = *Tensor::Empty({4, 6}, DType::kF32);
  for (int i = 0; i < 24; ++i) Put(base, i, DType::kF32, i / 2.0);
  sd.push_back({"base", base});
  sd.push_back({"base.T", *base.Transpose({1, 0})});
  sd.push_back({"base.slice", *(*base.Slice(0, 1, 2)).Slice(1, 2, 3)});
  Tensor scalar =
      *Tensor::Empty(engine::Shape(std::vector<int64_t>{}), DType::kF32);
  Put(scalar, 0, DType::kF32, 3.5);
  sd.push_back({"scalar", scalar});
  return sd;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "pth_interop check: %s\n", what.c_str());
  return 1;
}

int Check(const std::string& path) {
  absl::StatusOr<StateDict> got = ReadPth(path);
  if (!got.ok()) return Fail(std::string(got.status().message()));
  const StateDict want = Reference();
  if (got->size() != want.size()) return Fail("wrong number of keys");
  for (size_t k = 0; k < want.size(); ++k) {
    const Tensor &g = (*got)[k].tensor, &w = want[k].tensor;
    if ((*got)[k].key != want[k].key)
      return Fail("key order: " + (*got)[k].key);
    if (g.dtype() != w.dtype() || g.shape() != w.shape() ||
        g.strides() != w.strides() || g.offset() != w.offset()) {
      return Fail(want[k].key + ": " + g.DebugString() + " offset " +
                  std::to_string(g.offset()) + ", want " + w.DebugString());
    }
    const Tensor gc = *g.Contiguous(), wc = *w.Contiguous();
    if (std::memcmp(gc.raw_data(), wc.raw_data(), gc.nbytes()) != 0) {
      return Fail(want[k].key + ": values differ");
    }
  }
  const Tensor& base =
      FindTensor(*got, "base") ? *FindTensor(*got, "base") : Tensor();
  if (!base.SharesStorageWith(*FindTensor(*got, "base.T")) ||
      !base.SharesStorageWith(*FindTensor(*got, "base.slice"))) {
    return Fail("base views do not share storage");
  }
  std::printf("pth_interop check: %s OK (%zu keys)\n", path.c_str(),
              got->size());
  return 0;
}

}  // namespace
}  // namespace quantsim::pth

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s write|check PATH\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1], path = argv[2];
  if (mode == "write" || mode == "write64") {
    quantsim::pth::PthWriteOptions options;
    options.force_zip64 = mode == "write64";
    absl::Status s =
        quantsim::pth::WritePth(path, quantsim::pth::Reference(), options);
    if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return s.ok() ? 0 : 1;
  }
  return quantsim::pth::Check(path);
}
