#!/usr/bin/env bash
# Smoke test of write_resnet18 + qs_time (see BUILD).
set -euo pipefail
write="$1"
time="$2"
dir="${TEST_TMPDIR:-$(mktemp -d)}"
"$write" "$dir" 1
test -s "$dir/resnet18.onnx"
out=$("$time" "$dir/resnet18.onnx" "$dir/images_b1.npy" 1 1 "$dir/out.npy")
echo "$out"
grep -q "quantsim threads=1 batch=1 iters=1" <<<"$out"
test -s "$dir/out.npy"
