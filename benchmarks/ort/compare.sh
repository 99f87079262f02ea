#!/usr/bin/env bash
# ResNet18: ONNX Runtime vs quantsim on the same model file and inputs,
# alternating (ORT, quantsim) ROUNDS times per (batch, threads) so that both
# see the same machine load; then checks that the outputs agree.
# Usage (from the repository root, after
#   bazel build //benchmarks/ort:write_resnet18 //benchmarks/ort:qs_time
#   sh /work/shared/tools/ort/install_ort_node.sh /tmp/ortnode):
#   NODE_PATH=/tmp/ortnode/node_modules benchmarks/ort/compare.sh DIR [ITERS] [ROUNDS]
# Writes DIR/resnet18.onnx and DIR/images_b{1,8}.npy when missing.
set -euo pipefail
dir="$1"
iters="${2:-10}"
rounds="${3:-3}"
bin=bazel-bin/benchmarks/ort
here="$(dirname "$0")"
mkdir -p "$dir"
[[ -f "$dir/resnet18.onnx" ]] || "$bin/write_resnet18" "$dir" 1 8
echo "# $(uptime)"
for batch in 1 8; do
  for threads in 1 2; do
    for round in $(seq "$rounds"); do
      node "$here/ort_time.js" "$dir/resnet18.onnx" "$dir/images_b$batch.npy" \
        "$threads" "$iters" "$dir/ort_b$batch.npy"
      "$bin/qs_time" "$dir/resnet18.onnx" "$dir/images_b$batch.npy" \
        "$threads" "$iters" "$dir/qs_b$batch.npy"
    done
  done
  node /work/shared/tools/ort/ort_run.js compare "$dir/ort_b$batch.npy" \
    "$dir/qs_b$batch.npy" --rtol 1e-3 --atol 1e-4
done
echo "# $(uptime)"
