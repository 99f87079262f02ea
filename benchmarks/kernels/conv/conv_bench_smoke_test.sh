#!/bin/bash
# Smoke test: run conv_bench once on the smallest layers so it never rots.
set -euo pipefail
out=$("$1" --benchmark_min_time=0 \
  --benchmark_filter='BM_Conv/layer:(8|9)/batch:1/threads:1/')
echo "$out"
grep -q 'BM_Conv/layer:8/batch:1/threads:1/isa:2' <<<"$out"
grep -q 'GFLOPS' <<<"$out"
! grep 'ERROR OCCURRED' <<<"$out" | grep -vq 'Isa not supported'
