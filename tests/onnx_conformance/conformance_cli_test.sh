#!/usr/bin/env bash
# `quantsim conformance`: text report with the closing line, --filter,
# --json, exit codes (0 all passed, 1 some did not, 2 usage).
set -uo pipefail
bin="$1"
data="tests/onnx_conformance/data/node"
fail() { echo "conformance_cli_test: $*"; exit 1; }

"$bin" help | grep -q "conformance" || fail "help does not list conformance"

out=$("$bin" conformance "$data"); rc=$?
[[ $rc -eq 1 ]] || fail "mixed results: exit $rc, want 1"
grep -q "^node: 2 passed, 1 failed, 1 unsupported$" <<<"$out" || fail "$out"
[[ "$(tail -n 1 <<<"$out")" == "2 passed, 2 failed" ]] || fail "$out"
grep -q "^UNSUPPORTED node/test_unknown_op" <<<"$out" || fail "$out"

out=$("$bin" conformance "$data" --filter 'test_a(bs|dd)$'); rc=$?
[[ $rc -eq 0 ]] || fail "all passed: exit $rc, want 0: $out"
[[ "$(tail -n 1 <<<"$out")" == "2 passed, 0 failed" ]] || fail "$out"

out=$("$bin" conformance "$data" --json --filter abs$); rc=$?
[[ $rc -eq 0 ]] || fail "--json: exit $rc"
grep -q '"name":"test_abs"' <<<"$out" || fail "json: $out"

"$bin" conformance 2>/dev/null; rc=$?
[[ $rc -eq 2 ]] || fail "no DIR: exit $rc, want 2"
"$bin" conformance "$data" --filter '(' 2>/dev/null; rc=$?
[[ $rc -eq 2 ]] || fail "bad regex: exit $rc, want 2"
"$bin" conformance "$data/none" 2>/dev/null; rc=$?
[[ $rc -eq 1 ]] || fail "missing dir: exit $rc, want 1"
echo "conformance_cli_test: OK"
