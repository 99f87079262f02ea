#!/usr/bin/env bash
# The README's main job: set up, build the quantsim command, quantize the
# bundled digits CNN (models/digits/) with its calibration data and print
# fp32 vs simulated top-1 accuracy for w8a8 per-tensor, w8a8 per-channel and
# w4a8 per-tensor next to PyTorch's figures (models/digits/digits_results.json).
# Pass --skip-setup to skip tools/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" != "--skip-setup" ]]; then bash tools/setup.sh; fi
bazel build -c opt //cli:quantsim
bin=bazel-bin/cli/quantsim
m=models/digits
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The three export files for w8a8 per-tensor.
"$bin" quantize "$m/digits_cnn.onnx" --calib "$m/digits_calib_x.npy" \
  --scheme tf --out "$out/w8a8_pt"
echo

field() { grep -o "\"$2\": [-0-9.enul]*" <<<"$1" | head -1 | sed 's/.*: //'; }
torch() { field "$(cat "$m/digits_results.json")" "$1"; }

printf '%-16s %10s %10s %10s %10s\n' config fp32 quantsim torch "sqnr(dB)"
run() {  # name torch_key flags...
  local name=$1 key=$2
  shift 2
  local j
  j=$("$bin" eval "$m/digits_cnn.onnx" --data "$m/digits_test_x.npy" \
    --labels "$m/digits_test_y.npy" --calib "$m/digits_calib_x.npy" \
    --scheme tf --json "$@")
  printf '%-16s %10.4f %10.4f %10.4f %10.2f\n' "$name" \
    "$(field "$j" fp32_accuracy)" "$(field "$j" sim_accuracy)" \
    "$(torch "$key")" "$(field "$j" sqnr_db)"
}
run "w8a8 per-tensor" w8a8_pt_acc
run "w8a8 per-chan" w8a8_pc_acc --per-channel
run "w4a8 per-tensor" w4a8_pt_acc --param-bw 4
