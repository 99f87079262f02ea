// Running ONNX backend test directories (see conformance/conformance.h).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "conformance/conformance.h"
#include "engine/context.h"
#include "engine/status.h"
#include "export/onnx.h"
#include "graph/executor.h"
#include "ops/registry.h"

namespace quantsim::conformance {
namespace {

namespace fs = std::filesystem;

// Op types whose reference outputs need a looser tolerance than the default
// (the ONNX test generator's own rtol/atol, or float accumulation order).
const std::map<std::string, Tolerance>& ToleranceTable() {
  static const auto* table = new std::map<std::string, Tolerance>{};
  return *table;
}

std::string Basename(const std::string& path) {
  fs::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // trailing '/'
  return p.filename().string();
}

// Sorted files "<prefix>N.pb" in `dir`, N = 0, 1, ... until one is missing.
std::vector<std::string> NumberedFiles(const std::string& dir,
                                       const std::string& prefix) {
  std::vector<std::string> files;
  for (int i = 0;; ++i) {
    const std::string f = absl::StrCat(dir, "/", prefix, i, ".pb");
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) break;
    files.push_back(f);
  }
  return files;
}

// ONNX 1.12's test data stores bfloat16 tensors as uint16 bit patterns
// (numpy has no bfloat16): a u16 tensor where bf16 is wanted is read as the
// same bits.
engine::Tensor AsBF16IfBits(const engine::Tensor& t, engine::DType wanted) {
  if (wanted != engine::DType::kBF16 || t.dtype() != engine::DType::kU16) {
    return t;
  }
  absl::StatusOr<engine::Tensor> v = engine::Tensor::FromStorage(
      t.storage(), t.offset(), t.shape(), t.strides(), engine::DType::kBF16);
  return v.ok() ? *v : t;
}

// Sets outcome/cause/message from a failed step.
void SetError(const absl::Status& s, const std::string& step, TestResult* r) {
  const bool unimplemented = s.code() == absl::StatusCode::kUnimplemented;
  r->outcome = unimplemented ? Outcome::kUnsupported : Outcome::kFail;
  r->cause = unimplemented ? Cause::kUnsupported : Cause::kError;
  r->message = absl::StrCat(step, ": ", s.ToString());
}

// Runs one test_data_set folder; returns false (with `r` filled) on failure.
bool RunDataSet(const graph::CompiledGraph& compiled,
                const engine::Context& context, const std::string& set_dir,
                const Tolerance& tolerance, TestResult* r) {
  const std::string set_name = Basename(set_dir);
  const graph::Graph& g = compiled.graph();
  std::vector<std::string> input_files = NumberedFiles(set_dir, "input_");
  std::vector<std::string> output_files = NumberedFiles(set_dir, "output_");
  std::vector<engine::Tensor> given;
  std::vector<std::string> names;
  for (const std::string& f : input_files) {
    std::string name;
    absl::StatusOr<engine::Tensor> t = io::ReadTensorProtoFile(f, &name);
    if (!t.ok()) {
      SetError(t.status(), absl::StrCat(set_name, " input"), r);
      return false;
    }
    given.push_back(*std::move(t));
    names.push_back(std::move(name));
  }
  const size_t num_inputs = g.inputs().size();
  if (given.size() != num_inputs) {
    r->outcome = Outcome::kFail;
    r->cause = Cause::kError;
    r->message = absl::StrCat(set_name, ": ", given.size(), " input files for ",
                              num_inputs, " graph inputs");
    return false;
  }
  // Bind by name when every proto name is a graph input, else in order.
  std::vector<engine::Tensor> inputs(num_inputs);
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < num_inputs; ++i) {
    position[g.value(g.inputs()[i]).name] = i;
  }
  bool by_name = true;
  std::set<size_t> used;
  for (const std::string& n : names) {
    auto it = position.find(n);
    if (it == position.end() || !used.insert(it->second).second) {
      by_name = false;
    }
  }
  for (size_t i = 0; i < num_inputs; ++i) {
    const size_t to = by_name ? position[names[i]] : i;
    inputs[to] = AsBF16IfBits(given[i], g.value(g.inputs()[to]).type.dtype);
  }
  absl::StatusOr<graph::RunResult> result = compiled.Run(context, inputs);
  if (!result.ok()) {
    SetError(result.status(), absl::StrCat(set_name, " run"), r);
    return false;
  }
  if (result->outputs.size() != output_files.size()) {
    r->outcome = Outcome::kFail;
    r->cause = Cause::kWrongOutput;
    r->message = absl::StrCat(set_name, ": ", result->outputs.size(),
                              " outputs, expected ", output_files.size());
    return false;
  }
  for (size_t i = 0; i < output_files.size(); ++i) {
    absl::StatusOr<engine::Tensor> expected =
        io::ReadTensorProtoFile(output_files[i]);
    if (!expected.ok()) {
      SetError(expected.status(), absl::StrCat(set_name, " output"), r);
      return false;
    }
    const engine::Tensor& actual = result->outputs[i];
    *expected = AsBF16IfBits(*expected, actual.dtype());
    std::string diff = CompareTensors(*expected, actual, tolerance);
    if (!diff.empty()) {
      const bool values = expected->dtype() == actual.dtype() &&
                          expected->shape().dims() == actual.shape().dims();
      r->outcome = Outcome::kFail;
      r->cause = values ? Cause::kWrongValues : Cause::kWrongOutput;
      r->message = absl::StrCat(set_name, " output ", i, " '",
                                g.value(g.outputs()[i]).name, "': ", diff);
      return false;
    }
  }
  return true;
}

void RunTestImpl(const std::string& dir, const RunOptions& options,
                 TestResult* r) {
  const std::string model_path = dir + "/model.onnx";
  absl::StatusOr<std::vector<std::string>> types =
      io::ReadOnnxOpTypes(model_path);
  if (!types.ok()) {
    SetError(types.status(), "model", r);
    return;
  }
  r->op_types = *types;
  const graph::OpRegistry& registry = ops::BuiltinOps();
  absl::StatusOr<io::OnnxModel> model = io::ReadOnnx(model_path);
  std::set<std::string> missing;
  if (!model.ok()) {
    // A model the reader rejects (e.g. no default-domain opset_import in a
    // model of only ai.onnx.preview.training ops) is unsupported when it
    // uses op types we do not have; the reader maps a few types it upgrades
    // (Upsample -> Resize), so this is checked only after a failure.
    for (const std::string& type : r->op_types) {
      if (!registry.Find(type).ok()) missing.insert(type);
    }
    if (missing.empty()) {
      SetError(model.status(), "read", r);
      return;
    }
  } else {
    for (int i = 0; i < model->graph.num_nodes(); ++i) {
      const std::string& type = model->graph.node(i).op_type;
      if (!registry.Find(type).ok()) missing.insert(type);
    }
  }
  if (!missing.empty()) {
    r->outcome = Outcome::kUnsupported;
    r->cause = Cause::kMissingOp;
    r->missing_ops.assign(missing.begin(), missing.end());
    r->message = absl::StrCat("missing op type", missing.size() > 1 ? "s" : "",
                              ": ", absl::StrJoin(missing, ", "));
    return;
  }
  absl::StatusOr<std::unique_ptr<graph::CompiledGraph>> compiled =
      graph::CompiledGraph::Compile(std::move(model->graph), registry);
  if (!compiled.ok()) {
    SetError(compiled.status(), "compile", r);
    return;
  }
  std::vector<std::string> sets;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("test_data_set_", 0) == 0 && it->is_directory(ec)) {
      sets.push_back(it->path().string());
    }
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) {
    r->outcome = Outcome::kFail;
    r->cause = Cause::kError;
    r->message = "no test_data_set_* folder";
    return;
  }
  engine::ContextOptions copts;
  copts.num_threads = options.num_threads;
  engine::Context context(copts);
  const Tolerance tolerance = ToleranceFor(r->op_types);
  for (const std::string& set : sets) {
    if (!RunDataSet(**compiled, context, set, tolerance, r)) return;
  }
  r->outcome = Outcome::kPass;
  r->cause = Cause::kNone;
  r->message.clear();
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kUnsupported:
      return "UNSUPPORTED";
  }
  return "?";
}

const char* CauseName(Cause cause) {
  switch (cause) {
    case Cause::kNone:
      return "none";
    case Cause::kMissingOp:
      return "missing op";
    case Cause::kUnsupported:
      return "unsupported feature";
    case Cause::kError:
      return "error";
    case Cause::kWrongOutput:
      return "wrong output dtype/shape";
    case Cause::kWrongValues:
      return "wrong values";
  }
  return "?";
}

Tolerance ToleranceFor(const std::vector<std::string>& op_types) {
  Tolerance t;
  for (const std::string& op : op_types) {
    auto it = ToleranceTable().find(op);
    if (it == ToleranceTable().end()) continue;
    t.rtol = std::max(t.rtol, it->second.rtol);
    t.atol = std::max(t.atol, it->second.atol);
  }
  return t;
}

TestResult RunTest(const std::string& dir, const std::string& suite,
                   const RunOptions& options) {
  TestResult r;
  r.suite = suite;
  r.name = Basename(dir);
  const auto start = std::chrono::steady_clock::now();
  RunTestImpl(dir, options, &r);
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return r;
}

absl::StatusOr<Report> RunSuite(const std::vector<std::string>& dirs,
                                const RunOptions& options) {
  std::regex filter;
  if (!options.filter.empty()) {
    try {
      filter = std::regex(options.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad filter regex '", options.filter, "': ", e.what()));
    }
  }
  Report report;
  std::map<std::string, size_t> suite_index;
  auto suite_totals = [&](const std::string& suite) -> SuiteTotals& {
    auto [it, added] = suite_index.emplace(suite, report.suites.size());
    if (added) report.suites.push_back(SuiteTotals{suite});
    return report.suites[it->second];
  };
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return absl::NotFoundError(absl::StrCat("no directory ", dir));
    }
    std::vector<std::pair<std::string, std::string>> tests;  // dir, suite
    if (fs::exists(fs::path(dir) / "model.onnx", ec)) {
      fs::path p(dir);
      if (!p.has_filename()) p = p.parent_path();
      tests.emplace_back(dir, Basename(p.parent_path().string()));
    } else {
      const std::string suite = Basename(dir);
      suite_totals(suite);
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (fs::exists(it->path() / "model.onnx", ec)) {
          tests.emplace_back(it->path().string(), suite);
        }
      }
      std::sort(tests.begin(), tests.end());
    }
    for (const auto& [test_dir, suite] : tests) {
      const std::string key = absl::StrCat(suite, "/", Basename(test_dir));
      if (!options.filter.empty() && !std::regex_search(key, filter)) {
        continue;
      }
      TestResult r = RunTest(test_dir, suite, options);
      SuiteTotals& totals = suite_totals(suite);
      switch (r.outcome) {
        case Outcome::kPass:
          ++totals.passed;
          break;
        case Outcome::kFail:
          ++totals.failed;
          break;
        case Outcome::kUnsupported:
          ++totals.unsupported;
          break;
      }
      report.tests.push_back(std::move(r));
    }
  }
  return report;
}

}  // namespace quantsim::conformance
