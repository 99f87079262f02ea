#!/usr/bin/env bash
# Runs onnx.checker (full_check: with strict shape inference) from Debian's
# python3-onnx on models written by WriteOnnx. Skips (passes, saying so) when
# python3-onnx is not installed: tools/setup.sh installs it.
set -euo pipefail
writer="$1"
data="$(dirname "$2")"
out="${TEST_TMPDIR:-$(mktemp -d)}/checker"
mkdir -p "$out"
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3
if ! "$py" -c "import onnx" 2>/dev/null; then
  echo "SKIPPED: python3-onnx is not installed (apt-get install python3-onnx)"
  exit 0
fi
"$writer" "$data" "$out"
for f in "$out"/*.onnx; do
  "$py" -c "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$f"
  echo "checker OK: $(basename "$f")"
done
# The checker must not be a rubber stamp: a broken model fails.
"$py" - "$out/identity.onnx" <<'PY'
import onnx, sys
m = onnx.load(sys.argv[1])
m.graph.node[0].input[0] = "no_such_value"
try:
    onnx.checker.check_model(m, full_check=True)
except onnx.checker.ValidationError:
    sys.exit(0)
sys.exit("checker accepted a broken model")
PY
echo "onnx_checker_test: all models valid"
