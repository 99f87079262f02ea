"""nvcc for Bazel 4 without rules_cuda (offline), quantsim flavour.

cuda_library() compiles .cu files with $(CUDA_PATH)/bin/nvcc into a static
archive (a genrule) and wraps it in a cc_library that links the static CUDA
runtime. $(CUDA_PATH) comes from --define=CUDA_PATH=... (.bazelrc config
"cuda"). Both targets are tagged "manual": only a select() on //:cuda_enabled
reaches them, so the default build never runs (or even analyzes) nvcc.

Numerics: device code must equal the CPU scalar reference bit for bit
(kernels/cpu/fake_quant/reference.h), hence --fmad=false (no FMA
contraction) and IEEE division/sqrt and denormals, spelled out even where
they are nvcc's defaults (-prec-div=true, -prec-sqrt=true, -ftz=false; only
--use_fast_math changes them). Never add --use_fast_math.

Targets: SASS for sm_80 (A100) and sm_90 (H100) plus compute_90 PTX that
newer GPUs JIT-compile. nvcc 13 dropped everything below sm_75.
"""

CUDA_GENCODE = [
    "-gencode=arch=compute_80,code=sm_80",
    "-gencode=arch=compute_90,code=sm_90",
    "-gencode=arch=compute_90,code=compute_90",
]

CUDA_NUMERICS = [
    "--fmad=false",
    "-prec-div=true",
    "-prec-sqrt=true",
    "-ftz=false",
]

def cuda_library(name, srcs, hdrs = [], textual_hdrs = [], nvcc_flags = [], deps = [], **kwargs):
    """A cc_library built from .cu sources by nvcc (--config=cuda only).

    Args:
      name: the cc_library to depend on.
      srcs: .cu files, compiled together into one archive.
      hdrs: public headers of the cc_library (also visible to nvcc).
      textual_hdrs: every other header the .cu files include (nvcc sees only
        files listed here or in hdrs), e.g. other packages' headers.
      nvcc_flags: extra nvcc flags.
      deps: cc deps of the wrapper (their headers are not passed to nvcc).
      **kwargs: passed to the cc_library (visibility, ...).
    """
    lib = "lib%s_nvcc.a" % name
    native.genrule(
        name = name + "_nvcc",
        srcs = srcs + hdrs + textual_hdrs,
        outs = [lib],
        cmd = " ".join([
            "$(CUDA_PATH)/bin/nvcc",
            "-std=c++17 -O3 -I. -Xcompiler=-fPIC,-Wall",
        ] + CUDA_GENCODE + CUDA_NUMERICS + nvcc_flags + [
            "-lib -o $@",
        ] + ["$(location %s)" % s for s in srcs]),
        tags = ["manual"],
        message = "nvcc %s" % name,
    )
    native.cc_library(
        name = name,
        srcs = [":" + lib],
        hdrs = hdrs,
        linkopts = [
            "$(CUDA_PATH)/lib64/libcudart_static.a",
            "-ldl",
            "-lrt",
            "-pthread",
        ],
        deps = deps,
        tags = ["manual"],
        **kwargs
    )
