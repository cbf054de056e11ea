#!/usr/bin/python3
"""Checks safetensors files against the format as Python's safetensors library reads it, without that library.

Test tooling for io.koembed.weights.SafetensorsWriter (run by hand; needs numpy, and torch for --compare):

    /usr/bin/python3 core/src/test/python/check_safetensors.py FILE [FILE ...]
    /usr/bin/python3 core/src/test/python/check_safetensors.py --compare A.safetensors B.safetensors

For each FILE it checks what the Rust reader behind `safetensors.safe_open` / `load_file` checks, plus the layout
its writer produces: an 8-byte little-endian header length N with 8 + N <= file size; the header is UTF-8 JSON
starting with '{'; "__metadata__", if present, maps strings to strings (and is {"format": "pt"}, which
transformers' `from_pretrained` requires); every tensor has a known dtype, a shape of non-negative integers and
data_offsets whose span equals product(shape) * dtype size; sorted by offset, the tensors tile the data region
from 0 to its end with no gap (MetadataIncompleteBuffer otherwise); N is a multiple of 8, padded with spaces; each
tensor starts at a multiple of its element size. Then every tensor is decoded with numpy. It prints one line per
file and exits 1 on the first violation.

--compare loads both files as torch tensors and requires the same names, dtypes, shapes and identical bits.
"""
import json
import struct
import sys

import numpy as np

SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
         "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
NUMPY = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16, "F16": np.float16,
         "BF16": np.uint16, "I32": np.int32, "U32": np.uint32, "F32": np.float32, "I64": np.int64,
         "U64": np.uint64, "F64": np.float64}


def fail(path, message):
    print(f"{path}: FAIL: {message}")
    sys.exit(1)


def read(path):
    """(metadata, {name: numpy array}) after checking the file; BF16 comes back as its uint16 bits."""
    data = open(path, "rb").read()
    if len(data) < 8:
        fail(path, "shorter than the 8-byte header length")
    n = struct.unpack("<Q", data[:8])[0]
    if 8 + n > len(data):
        fail(path, f"header length {n} runs past the end ({len(data)} bytes)")
    if n % 8 != 0:
        fail(path, f"header length {n} is not a multiple of 8")
    raw = data[8:8 + n]
    text = raw.decode("utf-8")
    if not text.startswith("{"):
        fail(path, "header does not start with '{'")
    if text != text.rstrip(" ") and len(text) - len(text.rstrip(" ")) >= 8:
        fail(path, "more than 7 bytes of padding")
    pairs = json.loads(text, object_pairs_hook=lambda kv: kv)
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail(path, "duplicate keys in the header")
    header = dict(pairs)
    meta = header.pop("__metadata__", None)
    if meta is not None:
        meta = dict(meta)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
            fail(path, "__metadata__ must map strings to strings")
        if meta.get("format") != "pt":
            fail(path, f'__metadata__ is {meta}, transformers needs {{"format": "pt"}}')
    body = data[8 + n:]
    spans = []
    tensors = {}
    for name, info in header.items():
        info = dict(info)
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in SIZES:
            fail(path, f"{name}: unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            fail(path, f"{name}: bad shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1]):
            fail(path, f"{name}: bad data_offsets {offsets!r}")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offsets[1] - offsets[0] != count * SIZES[dtype]:
            fail(path, f"{name}: data_offsets span {offsets[1] - offsets[0]} bytes, shape x dtype needs "
                       f"{count * SIZES[dtype]}")
        if offsets[0] % SIZES[dtype] != 0:
            fail(path, f"{name}: starts at {offsets[0]}, not a multiple of its element size {SIZES[dtype]}")
        spans.append((offsets[0], offsets[1], name))
        if dtype in NUMPY:
            chunk = body[offsets[0]:offsets[1]]
            tensors[name] = (dtype, np.frombuffer(chunk, dtype=np.dtype(NUMPY[dtype]).newbyteorder("<"))
                             .reshape(shape))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin != end:
            fail(path, f"{name}: starts at {begin}, the previous tensor ends at {end} (offsets must be contiguous)")
        end = stop
    if end != len(body):
        fail(path, f"the tensors end at {end}, the data region is {len(body)} bytes")
    return meta, tensors


def compare(a, b):
    import torch
    _, ta = read(a)
    _, tb = read(b)
    if sorted(ta) != sorted(tb):
        fail(b, f"names differ from {a}: {sorted(set(ta) ^ set(tb))}")
    for name in ta:
        (da, xa), (db, xb) = ta[name], tb[name]
        if da != db or xa.shape != xb.shape:
            fail(b, f"{name}: {db} {xb.shape}, {a} has {da} {xa.shape}")
        # compare bits through torch (as transformers would load them)
        va = torch.from_numpy(xa.copy()).view(torch.uint8)
        vb = torch.from_numpy(xb.copy()).view(torch.uint8)
        if not torch.equal(va, vb):
            fail(b, f"{name}: values differ from {a}")
    print(f"{b}: same {len(ta)} tensors, bit for bit, as {a}")


def main(args):
    if args[:1] == ["--compare"] and len(args) == 3:
        compare(args[1], args[2])
        return
    if not args:
        print(__doc__)
        sys.exit(2)
    for path in args:
        meta, tensors = read(path)
        kinds = sorted({d for d, _ in tensors.values()})
        print(f"{path}: OK, {len(tensors)} tensors ({', '.join(kinds)}), metadata {meta}")


if __name__ == "__main__":
    main(sys.argv[1:])
