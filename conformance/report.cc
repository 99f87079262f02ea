// Text and JSON forms of a conformance Report (see conformance.h).
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "conformance/conformance.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace quantsim::conformance {
namespace {

struct OpRow {
  int passed = 0;
  int failed = 0;
  int unsupported = 0;
};

}  // namespace

int Report::passed() const {
  int n = 0;
  for (const SuiteTotals& s : suites) n += s.passed;
  return n;
}
int Report::failed() const {
  int n = 0;
  for (const SuiteTotals& s : suites) n += s.failed;
  return n;
}
int Report::unsupported() const {
  int n = 0;
  for (const SuiteTotals& s : suites) n += s.unsupported;
  return n;
}
const SuiteTotals* Report::Suite(const std::string& name) const {
  for (const SuiteTotals& s : suites) {
    if (s.suite == name) return &s;
  }
  return nullptr;
}

std::string FormatReport(const Report& report) {
  std::map<std::string, OpRow> rows;
  for (const TestResult& t : report.tests) {
    const std::vector<std::string>& ops =
        t.cause == Cause::kMissingOp ? t.missing_ops : t.op_types;
    for (const std::string& op : ops) {
      OpRow& row = rows[op];
      switch (t.outcome) {
        case Outcome::kPass:
          ++row.passed;
          break;
        case Outcome::kFail:
          ++row.failed;
          break;
        case Outcome::kUnsupported:
          ++row.unsupported;
          break;
      }
    }
  }
  std::string out = absl::StrFormat("%-40s %6s %6s %6s  %s\n", "op type",
                                    "PASS", "FAIL", "UNSUP", "status");
  for (const auto& [op, row] : rows) {
    const char* status = row.failed > 0        ? "FAIL"
                         : row.unsupported > 0 ? "UNSUPPORTED"
                                               : "PASS";
    absl::StrAppendFormat(&out, "%-40s %6d %6d %6d  %s\n", op, row.passed,
                          row.failed, row.unsupported, status);
  }
  bool header = false;
  for (const TestResult& t : report.tests) {
    if (t.outcome == Outcome::kPass) continue;
    if (!header) {
      out += "\n";
      header = true;
    }
    absl::StrAppend(&out, OutcomeName(t.outcome), " ", t.suite, "/", t.name,
                    " [", absl::StrJoin(t.op_types, ","), "] (",
                    CauseName(t.cause), "): ", t.message, "\n");
  }
  out += "\n";
  for (const SuiteTotals& s : report.suites) {
    absl::StrAppend(&out, s.suite, ": ", s.passed, " passed, ", s.failed,
                    " failed, ", s.unsupported, " unsupported\n");
  }
  absl::StrAppend(&out, report.passed(), " passed, ",
                  report.failed() + report.unsupported(), " failed\n");
  return out;
}

std::string ReportToJson(const Report& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("passed");
  w.Int(report.passed());
  w.Key("failed");
  w.Int(report.failed());
  w.Key("unsupported");
  w.Int(report.unsupported());
  w.Key("suites");
  w.StartArray();
  for (const SuiteTotals& s : report.suites) {
    w.StartObject();
    w.Key("suite");
    str(s.suite);
    w.Key("passed");
    w.Int(s.passed);
    w.Key("failed");
    w.Int(s.failed);
    w.Key("unsupported");
    w.Int(s.unsupported);
    w.EndObject();
  }
  w.EndArray();
  w.Key("tests");
  w.StartArray();
  for (const TestResult& t : report.tests) {
    w.StartObject();
    w.Key("suite");
    str(t.suite);
    w.Key("name");
    str(t.name);
    w.Key("status");
    w.String(OutcomeName(t.outcome));
    w.Key("cause");
    w.String(CauseName(t.cause));
    w.Key("op_types");
    w.StartArray();
    for (const std::string& op : t.op_types) str(op);
    w.EndArray();
    w.Key("missing_ops");
    w.StartArray();
    for (const std::string& op : t.missing_ops) str(op);
    w.EndArray();
    w.Key("message");
    str(t.message);
    w.Key("seconds");
    w.Double(t.seconds);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace quantsim::conformance
