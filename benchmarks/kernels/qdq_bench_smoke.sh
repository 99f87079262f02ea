#!/bin/bash
# Smoke test: run qdq_bench once on the 1M-float sizes.
set -euo pipefail
out=$("$1" --benchmark_min_time=0 --benchmark_filter='1048576')
echo "$out"
grep -q 'BM_Memcpy/1048576' <<<"$out"
grep -q 'copy_frac' <<<"$out"
! grep -q 'ERROR OCCURRED' <<<"$out" || grep -q 'Isa not supported' <<<"$out"
