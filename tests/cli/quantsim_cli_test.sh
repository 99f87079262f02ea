#!/usr/bin/env bash
# The quantsim binary: dispatches subcommands, help exits 0, unknown ones 2,
# and `run` reports a Status message with exit code 1.
set -uo pipefail
bin="$1"
"$bin" help | grep -q "run" || { echo "help does not list run"; exit 1; }
"$bin" frobnicate 2>/dev/null; rc=$?
[[ $rc -eq 2 ]] || { echo "unknown command: exit $rc, want 2"; exit 1; }
msg=$("$bin" run "${TEST_TMPDIR:-/tmp}/missing.onnx" --out /tmp 2>&1); rc=$?
[[ $rc -eq 1 ]] || { echo "missing model: exit $rc, want 1"; exit 1; }
grep -q "missing.onnx" <<<"$msg" || { echo "message: $msg"; exit 1; }
echo "quantsim_cli_test: OK"
