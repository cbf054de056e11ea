#!/usr/bin/python3
"""Cross-checks `koembed classify` on KorNLI against scikit-learn on the same embeddings (not run by the tests).

    /usr/bin/python3 testdata/mining/kornli_crosscheck.py [MODEL_DIR]   (default: the tiny fixture model)

Trains with `bin/koembed classify train` on KorNLI dev and predicts KorNLI test, then embeds the same sentences
with `bin/koembed encode`, builds the same features (u, v, |u-v|, u*v) and fits scikit-learn's StandardScaler +
LogisticRegression (C=1, newton-cg to a tight optimum). Prints both accuracies, how many predictions agree and
the largest probability difference. This checks the classifier, not the encoder: both sides use KoEmbed's
embeddings. Needs Debian's python3-numpy and python3-sklearn.
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KOEMBED = os.path.join(ROOT, "bin", "koembed")


def rows(split):
    with open(os.path.join(ROOT, "data", "kornli", f"xnli.{split}.ko.tsv"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    return [line.split("\t") for line in lines[1:] if line]


def features(model, split, tmp):
    data = rows(split)
    texts = list(dict.fromkeys(t for r in data for t in r[:2]))
    src = os.path.join(tmp, f"{split}.jsonl")
    out = os.path.join(tmp, f"{split}-emb.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    subprocess.run([KOEMBED, "encode", "--model", model, "--input", src, "--output", out], check=True)
    with open(out) as f:
        emb = np.array([json.loads(line)["embedding"] for line in f], dtype=np.float64)
    index = {t: i for i, t in enumerate(texts)}
    u = emb[[index[r[0]] for r in data]]
    v = emb[[index[r[1]] for r in data]]
    return np.hstack([u, v, np.abs(u - v), u * v]), np.array([r[2] for r in data])


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testdata", "fixtures", "tiny-xlmr-ko")
    with tempfile.TemporaryDirectory() as tmp:
        clf = os.path.join(tmp, "kornli.json")
        pred = os.path.join(tmp, "pred.jsonl")
        subprocess.run([KOEMBED, "classify", "train", "--model", model, "--train",
                        os.path.join(ROOT, "data", "kornli", "xnli.dev.ko.tsv"), "--out", clf], check=True)
        subprocess.run([KOEMBED, "classify", "predict", "--classifier", clf, "--input",
                        os.path.join(ROOT, "data", "kornli", "xnli.test.ko.tsv"), "--output", pred], check=True)
        with open(pred) as f:
            ours = [json.loads(line) for line in f]
        xtr, ytr = features(model, "dev", tmp)
        xte, yte = features(model, "test", tmp)
    scaler = StandardScaler().fit(xtr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr = LogisticRegression(C=1.0, tol=1e-10, max_iter=200, solver="newton-cg").fit(scaler.transform(xtr), ytr)
    theirs = lr.predict(scaler.transform(xte))
    labels = np.array([o["label"] for o in ours])
    p_ours = np.array([[o["probabilities"][c] for c in lr.classes_] for o in ours])
    p_theirs = lr.predict_proba(scaler.transform(xte))
    print(f"koembed test accuracy       {np.mean(labels == yte):.4f} ({int(np.sum(labels == yte))}/{len(yte)})")
    print(f"scikit-learn test accuracy  {np.mean(theirs == yte):.4f} ({int(np.sum(theirs == yte))}/{len(yte)})")
    print(f"same prediction             {np.mean(labels == theirs):.4f}")
    print(f"largest probability diff    {np.abs(p_ours - p_theirs).max():.2e}")


if __name__ == "__main__":
    main()
