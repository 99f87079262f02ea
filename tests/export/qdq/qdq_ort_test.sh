#!/usr/bin/env bash
# ONNX Runtime check of the QDQ export: writes the cases (qdq_ort_cases),
# runs them with onnxruntime-node and compares with quantsim's simulation
# (ort_compare.js). Passes with a SKIPPED line when node or ORT is missing:
# tools/ort/install.sh installs ORT (tools/setup.sh does when node exists).
# ORT is looked up in $QUANTSIM_ORT_DIR, ~/.cache/quantsim-ort (the real
# home: Bazel points HOME at the test's temp dir) and /tmp/ortnode.
# usage: qdq_ort_test.sh CASES_BIN COMPARE_JS DIGITS_ONNX DIGITS_X_NPY TORCH_QDQ TORCH_LOGITS
set -euo pipefail
cases="$1" compare="$2" digits_onnx="$3" digits_x="$4" torch_qdq="$5" torch_logits="$6"
if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node is not installed (ORT tests need Node.js + tools/ort/install.sh)"
  exit 0
fi
home="$(getent passwd "$(id -u)" | cut -d: -f6 || true)"
modules=""
for d in "${QUANTSIM_ORT_DIR:-}" "${home:-/root}/.cache/quantsim-ort" /tmp/ortnode; do
  if [[ -n "$d" && -f "$d/node_modules/onnxruntime-node/package.json" ]]; then
    modules="$d/node_modules"
    break
  fi
done
if [[ -z "$modules" ]]; then
  echo "SKIPPED: onnxruntime-node not found (run tools/ort/install.sh)"
  exit 0
fi
out="${TEST_TMPDIR:-$(mktemp -d)}/qdq_ort"
mkdir -p "$out"
data="$(dirname "$digits_x")"
"$cases" "$out" "$digits_onnx" "$data"
# ONNX 1.12's checker (Debian python3-onnx), when present, on the files it
# knows (opset <= 17; the opset-21 ones are ORT-only checks).
if /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 - "$out" <<'PY'
import glob, onnx, sys
n = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.onnx")):
    m = onnx.load(f)
    if max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) <= 17:
        onnx.checker.check_model(m, full_check=True)
        n += 1
print(f"onnx.checker: {n} QDQ models valid")
PY
fi
NODE_PATH="$modules" node "$compare" "$out" "$torch_qdq" "$torch_logits" \
  "$digits_x" "$data/digits_test_y.npy"
