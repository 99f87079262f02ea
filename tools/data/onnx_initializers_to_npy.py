#!/usr/bin/env python3
"""Dumps the float32 initializers of an ONNX model to .npy files, with no
dependency beyond the standard library (a minimal protobuf wire decoder).

Usage: onnx_initializers_to_npy.py MODEL.onnx OUTDIR
Writes OUTDIR/<initializer name>.npy (dots kept) and prints name and shape.
Used to make the small weight files of tests/data/digits/.
"""
import struct
import sys
import os


def varint(buf, pos):
    result, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) of one message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = varint(buf, pos)
        elif wt == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wt == 2:
            n, pos = varint(buf, pos)
            val, pos = buf[pos:pos + n], pos + n
        elif wt == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, val


def tensor(buf):
    dims, name, raw, floats, dtype = [], "", b"", [], 0
    for num, wt, val in fields(buf):
        if num == 1:
            if wt == 2:  # packed
                p = 0
                while p < len(val):
                    d, p = varint(val, p)
                    dims.append(d)
            else:
                dims.append(val)
        elif num == 2:
            dtype = val
        elif num == 4:
            floats += list(struct.unpack("<%df" % (len(val) // 4), val)) if wt == 2 \
                else [struct.unpack("<f", val)[0]]
        elif num == 8:
            name = val.decode()
        elif num == 9:
            raw = bytes(val)
    if dtype != 1:
        return name, None, None
    data = raw if raw else struct.pack("<%df" % len(floats), *floats)
    return name, dims, data


def write_npy(path, dims, data):
    shape = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(data)


def main():
    model, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    buf = open(model, "rb").read()
    graph = next(val for num, wt, val in fields(buf) if num == 7)
    for num, wt, val in fields(graph):
        if num == 5:
            name, dims, data = tensor(val)
            if dims is None:
                continue
            write_npy(os.path.join(out, name + ".npy"), dims, data)
            print(name, dims)


if __name__ == "__main__":
    main()
