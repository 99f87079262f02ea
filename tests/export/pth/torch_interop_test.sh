#!/usr/bin/env bash
# torch.load reads what WritePth writes, and ReadPth reads what torch.save
# writes (dtypes, strided/offset views, shared storages). Needs Python with
# torch (Debian: apt-get install python3-torch, done by tools/setup.sh);
# skips with a message when none is found.
set -euo pipefail
bin="$1"
script="$2"
py=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then
    py="$p"
    break
  fi
done
if [[ -z "$py" ]]; then
  echo "SKIPPED: no python3 with torch (apt-get install python3-torch)"
  exit 0
fi
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
"$bin" write "$tmp/ours.pth"
"$py" "$script" check "$tmp/ours.pth"
"$bin" write64 "$tmp/ours64.pth"
"$py" "$script" check "$tmp/ours64.pth"
"$py" "$script" write "$tmp/theirs.pth"
"$bin" check "$tmp/theirs.pth"
echo "torch interop: OK"
