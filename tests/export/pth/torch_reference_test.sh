#!/usr/bin/env bash
# ReadPth on torch_interop_reference.pth (torch.save by torch_interop.py with
# torch 1.13): every dtype, strided/offset views of one shared storage.
set -euo pipefail
"$1" check "$2"
