#!/usr/bin/env python3
"""Groups a `quantsim conformance --json` report into the README's tables.

usage: quantsim conformance DIR... --json > r.json
       python3 tests/onnx_conformance/summarize.py r.json

Prints markdown: per-suite totals, then every test that did not pass grouped
by cause (missing op, unsupported feature, wrong semantics/dtype coverage,
tolerance), each group sorted by how many tests fixing it would unblock.
Standard library only.
"""
import collections
import json
import re
import sys

# (regex on the message, group label) for tests that are not "missing op".
CAUSES = [
    (r"must be f32, is (\w+)", "f32-only kernel"),
    (r"class weights \(input 2\)", "NLL/SCE class weights (input 2)"),
    (r"element type STRING", "string tensors"),
    (r"element type UINT64", "uint64 tensors"),
    (r"only tensor types", "sequence/optional values"),
    (r"of type GRAPH", "subgraph attributes (If/Loop/Scan bodies)"),
    (r"legacy \(opset < 7\) broadcast with an axis",
     "legacy (opset < 7) broadcast axis"),
    (r"storage_order", "MaxPool storage_order=1"),
    (r"PRelu .* do not broadcast", "PRelu opset < 7 per-channel slope"),
    (r"exceeds the transposed extent",
     "ConvTranspose output_shape larger than the transposed extent"),
    (r"input '\w+' expects .* got", "test data disagrees with the model's "
     "declared input shape"),
]


def group_of(t):
    if t["cause"] == "missing op":
        return None
    if t["name"].startswith("test_training_dropout"):
        return "Dropout training mode: random mask (numpy RNG) not reproducible"
    if t["name"] == "test_cast_FLOAT_to_BFLOAT16":
        return ("Cast f32->bf16: 1.12 test data truncates, quantsim rounds to "
                "nearest even (the newer spec)")
    for pattern, label in CAUSES:
        m = re.search(pattern, t["message"])
        if m:
            if label == "f32-only kernel":
                op = t["message"].split("'")[0].split(":")[-1].strip()
                return "f32-only kernel: " + op.split()[-1]
            return label
    if t["cause"] == "wrong values":
        return "wrong values / tolerance: " + ",".join(t["op_types"])
    return "other: " + t["message"][:80]


def main():
    r = json.load(open(sys.argv[1]))
    print("| suite | tests | passed | failed | unsupported |")
    print("|---|---:|---:|---:|---:|")
    for s in r["suites"]:
        n = s["passed"] + s["failed"] + s["unsupported"]
        print(f"| {s['suite']} | {n} | {s['passed']} | {s['failed']} | "
              f"{s['unsupported']} |")
    bad = [t for t in r["tests"] if t["status"] != "PASS"]

    # Missing ops: tests each op alone blocks, and tests it is one of several.
    alone = collections.Counter()
    shared = collections.Counter()
    examples = collections.defaultdict(list)
    for t in bad:
        if t["cause"] != "missing op":
            continue
        ops = t["missing_ops"]
        for op in ops:
            (alone if len(ops) == 1 else shared)[op] += 1
            examples[op].append(f"{t['suite']}/{t['name']}")
    print("\n### Missing ops\n")
    print("| op | tests it alone blocks | more tests (with other "
          "missing ops) |")
    print("|---|---:|---:|")
    for op in sorted(set(alone) | set(shared),
                     key=lambda o: (-alone[o], -shared[o], o)):
        print(f"| {op} | {alone[op]} | {shared[op]} |")

    groups = collections.defaultdict(list)
    for t in bad:
        g = group_of(t)
        if g is not None:
            groups[g].append(t)
    print("\n### Other causes\n")
    print("| cause | tests | status | tests (suite/name) |")
    print("|---|---:|---|---|")
    for g in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        ts = groups[g]
        status = "/".join(sorted({t["status"] for t in ts}))
        names = ", ".join(f"{t['suite']}/{t['name']}" for t in ts[:6])
        if len(ts) > 6:
            names += f", ... (+{len(ts) - 6})"
        print(f"| {g} | {len(ts)} | {status} | {names} |")


if __name__ == "__main__":
    main()
