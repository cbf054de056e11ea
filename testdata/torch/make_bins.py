#!/usr/bin/python3
"""Writes the PyTorch checkpoint test files of io.koembed.weights (run from anywhere; needs Debian's python3-torch).

    /usr/bin/python3 testdata/torch/make_bins.py

Everything here is written by torch.save itself (torch 1.13, Debian python3-torch) or, for the hostile and broken
files that torch cannot make, assembled from pickle opcodes and zip records by hand. Generating them runs nothing
that a file names: the hostile pickles are byte strings, never unpickled.

Outputs (next to this script):
  tiny-xlmr-ko/pytorch_model.bin     the fixture's model.safetensors as transformers' save_pretrained stores it
                                     (plus an old-style int64 position_ids buffer, an expanded view)
  tiny-xlmr-ko-sharded/              the same weights as sharded safetensors with model.safetensors.index.json
  dtypes.bin / dtypes.json           float32, float16, bfloat16, float64 and int64 tensors; values as torch reads them
  views.bin / views.json             strided views: transposed, column slice, shared storage, offsets, stride 0,
                                     scalar, empty
  archive-bigendian.bin              views.bin rewritten as a big-endian machine would write it ("archive/" prefix,
                                     byteorder "big", every storage element byte-swapped); values as views.json
  sharded-bin/                       pytorch_model.bin.index.json and two .bin shards; values in sharded-bin.json
  legacy.bin                         torch.save(..., _use_new_zipfile_serialization=False): the pre-1.6 format
  hostile-system.bin                 data.pkl calls posix.system("touch /tmp/koembed-pickle-was-executed")
  hostile-inst.bin                   data.pkl instantiates os.system through the INST opcode
  hostile-stack-global.bin           data.pkl fetches builtins.eval through STACK_GLOBAL (protocol 4)
  broken-truncated.bin               the first half of dtypes.bin
  broken-missing-storage.bin         dtypes.bin without its storage record data/1
  broken-unknown-opcode.bin          data.pkl holds byte 0xff where an opcode belongs
  broken-storage-too-small.bin       a tensor of shape (4, 4) on a storage of 8 elements
  broken-short-record.bin            a storage record 2 bytes shorter than its declared 8 float32 elements
"""
import collections
import io
import json
import os
import struct
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "tiny-xlmr-ko", "model.safetensors")


def out(*parts):
    p = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


# ---------------------------------------------------------------------------------------------- safetensors by hand

ST_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = collections.OrderedDict()
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        a = np.frombuffer(data[begin:end], dtype=np.dtype(ST_DTYPES[e["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(a.reshape(e["shape"]).copy())
    return tensors


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, t in tensors.items():
        b = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def shard(tensors, max_bytes):
    """Splits like transformers' shard_checkpoint: in order, a new shard when the next tensor would not fit."""
    shards, current, size = [], collections.OrderedDict(), 0
    for name, t in tensors.items():
        n = t.numel() * t.element_size()
        if current and size + n > max_bytes:
            shards.append(current)
            current, size = collections.OrderedDict(), 0
        current[name] = t
        size += n
    shards.append(current)
    return shards


def write_index(path, files_and_shards):
    weight_map = {n: f for f, s in files_and_shards for n in s}
    total = sum(t.numel() * t.element_size() for _, s in files_and_shards for t in s.values())
    with open(path, "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------- torch.save'd files

def state_dict(tensors):
    sd = collections.OrderedDict(tensors)
    # what nn.Module.state_dict() attaches; torch.save stores it with BUILD
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("embeddings", {"version": 1})])
    return sd


def values_json(path, sd):
    items = collections.OrderedDict()
    for name, t in sd.items():
        item = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                "storage_offset": t.storage_offset(), "stride": list(t.stride())}
        if t.is_floating_point():
            # float32 values (what a float32 reader gets) widened to double: parse as double, cast to float
            item["values"] = [float(v) for v in t.contiguous().float().flatten().tolist()]
        else:
            item["values"] = t.contiguous().flatten().tolist()
        items[name] = item
    with open(path, "w") as f:
        json.dump(items, f, indent=1)
        f.write("\n")


def make_model_files():
    weights = read_safetensors(FIXTURE)
    sd = collections.OrderedDict()
    for name, t in weights.items():
        sd[name] = t
        if name == "embeddings.token_type_embeddings.weight":
            # transformers < 4.31 saved this buffer: arange(P).expand((1, -1)), an int64 view with stride 0
            sd["embeddings.position_ids"] = torch.arange(130).expand((1, -1))
    torch.save(state_dict(sd), out("tiny-xlmr-ko", "pytorch_model.bin"))

    parts = shard(weights, 1_000_000)
    named = [("model-%05d-of-%05d.safetensors" % (i + 1, len(parts)), s) for i, s in enumerate(parts)]
    for f, s in named:
        write_safetensors(out("tiny-xlmr-ko-sharded", f), s)
    write_index(out("tiny-xlmr-ko-sharded", "model.safetensors.index.json"), named)


def make_dtypes():
    g = torch.Generator().manual_seed(5)
    base = torch.randn(3, 5, generator=g) * 3
    sd = collections.OrderedDict([
        ("f32", base.clone()),
        ("f16", (base * 7).to(torch.float16)),
        ("bf16", (base * 11).to(torch.bfloat16)),
        ("f64", base.to(torch.float64)[0].clone()),
        ("position_ids", torch.arange(7).unsqueeze(0)),
    ])
    torch.save(state_dict(sd), out("dtypes.bin"))
    values_json(out("dtypes.json"), sd)


def make_views():
    g = torch.Generator().manual_seed(6)
    base = torch.randn(3, 4, generator=g)
    shared = torch.arange(12, dtype=torch.float32) / 4
    half = torch.randn(2, 5, generator=g).to(torch.float16)
    sd = collections.OrderedDict([
        ("transposed", base.t()),                 # shape (4, 3), stride (1, 4)
        ("columns", base[:, 1:3]),                # offset 1, stride (4, 1): rows with gaps
        ("shared_head", shared[:4]),              # these three share one storage
        ("shared_tail", shared[4:].view(2, 4)),   # offset 4
        ("shared_whole", shared.view(3, 4)),
        ("broadcast", torch.arange(3, dtype=torch.float32).expand(2, 3)),  # stride (0, 1)
        ("half_transposed", half.t()),
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
    ])
    torch.save(state_dict(sd), out("views.bin"))
    values_json(out("views.json"), sd)


def make_sharded_bin():
    g = torch.Generator().manual_seed(7)
    sd = collections.OrderedDict([("a.weight", torch.randn(2, 3, generator=g)),
                                  ("a.bias", torch.randn(2, generator=g)),
                                  ("b.weight", torch.randn(3, 2, generator=g).to(torch.float16))])
    parts = [collections.OrderedDict(list(sd.items())[:2]), collections.OrderedDict(list(sd.items())[2:])]
    named = [("pytorch_model-%05d-of-00002.bin" % (i + 1), s) for i, s in enumerate(parts)]
    for f, s in named:
        torch.save(state_dict(s), out("sharded-bin", f))
    write_index(out("sharded-bin", "pytorch_model.bin.index.json"), named)
    values_json(out("sharded-bin.json"), sd)


def make_legacy():
    sd = collections.OrderedDict([("w", torch.ones(2, 2))])
    torch.save(sd, out("legacy.bin"), _use_new_zipfile_serialization=False)


# ---------------------------------------------------------------------------------------------- zips and pickles by hand

def records(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(path, recs):
    """Stored (uncompressed) records, as torch.save writes them; a fixed date keeps the files reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in recs:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def pickle_zip(path, pkl, storages=()):
    write_zip(path, [("archive/data.pkl", pkl)] + [("archive/data/" + k, v) for k, v in storages]
              + [("archive/version", b"3\n")])


def op_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def op_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def op_int(i):
    return b"J" + struct.pack("<i", i)


def op_tuple(*items):
    return b"(" + b"".join(items) + b"t"


def tensor_dict(name, storage_type, key, numel, size, stride):
    """One-entry state dict exactly as torch.save lays it out (without the memo opcodes)."""
    pid = op_tuple(op_str("storage"), op_global("torch", storage_type), op_str(key), op_str("cpu"), op_int(numel))
    rebuild = (op_global("torch._utils", "_rebuild_tensor_v2")
               + op_tuple(pid + b"Q", op_int(0), op_tuple(*map(op_int, size)), op_tuple(*map(op_int, stride)),
                          b"\x89", op_global("collections", "OrderedDict") + b")R")
               + b"R")
    return b"\x80\x02" + op_global("collections", "OrderedDict") + b")R" + op_str(name) + rebuild + b"s."


def make_hostile():
    system = b"\x80\x02" + op_global("posix", "system") + op_tuple(op_str("touch /tmp/koembed-pickle-was-executed")) \
        + b"R."
    pickle_zip(out("hostile-system.bin"), system)
    inst = b"\x80\x02(" + op_str("touch /tmp/koembed-pickle-was-executed") + b"ios\nsystem\n."
    pickle_zip(out("hostile-inst.bin"), inst)
    stack_global = b"\x80\x04" + op_str("builtins") + op_str("eval") + b"\x93" \
        + op_tuple(op_str("__import__('os').system('touch /tmp/koembed-pickle-was-executed')")) + b"R."
    pickle_zip(out("hostile-stack-global.bin"), stack_global)


def make_broken():
    with open(out("dtypes.bin"), "rb") as f:
        whole = f.read()
    with open(out("broken-truncated.bin"), "wb") as f:
        f.write(whole[:len(whole) // 2])
    write_zip(out("broken-missing-storage.bin"), [r for r in records(out("dtypes.bin"))
                                                  if not r[0].endswith("/data/1")])
    eight = np.arange(8, dtype="<f4").tobytes()
    bad_opcode = tensor_dict("w", "FloatStorage", "0", 8, (2, 4), (4, 1)).replace(b"\x89", b"\xff")
    pickle_zip(out("broken-unknown-opcode.bin"), bad_opcode, [("0", eight)])
    pickle_zip(out("broken-storage-too-small.bin"),
               tensor_dict("w", "FloatStorage", "0", 8, (4, 4), (4, 1)), [("0", eight)])
    pickle_zip(out("broken-short-record.bin"),
               tensor_dict("w", "FloatStorage", "0", 8, (2, 4), (4, 1)), [("0", eight[:-2])])


def make_bigendian():
    """views.bin as torch.save writes it on a big-endian machine: byteorder "big", elements byte-swapped."""
    sizes = {"FloatStorage": 4, "HalfStorage": 2}
    recs = records(out("views.bin"))
    pkl = next(d for n, d in recs if n.endswith("/data.pkl"))
    # storage keys and types from the persistent ids ('storage', torch.<Type>Storage, key, ...), read with
    # pickletools, which executes nothing; BINGET repeats a memoized value, so the memo is followed too
    import pickletools
    element, memo, values = {}, {}, []
    for op, arg, _ in pickletools.genops(pkl):
        if op.name in ("GLOBAL", "BINUNICODE"):
            values.append(arg)
        elif op.name in ("BINGET", "LONG_BINGET"):
            values.append(memo[arg])
        elif op.name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = values[-1] if values else None
            continue
        else:
            values.append(None)
        if len(values) >= 3 and values[-3] == "storage":
            element[values[-1]] = sizes[values[-2].split(" ")[1]]
    swapped = []
    for name, data in recs:
        prefix, rest = name.split("/", 1)
        if rest.startswith("data/"):
            n = element[rest[5:]]
            data = np.frombuffer(data, dtype="u%d" % n).byteswap().tobytes()
        swapped.append(("archive/" + rest, data))
    swapped.insert(1, ("archive/byteorder", b"big"))
    write_zip(out("archive-bigendian.bin"), swapped)


if __name__ == "__main__":
    make_model_files()
    make_dtypes()
    make_views()
    make_sharded_bin()
    make_legacy()
    make_hostile()
    make_broken()
    make_bigendian()
    print("torch", torch.__version__, "wrote", sorted(os.listdir(HERE)))
