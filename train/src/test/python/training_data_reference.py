#!/usr/bin/python3
"""Reference values for TrainingDataTest, computed as sentence-transformers' recipes read the data.

    /usr/bin/python3 train/src/test/python/training_data_reference.py   (from the repository root; needs numpy)

KorSTS: training_stsbenchmark.py's reading (csv.DictReader, tab, QUOTE_NONE; label float(score) / 5.0, stored as
float32). KorNLI pairs: training_nli.py's label2int. KorNLI triplets: training_nli_v2.py's construction (strip,
both directions, two triplets per sentence with an entailment and a contradiction); on xnli.dev.ko.tsv every such
sentence has exactly one of each, so the triplets do not depend on the random choices. Each list is printed as the
SHA-256 of its rows joined with tabs and newlines (labels as Python's repr of the float32 value as a double).
"""
import csv
import hashlib

import numpy as np


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def digest(lines):
    return hashlib.sha256("\n".join("\t".join(line) for line in lines).encode("utf-8")).hexdigest()


sts = rows("data/korsts/sts-dev.tsv")
pairs = [(r["sentence1"], r["sentence2"], repr(float(np.float32(float(r["score"]) / 5.0)))) for r in sts]
print("korsts sts-dev pairs", len(pairs), digest(pairs))

nli = rows("data/kornli/xnli.dev.ko.tsv")
label2int = {"contradiction": 0, "entailment": 1, "neutral": 2}
labelled = [(r["sentence1"], r["sentence2"], repr(float(label2int[r["gold_label"]]))) for r in nli]
print("kornli xnli.dev.ko labelled pairs", len(labelled), digest(labelled))

related = {}


def add(a, b, label):
    related.setdefault(a, {"contradiction": set(), "entailment": set(), "neutral": set()})[label].add(b)


for r in nli:
    a, b = r["sentence1"].strip(), r["sentence2"].strip()
    add(a, b, r["gold_label"])
    add(b, a, r["gold_label"])
triplets = []
for sentence, others in related.items():  # dicts keep insertion order: first appearance
    if others["entailment"] and others["contradiction"]:
        assert len(others["entailment"]) == 1 and len(others["contradiction"]) == 1
        (e,), (c,) = others["entailment"], others["contradiction"]
        triplets += [(sentence, e, c), (e, sentence, c)]
print("kornli xnli.dev.ko triplets", len(triplets), digest(triplets))
