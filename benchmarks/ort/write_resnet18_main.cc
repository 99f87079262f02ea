// Writes the ResNet18 benchmark graph (benchmarks/ops/resnet18.h) to ONNX
// with io::WriteOnnx, plus random input images as .npy, for the ONNX
// Runtime comparison (benchmarks/ort/README in benchmarks/README.md).
// Usage: write_resnet18 OUT_DIR [BATCH ...]   (default batches: 1 8)
//   -> OUT_DIR/resnet18.onnx, OUT_DIR/images_b<BATCH>.npy
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmarks/ops/resnet18.h"
#include "engine/npy.h"
#include "export/onnx.h"

int main(int argc, char** argv) {
  using namespace quantsim;  // NOLINT: a small tool
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [BATCH ...]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<int64_t> batches;
  for (int i = 2; i < argc; ++i) batches.push_back(std::atoll(argv[i]));
  if (batches.empty()) batches = {1, 8};

  const std::string model = dir + "/resnet18.onnx";
  absl::Status s = io::WriteOnnx(bench::BuildResNet18(), model);
  if (!s.ok()) {
    std::fprintf(stderr, "WriteOnnx: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %s\n", model.c_str());
  for (int64_t b : batches) {
    const std::string path = dir + "/images_b" + std::to_string(b) + ".npy";
    s = engine::WriteNpy(path, bench::RandomImages(b));
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(),
                   std::string(s.message()).c_str());
      return 1;
    }
    std::printf("wrote %s\n", path.c_str());
  }
  return 0;
}
