// `quantsim quantize` and `quantsim eval` on the bundled digits CNN
// (models/digits/): the three export files, fp32 / w8a8 accuracies against
// PyTorch's (digits_results.json), --json output, exit codes.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/eval_command.h"
#include "cli/quantize_command.h"
#include "export/encodings/encodings_file.h"
#include "export/onnx.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace quantsim::cli {
namespace {

const char kModel[] = "models/digits/digits_cnn.onnx";
const char kCalib[] = "models/digits/digits_calib_x.npy";
const char kX[] = "models/digits/digits_test_x.npy";
const char kY[] = "models/digits/digits_test_y.npy";

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

struct Result {
  int rc;
  std::string out, err;
};

Result Quantize(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int rc = QuantizeCommand(args, out, err);
  return {rc, out.str(), err.str()};
}

Result Eval(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int rc = EvalCommand(args, out, err);
  return {rc, out.str(), err.str()};
}

double TorchFigure(const char* key) {
  std::ifstream in("models/digits/digits_results.json");
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document d;
  d.Parse(ss.str().c_str());
  EXPECT_FALSE(d.HasParseError());
  EXPECT_TRUE(d.HasMember(key)) << key;
  return d[key].GetDouble();
}

TEST(QuantizeCommand, WritesModelEncodingsAndQdq) {
  const std::string dir = TmpDir() + "/q/w8a8";
  Result r = Quantize({kModel, "--calib", kCalib, "--scheme", "tf",
                       "--encodings-version", "1.0.0", "--out", dir});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("128 samples"), std::string::npos) << r.out;
  auto enc = io::ReadEncodings(dir + "/model.encodings");
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_FALSE(enc->activations.empty());
  EXPECT_FALSE(enc->params.empty());
  auto qdq = io::ReadOnnx(dir + "/model_qdq.onnx");
  ASSERT_TRUE(qdq.ok()) << qdq.status();
  int q = 0;
  for (graph::NodeId n = 0; n < qdq->graph.num_nodes(); ++n) {
    q += qdq->graph.node(n).op_type == "QuantizeLinear";
  }
  EXPECT_EQ(q, 10);
  auto model = io::ReadOnnx(dir + "/model.onnx");
  ASSERT_TRUE(model.ok()) << model.status();
  // The weights are on the grid: evaluating the exported model with the
  // exported encodings gives the simulated accuracy of the float model.
  Result e = Eval({dir + "/model.onnx", "--data", kX, "--labels", kY,
                   "--encodings", dir + "/model.encodings", "--json"});
  ASSERT_EQ(e.rc, 0) << e.err;
  Result e0 = Eval({kModel, "--data", kX, "--labels", kY, "--encodings",
                    dir + "/model.encodings", "--json"});
  ASSERT_EQ(e0.rc, 0) << e0.err;
  rapidjson::Document d, d0;
  d.Parse(e.out.c_str());
  d0.Parse(e0.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << e.out;
  ASSERT_FALSE(d0.HasParseError()) << e0.out;
  EXPECT_EQ(d["sim_correct"].GetInt(), d0["sim_correct"].GetInt());
}

TEST(QuantizeCommand, JsonSummaryParses) {
  Result r =
      Quantize({kModel, "--calib", kCalib, "--per-channel", "--out",
                TmpDir() + "/q/pc", "--encodings-version", "2.0.0", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_EQ(d["calibration_samples"].GetInt(), 128);
  EXPECT_EQ(d["quantizers_enabled"].GetInt(), 10);
  EXPECT_GT(d["quantizers_placed"].GetInt(), 10);
  EXPECT_STREQ(d["config"].GetString(), "default_config_per_channel.json");
  EXPECT_STREQ(d["encodings_version"].GetString(), "2.0.0");
}

TEST(EvalCommand, Fp32AndW8A8MatchTorch) {
  Result r = Eval({kModel, "--data", kX, "--labels", kY, "--calib", kCalib,
                   "--scheme", "tf", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_EQ(d["fp32_correct"].GetInt(), 444);
  EXPECT_EQ(d["samples"].GetInt(), 450);
  EXPECT_DOUBLE_EQ(d["fp32_accuracy"].GetDouble(), 444.0 / 450.0);
  EXPECT_DOUBLE_EQ(d["fp32_accuracy"].GetDouble(), TorchFigure("fp32_acc"));
  EXPECT_NEAR(d["sim_accuracy"].GetDouble(), TorchFigure("w8a8_pt_acc"), 0.005);
  EXPECT_GT(d["sqnr_db"].GetDouble(), 30.0);
  EXPECT_LT(d["sqnr_db"].GetDouble(), 60.0);
}

TEST(EvalCommand, TextOutput) {
  Result r = Eval({kModel, "--data", kX, "--labels", kY, "--calib", kCalib,
                   "--param-bw", "4", "--batch-size", "100"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("fp32 accuracy: 0.9867 (444/450)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("sim accuracy:"), std::string::npos);
  EXPECT_NE(r.out.find("dB"), std::string::npos);
}

TEST(Commands, BadFlagsExit2) {
  EXPECT_EQ(Quantize({kModel, "--calib", kCalib, "--out", "x", "--bogus"}).rc,
            2);
  EXPECT_EQ(Quantize({kModel, "--calib", kCalib}).rc, 2);  // no --out
  EXPECT_EQ(
      Quantize({kModel, "--calib", kCalib, "--out", "x", "--scheme", "nope"})
          .rc,
      2);
  EXPECT_EQ(
      Quantize({kModel, "--calib", kCalib, "--out", "x", "--param-bw", "abc"})
          .rc,
      2);
  EXPECT_EQ(Quantize({kModel, "--calib", kCalib, "--out", "x", "--per-channel",
                      "--config", "default_config.json"})
                .rc,
            2);
  Result e = Eval({kModel, "--data", kX, "--labels", kY});  // no encodings
  EXPECT_EQ(e.rc, 2);
  EXPECT_NE(e.err.find("usage:"), std::string::npos);
  EXPECT_EQ(Eval({kModel, "--data", kX, "--labels", kY, "--calib", kCalib,
                  "--rounding", "up"})
                .rc,
            2);
}

TEST(Commands, MissingFileExit1NamesIt) {
  const std::string missing = TmpDir() + "/no_such_model.onnx";
  Result q = Quantize({missing, "--calib", kCalib, "--out", TmpDir() + "/m"});
  EXPECT_EQ(q.rc, 1);
  EXPECT_NE(q.err.find("no_such_model.onnx"), std::string::npos) << q.err;
  Result c = Quantize({kModel, "--calib", TmpDir() + "/no_calib.npy", "--out",
                       TmpDir() + "/m"});
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("no_calib.npy"), std::string::npos) << c.err;
  Result e = Eval({kModel, "--data", kX, "--labels", kY, "--encodings",
                   TmpDir() + "/no.encodings"});
  EXPECT_EQ(e.rc, 1);
  EXPECT_NE(e.err.find("no.encodings"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace quantsim::cli
