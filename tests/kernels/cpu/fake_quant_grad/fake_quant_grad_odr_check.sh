#!/bin/bash
# fake_quant_grad copy of the guard for runtime ISA dispatch: a per-arch library must not define weak
# (COMDAT) symbols that are not tagged with an xsimd arch, because the linker
# keeps only one copy of each and may pick the -mavx512* one (SIGILL on AVX2).
set -euo pipefail
fail=0
[[ $# -gt 0 ]] || { echo "no libraries given"; exit 2; }
for lib in "$@"; do
  [[ -f "$lib" ]] || { echo "FAIL missing $lib"; exit 2; }
  bad=$(nm -C --defined-only "$lib" | awk '$2 == "W" || $2 == "V"' \
        | grep -v 'DW.ref.__gxx_personality_v0' \
        | grep -vE 'xsimd::(sse2|sse3|ssse3|sse4_1|sse4_2|avx|avx2|avx512f|avx512cd|avx512dq|avx512bw|fma3<[a-z0-9_:]+>)[^a-z0-9_]' \
        || true)
  if [[ -n "$bad" ]]; then
    echo "FAIL $lib defines arch-untagged weak symbols:"; echo "$bad"; fail=1
  else
    echo "ok   $lib"
  fi
done
exit $fail
