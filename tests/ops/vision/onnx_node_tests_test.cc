// Runs the ONNX backend node tests of the vision and QDQ ops (libonnx-testdata
// 1.12) and checks that every test of kPassing passes. Tests of these ops not
// in kPassing are run too and reported (SCOPED output), not asserted.
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/ops/vision/onnx_node_test_util.h"

namespace quantsim::ops::testing {
namespace {

// Every node test of our ops in libonnx-testdata 1.12.
const std::vector<std::string> kAll = {
#include "tests/ops/vision/node_test_names.inc"
};

// The ones that must pass.
const std::set<std::string> kPassing = {
#include "tests/ops/vision/node_test_passing.inc"
};

TEST(OnnxNodeTests, OurOps) {
  if (!HaveOnnxNodeTests()) GTEST_SKIP() << "libonnx-testdata not installed";
  int passed = 0;
  for (const std::string& name : kAll) {
    absl::Status s = RunOnnxNodeTest(name);
    std::printf("%s %s %s\n", s.ok() ? "PASS" : "FAIL", name.c_str(),
                s.ok() ? "" : std::string(s.message()).c_str());
    passed += s.ok();
    if (kPassing.count(name)) EXPECT_TRUE(s.ok()) << name << ": " << s;
  }
  std::printf("%d / %zu node tests pass\n", passed, kAll.size());
}

}  // namespace
}  // namespace quantsim::ops::testing
