#!/usr/bin/env bash
# Runs a Google Benchmark binary once on a subset so it never rots.
# Usage: benchmark_smoke.sh [--skip_if=LINE] BINARY FILTER [EXPECTED ...]
# Fails when the binary fails, when a benchmark reports an error (other than
# "not supported" on this CPU or device) or when an expected string (a
# benchmark name, a counter) is missing from the output. With --skip_if, an
# output containing LINE (the binary ran nothing on purpose, e.g. no GPU)
# needs no expected strings.
set -euo pipefail
skip_if=""
if [[ "${1:-}" == --skip_if=* ]]; then
  skip_if="${1#--skip_if=}"
  shift
fi
bin="$1"
filter="$2"
shift 2
out=$("$bin" --benchmark_min_time=0 --benchmark_filter="$filter")
echo "$out"
if grep "ERROR OCCURRED" <<<"$out" | grep -qv "not supported"; then
  echo "benchmark error" >&2
  exit 1
fi
if [[ -n "$skip_if" ]] && grep -qF -- "$skip_if" <<<"$out"; then
  echo "skipped: $skip_if"
  exit 0
fi
for name in "$@"; do
  grep -qF -- "$name" <<<"$out" || { echo "missing $name" >&2; exit 1; }
done
