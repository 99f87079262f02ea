#include "cli/conformance_command.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "conformance/conformance.h"
#include "engine/status.h"

namespace quantsim::cli {
namespace {

constexpr char kUsage[] =
    "usage: quantsim conformance DIR... [--json] [--filter REGEX] "
    "[--threads N]";

struct ConformanceArgs {
  std::vector<std::string> dirs;
  bool json = false;
  conformance::RunOptions options;
};

absl::StatusOr<ConformanceArgs> Parse(const std::vector<std::string>& args) {
  ConformanceArgs r;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(a, " needs a value"));
      }
      return args[++i];
    };
    if (a == "--json") {
      r.json = true;
    } else if (a == "--filter") {
      QS_ASSIGN_OR_RETURN(r.options.filter, value());
    } else if (a == "--threads") {
      QS_ASSIGN_OR_RETURN(std::string v, value());
      if (!absl::SimpleAtoi(v, &r.options.num_threads) ||
          r.options.num_threads < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--threads '", v, "': expected a number >= 0"));
      }
    } else if (!a.empty() && a[0] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", a));
    } else {
      r.dirs.push_back(a);
    }
  }
  if (r.dirs.empty()) return absl::InvalidArgumentError("no DIR given");
  return r;
}

}  // namespace

int ConformanceCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  absl::StatusOr<ConformanceArgs> parsed = Parse(args);
  if (!parsed.ok()) {
    err << "quantsim conformance: " << parsed.status().message() << "\n"
        << kUsage << "\n";
    return 2;
  }
  absl::StatusOr<conformance::Report> report =
      conformance::RunSuite(parsed->dirs, parsed->options);
  if (!report.ok()) {
    err << "quantsim conformance: " << report.status().message() << "\n";
    return report.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (parsed->json) {
    out << conformance::ReportToJson(*report) << "\n";
  } else {
    out << conformance::FormatReport(*report);
  }
  return report->failed() + report->unsupported() == 0 ? 0 : 1;
}

}  // namespace quantsim::cli
