#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (onnxruntime-node, CPU) into a cache
# folder outside the clone, for the "ort" tests (tests/export/qdq/) and
# tools/ort/ort_run.js. Same recipe as shared/tools/ort/install_ort_node.sh:
# the CPU binary ships inside the npm tarball; ONNXRUNTIME_NODE_INSTALL=skip
# turns off the postinstall that would fetch CUDA bits (offline it fails).
#
# Idempotent: exits at once (~0.1 s) when the pinned version is installed.
# First install: 17 s measured (111 MB from npm; 291 MB on disk, every
# platform's binaries), 5 s from a warm npm cache.
#
# Usage: tools/ort/install.sh [DIR]   (default $QUANTSIM_ORT_DIR or
#        ~/.cache/quantsim-ort). Prints the node_modules path last.
# Exit 0 on success; 2 when node/npm are missing (nothing done).
set -euo pipefail
VERSION=1.30.0
DIR=${1:-${QUANTSIM_ORT_DIR:-${HOME:-/root}/.cache/quantsim-ort}}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ort install: node/npm not found; skipped" >&2
  exit 2
fi
PKG="$DIR/node_modules/onnxruntime-node/package.json"
if [[ -f "$PKG" ]] && grep -q "\"version\": \"$VERSION\"" "$PKG"; then
  echo "$DIR/node_modules"
  exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
[[ -f package.json ]] || npm init -y >/dev/null
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --silent \
  "onnxruntime-node@$VERSION" >&2
node -e "require('$DIR/node_modules/onnxruntime-node')" >&2
echo "$DIR/node_modules"
