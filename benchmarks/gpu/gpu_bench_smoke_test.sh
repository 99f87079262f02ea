#!/usr/bin/env bash
# Runs the GPU benchmark binary once (16M sizes, one iteration each) so it
# never rots; without a device it only checks that the binary starts.
set -euo pipefail
"$1" --benchmark_min_time=0 --benchmark_filter='/(n:)?16777216'
