#!/bin/bash
# Runs the stats benchmark once on the 1M sizes so it never rots (< 10 s).
set -euo pipefail
"$1" --benchmark_min_time=0 --benchmark_filter='/n:1048576/|BM_Memcpy/1048576'
