#!/bin/bash
# Smoke test: each 1M-element benchmark runs once and must not error.
set -euo pipefail
out=$("$1" --benchmark_min_time=0 --benchmark_filter='/n:1048576/')
echo "$out"
if grep "ERROR OCCURRED" <<<"$out" | grep -qv "not supported"; then exit 1; fi
grep -q "BM_RangeLearnBackward" <<<"$out"
grep -q "BM_SteBackward" <<<"$out"
