// Test helper: reads a float32, C-order, little-endian .npy file (format
// versions 1-3). Tests only; engine/npy is the real reader.
#ifndef QUANTSIM_TESTS_QUANT_NPY_TEST_UTIL_H_
#define QUANTSIM_TESTS_QUANT_NPY_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace quantsim::quant::testing {

struct NpyFloatArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Returns false (with a reason in *error) on anything unexpected.
inline bool ReadNpyFloat32(const std::string& path, NpyFloatArray* out,
                           std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    *error = path + ": not a .npy file";
    return false;
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, pos = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<unsigned char>(bytes[9]) << 8);
    pos = 10;
  } else {
    for (int i = 0; i < 4; ++i) {
      header_len |=
          static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i]))
          << (8 * i);
    }
    pos = 12;
  }
  const std::string header = bytes.substr(pos, header_len);
  pos += header_len;
  if (header.find("'descr': '<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    *error = path + ": expected '<f4' C-order, header " + header;
    return false;
  }
  const size_t open = header.find('(', header.find("'shape'"));
  const size_t close = header.find(')', open);
  out->shape.clear();
  int64_t count = 1;
  std::string dims = header.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start < dims.size()) {
    size_t comma = dims.find(',', start);
    if (comma == std::string::npos) comma = dims.size();
    const std::string d = dims.substr(start, comma - start);
    if (d.find_first_of("0123456789") != std::string::npos) {
      out->shape.push_back(std::stoll(d));
      count *= out->shape.back();
    }
    start = comma + 1;
  }
  if (bytes.size() - pos != static_cast<size_t>(count) * sizeof(float)) {
    *error = path + ": data size does not match the shape";
    return false;
  }
  out->data.resize(count);
  std::memcpy(out->data.data(), bytes.data() + pos, count * sizeof(float));
  return true;
}

}  // namespace quantsim::quant::testing

#endif  // QUANTSIM_TESTS_QUANT_NPY_TEST_UTIL_H_
