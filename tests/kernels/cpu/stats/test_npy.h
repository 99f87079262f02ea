// Test helper: reads a float32, C-order, little-endian .npy file (header
// parse only; engine/npy is the real reader).
#ifndef QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_NPY_H_
#define QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_NPY_H_

#include <stdint.h>
#include <string.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace quantsim::kernels::testing {

struct NpyF32 {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Returns false on any format problem.
inline bool ReadNpyF32(const std::string& path, NpyF32* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string raw((std::istreambuf_iterator<char>(f)),
                  std::istreambuf_iterator<char>());
  if (raw.size() < 10 || raw.compare(0, 6, "\x93NUMPY") != 0) return false;
  const int major = static_cast<unsigned char>(raw[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(raw[8]) |
           (static_cast<unsigned char>(raw[9]) << 8);
    hstart = 10;
  } else {
    if (raw.size() < 12) return false;
    uint32_t v;
    memcpy(&v, raw.data() + 8, 4);
    hlen = v;
    hstart = 12;
  }
  const std::string header = raw.substr(hstart, hlen);
  if (header.find("'<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    return false;
  }
  const size_t lp = header.find('(', header.find("'shape'"));
  const size_t rp = header.find(')', lp);
  out->shape.clear();
  int64_t count = 1;
  std::string dims = header.substr(lp + 1, rp - lp - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    size_t comma = dims.find(',', pos);
    if (comma == std::string::npos) comma = dims.size();
    const std::string tok = dims.substr(pos, comma - pos);
    if (tok.find_first_of("0123456789") != std::string::npos) {
      out->shape.push_back(std::stoll(tok));
      count *= out->shape.back();
    }
    pos = comma + 1;
  }
  const size_t data_start = hstart + hlen;
  if (raw.size() - data_start != static_cast<size_t>(count) * 4) return false;
  out->data.resize(count);
  memcpy(out->data.data(), raw.data() + data_start, count * 4);
  return true;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_STATS_TEST_NPY_H_
