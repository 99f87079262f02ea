#!/usr/bin/env bash
# Runs a Google Benchmark binary once on a subset so it never rots.
# Usage: benchmark_smoke.sh BINARY FILTER [EXPECTED_NAME ...]
# Fails when a benchmark reports an error (other than "not supported" on
# this CPU or device) or when an expected benchmark name is missing.
set -euo pipefail
bin="$1"
filter="$2"
shift 2
out=$("$bin" --benchmark_min_time=0 --benchmark_filter="$filter")
echo "$out"
if grep "ERROR OCCURRED" <<<"$out" | grep -qv "not supported"; then
  echo "benchmark error" >&2
  exit 1
fi
for name in "$@"; do
  grep -q -- "$name" <<<"$out" || { echo "missing benchmark $name" >&2; exit 1; }
done
