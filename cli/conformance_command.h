// quantsim CLI: `quantsim conformance DIR... [--json] [--filter REGEX]
// [--threads N]`.
//
// Contract: runs the ONNX backend test directories DIR... (suite folders such
// as /usr/share/libonnx-testdata/data/node, or single test folders) with
// conformance::RunSuite and prints the report to `out`: the per-op table,
// every test that did not pass, per-suite totals and the closing
// "N passed, N failed" line; --json prints the JSON report instead. Exit code
// 0 when every test run passed, 1 when any failed or was unsupported (or on
// an error such as a missing directory, printed to `err`), 2 for usage
// errors.
#ifndef QUANTSIM_CLI_CONFORMANCE_COMMAND_H_
#define QUANTSIM_CLI_CONFORMANCE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace quantsim::cli {

// `args` are the arguments after "conformance".
int ConformanceCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);

}  // namespace quantsim::cli

#endif  // QUANTSIM_CLI_CONFORMANCE_COMMAND_H_
