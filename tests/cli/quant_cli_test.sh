#!/usr/bin/env bash
# The quantsim binary dispatches `quantize` and `eval`: help lists them, a bad
# flag exits 2 with the usage, a missing model exits 1 naming the file.
set -uo pipefail
bin="$1"
"$bin" help | grep -q "quantize" || { echo "help does not list quantize"; exit 1; }
"$bin" help | grep -q "eval" || { echo "help does not list eval"; exit 1; }
msg=$("$bin" quantize m.onnx --calib c.npy --out o --frob 2>&1); rc=$?
[[ $rc -eq 2 ]] || { echo "bad flag: exit $rc, want 2"; exit 1; }
grep -q "usage: quantsim quantize" <<<"$msg" || { echo "message: $msg"; exit 1; }
msg=$("$bin" eval "${TEST_TMPDIR:-/tmp}/gone.onnx" --data x.npy --labels y.npy \
  --calib c.npy 2>&1); rc=$?
[[ $rc -eq 1 ]] || { echo "missing model: exit $rc, want 1"; exit 1; }
grep -q "gone.onnx" <<<"$msg" || { echo "message: $msg"; exit 1; }
echo "quant_cli_test: OK"
