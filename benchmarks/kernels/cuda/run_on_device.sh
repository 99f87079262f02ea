#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and this repository: install the build
# dependencies, build the CUDA kernels, tests and benchmark with
# --config=cuda, run the CUDA tests and the GPU benchmark, and write logs and
# results under $OUT (or a fresh temporary folder). Exits non-zero if the
# build or a test fails, or if a device test skipped although nvidia-smi
# sees a GPU (the benchmark still runs after test failures). The device
# tests compare every kernel with the CPU kernels, bit for bit.
#
#   OUT=/tmp/gpu-results bash benchmarks/kernels/cuda/run_on_device.sh [benchmark args]
set -uo pipefail
cd "$(dirname "$0")/../../.."
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
echo "results in $out"

bash tools/setup.sh || { echo "setup failed" >&2; exit 1; }
{ nvidia-smi || echo "nvidia-smi not available"; } >"$out/nvidia-smi.txt" 2>&1

targets=(//kernels/cuda/... //tests/kernels/cuda/... //benchmarks/kernels/cuda/...)
t0=$(date +%s)
bazel build --config=cuda "${targets[@]}" 2>&1 | tee "$out/build.log"
build_rc=${PIPESTATUS[0]}
echo "build_seconds=$(( $(date +%s) - t0 )) rc=$build_rc" | tee -a "$out/summary.txt"
[[ $build_rc -eq 0 ]] || exit "$build_rc"

bazel test --config=cuda --test_output=all //tests/kernels/cuda/... \
  //benchmarks/kernels/cuda/... 2>&1 | tee "$out/test.log"
test_rc=${PIPESTATUS[0]}
echo "test_rc=$test_rc" | tee -a "$out/summary.txt"
grep -hE '^\[  (SKIPPED|FAILED) \]' "$out/test.log" | sort | uniq -c \
  | tee -a "$out/summary.txt" || true
# On a GPU machine only CudaNoDevice.* may skip: a skipped device test there
# means the probe failed and nothing was compared with the CPU kernels.
if nvidia-smi >/dev/null 2>&1; then
  unexpected=$(grep -hE '^\[  SKIPPED \] ' "$out/test.log" \
    | grep -v -e 'CudaNoDevice\.' -e 'listed below' | sort -u)
  if [[ -n "$unexpected" ]]; then
    echo "device tests skipped on a GPU machine:" | tee -a "$out/summary.txt"
    echo "$unexpected" | tee -a "$out/summary.txt"
    test_rc=1
  fi
fi

bazel run --config=cuda //benchmarks/kernels/cuda:gpu_bench -- \
  --benchmark_min_time=0.5 --benchmark_out="$out/gpu_bench.json" \
  --benchmark_out_format=json "$@" 2>&1 | tee "$out/gpu_bench.txt"
bench_rc=${PIPESTATUS[0]}
echo "bench_rc=$bench_rc" | tee -a "$out/summary.txt"

[[ $test_rc -eq 0 && $bench_rc -eq 0 ]]
