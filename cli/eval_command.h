// quantsim CLI: `quantsim eval MODEL.onnx --data X.npy --labels Y.npy
// [--calib C.npy + quant flags | --encodings FILE] [--json]`.
//
// Contract: builds the QuantSim as `quantize` does (quant_options.h), gets
// its encodings by calibrating over C.npy or by loading FILE (non-strict:
// unknown tensors ignored; quantizers the file does not list are disabled),
// runs X (axis 0 = samples, --batch-size batches) through the float graph
// and the sim, and prints fp32 top-1 accuracy, simulated top-1 accuracy and
// the SQNR of the simulated logits vs the fp32 ones,
// 10 log10(sum fp32^2 / sum (sim - fp32)^2) dB ("inf" / JSON null when they
// are equal). --json prints one JSON object. Progress on `err` only when
// stderr is a terminal. Errors: exit 1 with the Status message; bad flags:
// usage, exit 2.
#ifndef QUANTSIM_CLI_EVAL_COMMAND_H_
#define QUANTSIM_CLI_EVAL_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace quantsim::cli {

// `args` are the arguments after "eval".
int EvalCommand(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace quantsim::cli

#endif  // QUANTSIM_CLI_EVAL_COMMAND_H_
