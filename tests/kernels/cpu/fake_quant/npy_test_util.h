// Test helper: reads a float32, C-order, little-endian .npy file (header
// parse only; enough for golden test data).
#ifndef QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_NPY_TEST_UTIL_H_
#define QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_NPY_TEST_UTIL_H_

#include <stdint.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace quantsim::kernels::testing {

struct NpyFloat {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Returns false (and sets *error) on anything but '<f4' C-order.
inline bool ReadNpyFloat(const std::string& path, NpyFloat* out,
                         std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return *error = "cannot open " + path, false;
  std::string bytes((std::istreambuf_iterator<char>(f)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    return *error = "not an npy file: " + path, false;
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else {
    header_len = 0;
    for (int k = 0; k < 4; ++k) {
      header_len |= size_t{static_cast<unsigned char>(bytes[8 + k])} << (8 * k);
    }
    header_start = 12;
  }
  const std::string header = bytes.substr(header_start, header_len);
  if (header.find("'descr': '<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    return *error = "unsupported npy header: " + header, false;
  }
  const size_t lp = header.find('('), rp = header.find(')');
  std::stringstream dims(header.substr(lp + 1, rp - lp - 1));
  out->shape.clear();
  int64_t count = 1;
  for (std::string tok; std::getline(dims, tok, ',');) {
    if (tok.find_first_of("0123456789") == std::string::npos) continue;
    out->shape.push_back(std::stoll(tok));
    count *= out->shape.back();
  }
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != static_cast<size_t>(count) * 4) {
    return *error = "npy size mismatch: " + path, false;
  }
  out->data.resize(count);
  std::memcpy(out->data.data(), bytes.data() + data_start, count * 4);
  return true;
}

}  // namespace quantsim::kernels::testing

#endif  // QUANTSIM_TESTS_KERNELS_CPU_FAKE_QUANT_NPY_TEST_UTIL_H_
