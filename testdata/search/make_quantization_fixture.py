#!/usr/bin/env python3
"""Writes quantization.json: inputs and numpy-computed outputs for QuantizationTest.

Test-data tooling only (needs numpy; not a KoEmbed dependency). The expressions below are those of
sentence-transformers' quantize_embeddings (sentence_transformers/quantization.py), restated in numpy
because sentence-transformers itself is not installable here:

    ranges = np.vstack((np.min(calibration, axis=0), np.max(calibration, axis=0)))
    starts = ranges[0, :]; steps = (ranges[1, :] - ranges[0, :]) / 255
    uint8:   ((embeddings - starts) / steps).astype(np.uint8)
    int8:    ((embeddings - starts) / steps - 128).astype(np.int8)
    binary:  (np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1) - 128).astype(np.int8)
    ubinary: np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1)

Every value quantized here lies inside its calibration range (numpy's cast of out-of-range values is C undefined
behaviour; KoEmbed clamps those, tested separately). Run: python3 make_quantization_fixture.py
"""
import json

import numpy as np

rng = np.random.default_rng(20240611)


def f32list(a):
    return [[float(v) for v in row] for row in a]


def quantize(embeddings, precision, calibration):
    ranges = np.vstack((np.min(calibration, axis=0), np.max(calibration, axis=0)))
    starts = ranges[0, :]
    steps = (ranges[1, :] - ranges[0, :]) / 255
    if precision == "uint8":
        return ((embeddings - starts) / steps).astype(np.uint8), ranges
    if precision == "int8":
        return ((embeddings - starts) / steps - 128).astype(np.int8), ranges
    if precision == "binary":
        return (np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1) - 128).astype(np.int8), None
    if precision == "ubinary":
        return np.packbits(embeddings > 0).reshape(embeddings.shape[0], -1), None
    raise ValueError(precision)


cases = []
inputs = {}

# 1. encode(precision=...) semantics: the embeddings calibrate themselves. 768 dims, as e5-base-korean.
emb = rng.standard_normal((10, 768)).astype(np.float32) * np.float32(0.05)
emb[3, :] = 0.0  # zeros: not > 0, so all bits 0
emb[5, ::7] = -0.0
for p in ("int8", "uint8", "binary", "ubinary"):
    q, ranges = quantize(emb, p, emb)
    inputs["e768"] = f32list(emb)
    cases.append({"name": f"self-calibrated {p}", "precision": p, "embeddings": "e768",
                  "calibration": None, "expected": q.astype(int).tolist(),
                  "ranges": None if ranges is None else f32list(ranges)})

# 2. Search semantics: a separate calibration set (the corpus), queries inside its range. Uneven per-dimension
#    scales and offsets, like real embeddings.
scale = rng.uniform(0.01, 0.2, size=32).astype(np.float32)
offset = rng.uniform(-0.1, 0.1, size=32).astype(np.float32)
calib = (rng.standard_normal((200, 32)).astype(np.float32) * scale + offset).astype(np.float32)
queries = (calib[:30] * np.float32(0.7) + offset * np.float32(0.3)).astype(np.float32)
lo, hi = calib.min(axis=0), calib.max(axis=0)
assert ((queries >= lo) & (queries <= hi)).all()
queries = np.vstack([queries, lo[None, :], hi[None, :]]).astype(np.float32)  # the range's own end points
for p in ("int8", "uint8"):
    q, ranges = quantize(queries, p, calib)
    inputs["queries32"] = f32list(queries)
    inputs["corpus32"] = f32list(calib)
    cases.append({"name": f"corpus-calibrated {p}", "precision": p, "embeddings": "queries32",
                  "calibration": "corpus32", "expected": q.astype(int).tolist(), "ranges": f32list(ranges)})

# 3. Binary of a dimension that is not a multiple of 8: per-row packing (np.packbits(..., axis=-1)), which is
#    what sentence-transformers' flatten-and-reshape gives whenever the dimension is a multiple of 8.
odd = rng.standard_normal((5, 12)).astype(np.float32)
packed = np.packbits(odd > 0, axis=-1)
inputs["odd12"] = f32list(odd)
cases.append({"name": "ubinary dim 12 per row", "precision": "ubinary", "embeddings": "odd12",
              "calibration": None, "expected": packed.astype(int).tolist(), "ranges": None})
cases.append({"name": "binary dim 12 per row", "precision": "binary", "embeddings": "odd12",
              "calibration": None, "expected": (packed.astype(np.int16) - 128).astype(int).tolist(), "ranges": None})

with open("quantization.json", "w") as f:
    json.dump({"numpy": np.__version__, "inputs": inputs, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote quantization.json:", len(cases), "cases")
