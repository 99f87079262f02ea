#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time over its own seed corpus
# (libFuzzer reads corpus folders recursively: one folder per fuzzer).
# Usage: tools/run_fuzzers.sh [seconds per target, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
bazel build --config=fuzz //tests/fuzz:npy_fuzzer //tests/fuzz:onnx_fuzzer \
  //tests/fuzz:pth_fuzzer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # run NAME SEEDS...
  local name="$1"
  shift
  mkdir -p "$work/$name"
  cp "$@" "$work/$name/"
  ./bazel-bin/tests/fuzz/"$name" -max_total_time="$secs" -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 "$work/$name"
}
run npy_fuzzer tests/data/digits/*.npy
run onnx_fuzzer tests/data/onnx/digits*.onnx
run pth_fuzzer tests/data/pth/*.pth
echo "fuzzers: 3 passed, 0 failed"
