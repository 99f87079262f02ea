"""Per-arch SIMD libraries for xsimd runtime dispatch (DESIGN.md anchor 2).

A kernel family keeps its SIMD body in `<impl_hdr>` (templated on the xsimd
arch) and one translation unit per arch, `<prefix>_<arch>.cc`, that includes
it and instantiates it. simd_arch_libraries() compiles each TU with its own
-m flags and no FMA contraction (bit-exactness with the scalar reference),
and makes `:<prefix>_arch_libs`, the non-baseline libraries that
odr_check_test() scans for arch-untagged weak symbols (the ODR trap of
../shared/build/BAZEL.md).
"""

# No FMA contraction: SIMD and scalar must perform the same IEEE operations.
KERNEL_COPTS = ["-ffp-contract=off"]

ARCH_COPTS = {
    "sse2": ["-msse2"],
    "avx2": ["-mavx2", "-mfma"],
    "avx512": [
        "-mavx512f",
        "-mavx512cd",
        "-mavx512dq",
        "-mavx512bw",
        "-mfma",
        # GCC 12 flags its own AVX-512 intrinsic headers (_mm512_undefined_*).
        "-Wno-maybe-uninitialized",
    ],
}

def simd_arch_libraries(prefix, hdr, impl_hdr, deps = ["@xsimd"], extra_copts = []):
    """Defines :<prefix>_<arch> for every arch and :<prefix>_arch_libs.

    Returns the labels of the per-arch libraries, for the front end's deps.
    """
    labels = []
    for arch, copts in ARCH_COPTS.items():
        native.cc_library(
            name = prefix + "_" + arch,
            srcs = [prefix + "_" + arch + ".cc"],
            hdrs = [hdr],
            textual_hdrs = [impl_hdr],
            copts = KERNEL_COPTS + copts + extra_copts,
            deps = deps,
        )
        labels.append(":" + prefix + "_" + arch)

    # sse2 is the x86-64 baseline: its weak symbols are harmless.
    native.filegroup(
        name = prefix + "_arch_libs",
        srcs = [":" + prefix + "_" + a for a in ARCH_COPTS.keys() if a != "sse2"],
    )
    return labels

def odr_check_test(name, arch_libs):
    """An sh_test failing on arch-untagged weak symbols in `arch_libs`."""
    native.sh_test(
        name = name,
        size = "small",
        srcs = ["//tools:odr_check.sh"],
        args = ["$(locations %s)" % arch_libs],
        data = [arch_libs],
    )
