// quantsim CLI: `quantsim run MODEL.onnx --input NAME=FILE.npy ...
// [--threads N] --out DIR`.
//
// Contract: reads the model (export/onnx.h), checks that every op is
// supported (all missing op types listed at once), compiles it with the
// builtin ops, runs it once on the given .npy inputs (every graph input must
// be given, no unknown names) and writes each graph output to
// DIR/<output name>.npy ('/' and other characters unsafe in file names
// become '_'). Prints each output's name and shape and the run time to
// `out`. Errors go to `err` as the Status message; the exit code is then 1
// (2 for usage errors).
#ifndef QUANTSIM_CLI_RUN_COMMAND_H_
#define QUANTSIM_CLI_RUN_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace quantsim::cli {

// `args` are the arguments after "run".
int RunCommand(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

// File name used for an output value: "/fc2/Gemm_output_0" ->
// "_fc2_Gemm_output_0".
std::string OutputFileName(const std::string& value_name);

}  // namespace quantsim::cli

#endif  // QUANTSIM_CLI_RUN_COMMAND_H_
