// conformance::RunSuite on the small test directories in data/node: a pass
// with one and with two inputs, a wrong expected output (FAIL, wrong
// values), an op from an unknown domain (UNSUPPORTED, missing op), the
// filter, single test directories, the reports and the errors.
#include <string>

#include "conformance/conformance.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace quantsim::conformance {
namespace {

constexpr char kData[] = "tests/onnx_conformance/data/node";

const TestResult* Find(const Report& r, const std::string& name) {
  for (const TestResult& t : r.tests) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(RunnerTest, ClassifiesEachTest) {
  absl::StatusOr<Report> r = RunSuite({kData});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->tests.size(), 4u);
  ASSERT_EQ(r->suites.size(), 1u);
  EXPECT_EQ(r->suites[0].suite, "node");
  EXPECT_EQ(r->suites[0].passed, 2);
  EXPECT_EQ(r->suites[0].failed, 1);
  EXPECT_EQ(r->suites[0].unsupported, 1);

  const TestResult* abs = Find(*r, "test_abs");
  ASSERT_NE(abs, nullptr);
  EXPECT_EQ(abs->outcome, Outcome::kPass) << abs->message;
  EXPECT_EQ(abs->op_types, std::vector<std::string>{"Abs"});
  const TestResult* add = Find(*r, "test_add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->outcome, Outcome::kPass) << add->message;

  const TestResult* wrong = Find(*r, "test_abs_wrong_output");
  ASSERT_NE(wrong, nullptr);
  EXPECT_EQ(wrong->outcome, Outcome::kFail);
  EXPECT_EQ(wrong->cause, Cause::kWrongValues);
  EXPECT_NE(wrong->message.find("elements differ"), std::string::npos)
      << wrong->message;

  const TestResult* unknown = Find(*r, "test_unknown_op");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->outcome, Outcome::kUnsupported);
  EXPECT_EQ(unknown->cause, Cause::kMissingOp);
  EXPECT_EQ(unknown->missing_ops,
            std::vector<std::string>{"com.example.NoSuchOp"});
}

TEST(RunnerTest, FilterSelectsBySuiteAndName) {
  RunOptions o;
  o.filter = "node/test_a(bs|dd)$";
  absl::StatusOr<Report> r = RunSuite({kData}, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tests.size(), 2u);
  EXPECT_EQ(r->passed(), 2);
  EXPECT_EQ(r->failed(), 0);
}

TEST(RunnerTest, SingleTestDirectoryNamesItsSuiteAfterTheParent) {
  absl::StatusOr<Report> r =
      RunSuite({std::string(kData) + "/test_add", std::string(kData) + "/"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->suites.size(), 1u);
  EXPECT_EQ(r->suites[0].suite, "node");
  EXPECT_EQ(r->tests.size(), 5u);  // test_add twice
  EXPECT_EQ(r->suites[0].passed, 3);
}

TEST(RunnerTest, TextReportHasTableTotalsAndClosingLine) {
  absl::StatusOr<Report> r = RunSuite({kData});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string text = FormatReport(*r);
  EXPECT_NE(text.find("\nAbs "), std::string::npos) << text;
  EXPECT_NE(text.find("com.example.NoSuchOp"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL node/test_abs_wrong_output [Abs]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("node: 2 passed, 1 failed, 1 unsupported\n"),
            std::string::npos)
      << text;
  // The last line counts unsupported tests as failed.
  const std::string tail = "\n2 passed, 2 failed\n";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail) << text;
}

TEST(RunnerTest, JsonReportParses) {
  absl::StatusOr<Report> r = RunSuite({kData});
  ASSERT_TRUE(r.ok()) << r.status();
  rapidjson::Document d;
  d.Parse(ReportToJson(*r).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["passed"].GetInt(), 2);
  EXPECT_EQ(d["failed"].GetInt(), 1);
  EXPECT_EQ(d["unsupported"].GetInt(), 1);
  ASSERT_EQ(d["tests"].Size(), 4u);
  EXPECT_EQ(d["suites"][0]["suite"], "node");
}

TEST(RunnerTest, Errors) {
  RunOptions bad;
  bad.filter = "(unclosed";
  EXPECT_EQ(RunSuite({kData}, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunSuite({"tests/onnx_conformance/no_such_dir"}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace quantsim::conformance
