#!/bin/bash
# Smoke test for a benchmark binary: every benchmark at its smallest size
# runs once and must not error (unsupported-Isa skips are fine).
set -euo pipefail
out=$("$1" --benchmark_min_time=0 \
  --benchmark_filter='/(n:1048576|rows:1024|N:1|N:8/C:64|1048576|1024000|802816|200704)(/|$)')
echo "$out"
if grep "ERROR OCCURRED" <<<"$out" | grep -qv "not supported"; then exit 1; fi
grep -q "^BM_" <<<"$out"
