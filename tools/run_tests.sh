#!/usr/bin/env bash
# The README's test command: set up, then run the whole test suite and end
# with "bazel: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec bash tools/bazel_test.sh "${@:-//...}"
