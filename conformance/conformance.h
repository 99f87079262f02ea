// quantsim conformance: running ONNX backend test directories (the layout of
// onnx/backend/test/data, shipped by Debian's libonnx-testdata) through the
// ONNX reader, the builtin ops and the executor.
//
// Contract:
//  - A test directory holds model.onnx and test_data_set_*/{input,output}_N.pb
//    (serialized TensorProtos). RunSuite takes suite directories (folders of
//    test directories, e.g. .../data/node; the suite is named after the
//    folder) or single test directories (suite = the parent folder's name).
//  - Per test: read the model, check that every op is registered, compile,
//    bind input_N.pb to the graph inputs (by the proto's name when every name
//    matches a graph input, else in order; initializer inputs are parameters
//    already), run, compare each output_N.pb with the graph output in order
//    (conformance/compare.h; rtol 1e-3, atol 1e-5 unless the op's entry in
//    ToleranceFor says otherwise).
//  - Outcomes: kPass; kUnsupported when an op type is not registered or any
//    step answers Unimplemented (a feature, dtype or attribute quantsim does
//    not model); kFail for every other error and for wrong outputs. Every
//    error comes back as data: one test never stops the run.
//  - RunSuite returns InvalidArgument for a bad filter regex and NotFound for
//    a directory that does not exist; a directory with no tests gives a suite
//    with zero tests.
#ifndef QUANTSIM_CONFORMANCE_CONFORMANCE_H_
#define QUANTSIM_CONFORMANCE_CONFORMANCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "conformance/compare.h"

namespace quantsim::conformance {

enum class Outcome { kPass, kFail, kUnsupported };
const char* OutcomeName(Outcome outcome);  // "PASS", "FAIL", "UNSUPPORTED"

// Why a test did not pass (README grouping).
enum class Cause {
  kNone,         // passed
  kMissingOp,    // an op type is not registered
  kUnsupported,  // Unimplemented from the reader, compiler or a kernel
  kError,        // any other error (reading, compiling, running)
  kWrongOutput,  // wrong output count, dtype or shape
  kWrongValues,  // values outside the tolerance
};
const char* CauseName(Cause cause);

struct TestResult {
  std::string suite;  // "node"
  std::string name;   // "test_abs"
  Outcome outcome = Outcome::kFail;
  Cause cause = Cause::kError;
  std::vector<std::string> op_types;     // as written in model.onnx
  std::vector<std::string> missing_ops;  // kMissingOp: unregistered types
  std::string message;                   // empty when passed
  double seconds = 0;
};

struct SuiteTotals {
  std::string suite;
  int passed = 0;
  int failed = 0;
  int unsupported = 0;
};

struct Report {
  std::vector<TestResult> tests;
  std::vector<SuiteTotals> suites;  // in the order first seen
  int passed() const;
  int failed() const;
  int unsupported() const;
  const SuiteTotals* Suite(const std::string& name) const;
};

struct RunOptions {
  // ECMAScript regex searched in "<suite>/<test>"; empty runs every test.
  std::string filter;
  int num_threads = 1;  // executor threads (0: hardware concurrency)
};

// Tolerance used for a test whose model holds `op_types`.
Tolerance ToleranceFor(const std::vector<std::string>& op_types);

TestResult RunTest(const std::string& dir, const std::string& suite,
                   const RunOptions& options);
absl::StatusOr<Report> RunSuite(const std::vector<std::string>& dirs,
                                const RunOptions& options = {});

// Text report: a table by op type (a test counts under each op type of its
// model; an unsupported one only under its missing op types), then every
// test that did not pass with its message, then "<suite>: N passed, N
// failed, N unsupported" per suite and the closing "N passed, N failed"
// (failed counting the unsupported tests too).
std::string FormatReport(const Report& report);
// The same as JSON: {"suites": [...], "tests": [...], "passed": N, ...}.
std::string ReportToJson(const Report& report);

}  // namespace quantsim::conformance

#endif  // QUANTSIM_CONFORMANCE_CONFORMANCE_H_
