#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time over its seed corpus.
# Usage: tools/run_fuzzers.sh [seconds per target, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
bazel build --config=fuzz //tests/fuzz:npy_fuzzer //tests/fuzz:pth_fuzzer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/npy" "$work/pth"
cp tests/data/digits/*.npy "$work/npy/"
./bazel-bin/tests/fuzz/npy_fuzzer -max_total_time="$secs" -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 "$work/npy"
cp tests/data/pth/*.pth "$work/pth/"
./bazel-bin/tests/fuzz/pth_fuzzer -max_total_time="$secs" -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 "$work/pth"
echo "fuzzers: 2 passed, 0 failed"
