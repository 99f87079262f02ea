#!/bin/bash
# Smoke test: run gemm_bench once on the small shapes so it never rots.
set -euo pipefail
out=$("$1" --benchmark_min_time=0 \
  --benchmark_filter='BM_FmaPeak|BM_Gemm/m:256/n:256/k:256/threads:1|BM_Gemm/m:128/n:784/k:64/')
echo "$out"
grep -q 'BM_Gemm/m:256/n:256/k:256/threads:1/isa:1' <<<"$out"
grep -q 'peak_frac' <<<"$out"
! grep 'ERROR OCCURRED' <<<"$out" | grep -vq 'Isa not supported'
