#!/usr/bin/env bash
# The README's main job: set up, then benchmark the QDQ and statistics
# kernels on this machine (until QuantSim lands, this is the main job).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec bazel run -c opt //benchmarks/kernels/cpu/fake_quant:qdq_bench -- \
  --benchmark_min_time=0.2 "$@"
