"""torch side of torch_interop_test.sh (kept in step with pth_interop.cc).

  torch_interop.py check PATH   torch.load a WritePth file, check everything
  torch_interop.py write PATH   torch.save the same state_dict
"""
import collections
import sys

import torch

DTYPES = [("f32", torch.float32), ("f64", torch.float64), ("f16", torch.float16),
          ("bf16", torch.bfloat16), ("i64", torch.int64), ("i32", torch.int32),
          ("i16", torch.int16), ("i8", torch.int8), ("u8", torch.uint8), ("bool", torch.bool)]


def value(name, i):
    if name.startswith(("f", "bf")):
        return (i - 5) * 0.25
    if name == "bool":
        return i % 3 == 0
    if name == "u8":
        return i * 20
    return (i * 7 % 11) - 5


def reference():
    sd = collections.OrderedDict()
    for name, dtype in DTYPES:
        sd["t." + name] = torch.tensor([value(name, i) for i in range(12)],
                                       dtype=dtype).reshape(3, 4)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 2
    sd["base"] = base
    sd["base.T"] = base.t()
    sd["base.slice"] = base[1:3, 2:5]
    sd["scalar"] = torch.tensor(3.5)
    return sd


def check(path):
    want = reference()
    for weights_only in (False, True):
        got = torch.load(path, weights_only=weights_only)
        assert list(got.keys()) == list(want.keys()), list(got.keys())
        for k, w in want.items():
            g = got[k]
            assert g.dtype == w.dtype, (k, g.dtype, w.dtype)
            assert g.shape == w.shape, (k, g.shape)
            assert g.stride() == w.stride(), (k, g.stride(), w.stride())
            assert g.storage_offset() == w.storage_offset(), (k, g.storage_offset())
            assert torch.equal(g, w), (k, g, w)
        ptr = got["base"].storage().data_ptr()
        assert got["base.T"].storage().data_ptr() == ptr
        assert got["base.slice"].storage().data_ptr() == ptr
        assert got["t.f32"].storage().data_ptr() != ptr
    print("torch.load %s OK (%d keys, torch %s)" % (path, len(want), torch.__version__))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "check":
        check(path)
    else:
        torch.save(reference(), path)


if __name__ == "__main__":
    main()
