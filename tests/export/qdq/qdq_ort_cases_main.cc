// Writes the QDQ export cases for ONNX Runtime (qdq_ort_test.sh):
//   qdq_ort_cases OUT_DIR DIGITS_ONNX DIGITS_DATA_DIR
// For each case: <name>.onnx (WriteQdqOnnx), <name>_x.npy (input),
// <name>_sim.npy (quantsim's simulated output) and a manifest line
//   name <tab> lsb <tab> max_lsb <tab> labels.npy or "-"
// max_lsb: 0 = must match bit for bit, k = at most k output steps, -1 =
// report only (half-away sims, whose rounding ONNX cannot express), -2 =
// must differ (a negative control: the harness is no rubber stamp).
// It also prints, per case, the LSB difference between the simulation and
// the lowered graph run in quantsim.
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "engine/npy.h"
#include "engine/status.h"
#include "export/qdq/qdq_export.h"
#include "tests/export/qdq/qdq_digits.h"
#include "tests/export/qdq/qdq_test_util.h"

namespace quantsim::io::qdq_testing {
namespace {

int Fail(const absl::Status& s, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

struct Writer {
  std::string dir;
  std::ofstream manifest;

  absl::Status Add(const std::string& name, const graph::Graph& sim,
                   const engine::Tensor& x, float lsb, double max_lsb,
                   const std::string& labels, const QdqExportOptions& o = {}) {
    QdqExportInfo info;
    QS_RETURN_IF_ERROR(WriteQdqOnnx(sim, dir + "/" + name + ".onnx", o, &info));
    QS_ASSIGN_OR_RETURN(engine::Tensor want, RunGraph(sim, {x}));
    QS_ASSIGN_OR_RETURN(graph::Graph lowered, LowerToQdqOnnx(sim, o));
    QS_ASSIGN_OR_RETURN(engine::Tensor got, RunGraph(lowered, {x}));
    QS_RETURN_IF_ERROR(engine::WriteNpy(dir + "/" + name + "_x.npy", x));
    QS_RETURN_IF_ERROR(engine::WriteNpy(dir + "/" + name + "_sim.npy", want));
    std::printf(
        "case %-28s opset %d%s quantizers %d rounding-mismatch %zu "
        "clips %zu; quantsim sim vs lowered: max %.3g LSB\n",
        name.c_str(), info.opset,
        info.uses_microsoft_domain ? "+com.microsoft" : "", info.num_quantizers,
        info.rounding_mismatch.size(), info.narrow_grid_clips.size(),
        MaxLsbDiff(want, got, lsb));
    manifest << name << '\t' << lsb << '\t' << max_lsb << '\t' << labels
             << '\n';
    return absl::OkStatus();
  }
};

int Main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s OUT_DIR DIGITS_ONNX DIGITS_DATA_DIR\n",
                 argv[0]);
    return 2;
  }
  Writer w{argv[1], std::ofstream(std::string(argv[1]) + "/manifest.tsv")};
  for (const std::string rounding : {"half_to_even", "half_away_from_zero"}) {
    const bool even = rounding == "half_to_even";
    for (const SimCase& c : MakeSimCases(rounding)) {
      const double tol = even ? (c.bit_exact ? 0 : 1) : -1;
      absl::Status s = w.Add(c.name, c.graph, c.inputs[0], c.out_lsb, tol, "-");
      if (!s.ok()) return Fail(s, c.name);
      if (c.name == "wide16") {
        QdqExportOptions o;
        o.sixteen_bit = SixteenBitQdq::kMicrosoftDomain;
        s = w.Add("wide16_ms", c.graph, c.inputs[0], c.out_lsb, tol, "-", o);
        if (!s.ok()) return Fail(s, "wide16_ms");
      }
      if (c.name == "narrow") {  // negative control: must differ
        QdqExportOptions o;
        o.emulate_narrow_grids = false;
        s = w.Add("narrow_unclipped", c.graph, c.inputs[0], c.out_lsb, -2, "-",
                  o);
        if (!s.ok()) return Fail(s, "narrow_unclipped");
      }
    }
  }
  const std::string data = argv[3];
  absl::StatusOr<engine::Tensor> calib =
      engine::ReadNpy(data + "/digits_calib_x.npy");
  absl::StatusOr<engine::Tensor> test =
      engine::ReadNpy(data + "/digits_test_x.npy");
  if (!calib.ok()) return Fail(calib.status(), "calib");
  if (!test.ok()) return Fail(test.status(), "test");
  const std::string labels = data + "/digits_test_y.npy";
  struct Variant {
    std::string name;
    bool per_channel;
    std::string rounding;
    double tol;
  };
  for (const Variant& v :
       {Variant{"digits_w8a8_pt", false, "half_to_even", 1},
        Variant{"digits_w8a8_pc", true, "half_to_even", 1},
        Variant{"digits_w8a8_pt_half_away", false, "half_away_from_zero", -1},
        Variant{"digits_w8a8_pc_half_away", true, "half_away_from_zero", -1}}) {
    DigitsQuantOptions q;
    q.per_channel_weights = v.per_channel;
    q.rounding = v.rounding;
    absl::StatusOr<graph::Graph> sim = DigitsSimGraph(argv[2], *calib, q);
    if (!sim.ok()) return Fail(sim.status(), v.name);
    absl::Status s = w.Add(v.name, *sim, *test, OutputLsb(*sim), v.tol, labels);
    if (!s.ok()) return Fail(s, v.name);
  }
  w.manifest.close();
  return w.manifest.fail() ? 1 : 0;
}

}  // namespace
}  // namespace quantsim::io::qdq_testing

int main(int argc, char** argv) {
  return quantsim::io::qdq_testing::Main(argc, argv);
}
