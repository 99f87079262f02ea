"""Google Benchmark binaries that are also once-run tests (never rot)."""

def benchmark_binary(name, srcs, deps, smoke_filter, smoke_expect = [], copts = [], **kwargs):
    """cc_binary :<name> plus sh_test :<name>_smoke running it once.

    smoke_filter: a --benchmark_filter regex small enough to run in seconds.
    smoke_expect: benchmark names that must appear in the smoke output.
    """
    native.cc_binary(name = name, srcs = srcs, deps = deps, copts = copts, **kwargs)
    native.sh_test(
        name = name + "_smoke",
        size = "small",
        srcs = ["//tools:benchmark_smoke.sh"],
        args = ["$(location :%s)" % name, "'%s'" % smoke_filter] + smoke_expect,
        data = [":" + name],
    )
