"""Google Benchmark binaries that are also once-run tests (never rot)."""

def benchmark_binary(
        name,
        srcs,
        deps,
        smoke_filter,
        smoke_expect = [],
        smoke_skip_if = None,
        copts = [],
        **kwargs):
    """cc_binary :<name> plus sh_test :<name>_smoke running it once.

    smoke_filter: a --benchmark_filter regex small enough to run in seconds.
    smoke_expect: strings (benchmark names, counters) that must appear in the
      smoke output.
    smoke_skip_if: a line the binary prints when it runs nothing on purpose
      (e.g. no GPU); then only its exit status and errors are checked.
    """
    native.cc_binary(name = name, srcs = srcs, deps = deps, copts = copts, **kwargs)
    args = ["$(location :%s)" % name] + ["'%s'" % a for a in [smoke_filter] + smoke_expect]
    if smoke_skip_if:
        args = ["'--skip_if=%s'" % smoke_skip_if] + args
    native.sh_test(
        name = name + "_smoke",
        size = "small",
        srcs = ["//tools:benchmark_smoke.sh"],
        args = args,
        data = [":" + name],
    )
