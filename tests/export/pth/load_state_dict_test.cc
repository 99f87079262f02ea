// Loading state_dicts into graph parameters by name, and back.
#include "export/pth/load_state_dict.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "export/pth/pth.h"
#include "gtest/gtest.h"

namespace quantsim::pth {
namespace {

using engine::DType;
using engine::Tensor;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

Tensor Zeros(std::vector<int64_t> dims, DType dtype = DType::kF32) {
  absl::StatusOr<Tensor> t = Tensor::Zeros(engine::Shape(dims), dtype);
  EXPECT_TRUE(t.ok());
  return *t;
}

// The parameters of the BN-folded digits CNN (as torch.onnx.export names
// them when initializers keep their state_dict names).
graph::Graph FoldedDigitsGraph() {
  graph::Graph g;
  EXPECT_TRUE(g.AddInput("x", DType::kF32, {-1, 1, 8, 8}).ok());
  const std::vector<std::pair<std::string, std::vector<int64_t>>> params = {
      {"conv1.weight", {16, 1, 3, 3}},  {"conv1.bias", {16}},
      {"conv2.weight", {32, 16, 3, 3}}, {"conv2.bias", {32}},
      {"fc1.weight", {64, 512}},        {"fc1.bias", {64}},
      {"fc2.weight", {10, 64}},         {"fc2.bias", {10}}};
  for (const auto& [name, dims] : params)
    EXPECT_TRUE(g.AddParameter(name, Zeros(dims)).ok());
  return g;
}

std::string Bytes(const Tensor& t) {
  absl::StatusOr<Tensor> c = t.Contiguous();
  EXPECT_TRUE(c.ok());
  return std::string(static_cast<const char*>(c->raw_data()), c->nbytes());
}

TEST(LoadStateDictTest, StrictLoadOfFoldedModel) {
  absl::StatusOr<StateDict> sd =
      ReadPth("tests/data/pth/digits_cnn_folded.pth");
  ASSERT_TRUE(sd.ok()) << sd.status();
  graph::Graph g = FoldedDigitsGraph();
  absl::StatusOr<LoadReport> r = LoadStateDict(g, *sd);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->clean()) << r->ToString();
  EXPECT_EQ(r->loaded.size(), 8u);
  for (const StateDictEntry& e : *sd) {
    absl::StatusOr<graph::ValueId> id = g.FindValue(e.key);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(Bytes(g.value(*id).data), Bytes(e.tensor)) << e.key;
  }
}

TEST(LoadStateDictTest, ReportsMissingUnexpectedAndMismatched) {
  absl::StatusOr<StateDict> sd =
      ReadPth("tests/data/pth/digits_cnn.pth");  // BN not folded
  ASSERT_TRUE(sd.ok()) << sd.status();
  graph::Graph g = FoldedDigitsGraph();
  ASSERT_TRUE(g.AddParameter("extra.weight", Zeros({3})).ok());
  absl::StatusOr<graph::ValueId> fc2 = g.FindValue("fc2.weight");
  ASSERT_TRUE(fc2.ok());
  ASSERT_TRUE(g.AddParameter("pre_fc2", Zeros({2})).ok());
  StateDict dict = *sd;
  dict.push_back({"pre_fc2", Zeros({3})});  // shape mismatch
  const std::string before = Bytes(g.value(*fc2).data);

  // Strict: fails, lists everything, leaves the graph as it was.
  absl::StatusOr<LoadReport> strict = LoadStateDict(g, dict);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* needle :
       {"missing: extra.weight", "bn1.running_mean", "bn2.num_batches_tracked",
        "pre_fc2 (f32[2] expected, f32[3] given)"}) {
    EXPECT_NE(strict.status().message().find(needle), std::string::npos)
        << needle << " not in " << strict.status();
  }
  EXPECT_EQ(Bytes(g.value(*fc2).data), before);

  LoadOptions lenient;
  lenient.strict = false;
  absl::StatusOr<LoadReport> r = LoadStateDict(g, dict, lenient);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->loaded,
            (std::vector<std::string>{
                "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(r->missing, (std::vector<std::string>{"extra.weight"}));
  EXPECT_EQ(r->unexpected.size(), 10u);  // bn1.* and bn2.* (5 each)
  ASSERT_EQ(r->shape_mismatched.size(), 1u);
  EXPECT_EQ(r->shape_mismatched[0].key, "pre_fc2");
  EXPECT_EQ(Bytes(g.value(*fc2).data), Bytes(*FindTensor(*sd, "fc2.weight")));
  // "x" is an input, not a parameter: a key naming it is unexpected.
  absl::StatusOr<LoadReport> x = LoadStateDict(g, {{"x", Zeros({1})}}, lenient);
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->unexpected, (std::vector<std::string>{"x"}));
}

TEST(LoadStateDictTest, ConvertsWiderAndNarrowerFloatsToF32) {
  graph::Graph g;
  ASSERT_TRUE(g.AddParameter("a", Zeros({3})).ok());
  ASSERT_TRUE(g.AddParameter("b", Zeros({3})).ok());
  ASSERT_TRUE(g.AddParameter("c", Zeros({3})).ok());
  ASSERT_TRUE(g.AddParameter("i", Zeros({2}, DType::kI64)).ok());
  absl::StatusOr<Tensor> f64 =
      Tensor::FromVector<double>({3}, {0.1, -2.5, 1e300});
  // f16: 1.0, -2.0, smallest denormal 2^-24; bf16: 1.0, -inf, 3.0.
  absl::StatusOr<Tensor> f16 =
      Tensor::FromVector<engine::Float16>({3}, {{0x3c00}, {0xc000}, {1}});
  absl::StatusOr<Tensor> bf16 =
      Tensor::FromVector<engine::BFloat16>({3}, {{0x3f80}, {0xff80}, {0x4040}});
  ASSERT_TRUE(f64.ok() && f16.ok() && bf16.ok());
  LoadOptions lenient;
  lenient.strict = false;
  absl::StatusOr<LoadReport> r = LoadStateDict(
      g, {{"a", *f64}, {"b", *f16}, {"c", *bf16}, {"i", Zeros({2})}}, lenient);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->loaded.size(), 3u);
  ASSERT_EQ(r->shape_mismatched.size(), 1u);  // f32 for an i64 parameter
  EXPECT_EQ(r->shape_mismatched[0].got, "f32[2]");
  const float* a = g.value(*g.FindValue("a")).data.data<float>();
  EXPECT_EQ(a[0], 0.1f);
  EXPECT_EQ(a[1], -2.5f);
  EXPECT_TRUE(std::isinf(a[2]));
  const float* b = g.value(*g.FindValue("b")).data.data<float>();
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], -2.0f);
  EXPECT_EQ(b[2], std::ldexp(1.0f, -24));
  const float* c = g.value(*g.FindValue("c")).data.data<float>();
  EXPECT_EQ(c[0], 1.0f);
  EXPECT_EQ(c[1], -INFINITY);
  EXPECT_EQ(c[2], 3.0f);
}

TEST(LoadStateDictTest, GraphToPthAndBack) {
  absl::StatusOr<StateDict> sd =
      ReadPth("tests/data/pth/digits_cnn_folded.pth");
  ASSERT_TRUE(sd.ok()) << sd.status();
  graph::Graph g = FoldedDigitsGraph();
  ASSERT_TRUE(LoadStateDict(g, *sd).ok());
  StateDict exported = GraphToStateDict(g);
  ASSERT_EQ(exported.size(), 8u);
  EXPECT_EQ(exported[0].key, "conv1.weight");
  const std::string path = TempPath("graph.pth");
  ASSERT_TRUE(WritePth(path, exported).ok());
  absl::StatusOr<StateDict> back = ReadPth(path);
  ASSERT_TRUE(back.ok()) << back.status();
  graph::Graph g2 = FoldedDigitsGraph();
  absl::StatusOr<LoadReport> r = LoadStateDict(g2, *back);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const StateDictEntry& e : *sd) {
    EXPECT_EQ(Bytes(g2.value(*g2.FindValue(e.key)).data), Bytes(e.tensor))
        << e.key;
  }
  ASSERT_TRUE(g2.AddConstant("k", Zeros({1})).ok());
  EXPECT_EQ(GraphToStateDict(g2, /*include_constants=*/true).size(), 9u);
  EXPECT_EQ(GraphToStateDict(g2).size(), 8u);
}

}  // namespace
}  // namespace quantsim::pth
