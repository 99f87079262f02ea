#!/bin/bash
# Smoke test: run analyzer_bench once (every case, minimal time).
set -euo pipefail
out=$("$1" --benchmark_min_time=0)
echo "$out"
grep -q 'BM_TfUpdateStats/1' <<<"$out"
grep -q 'BM_TfeUpdateStats/2' <<<"$out"
grep -q 'BM_TfeComputeEncoding/2/1' <<<"$out"
! grep -q 'ERROR OCCURRED' <<<"$out"
