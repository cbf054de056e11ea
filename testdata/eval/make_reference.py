#!/usr/bin/python3
"""Reference values for KoEmbed's STS evaluation tests (test-data tooling only; never used at run time).

Run from the repository root with Debian's Python, which has the packages below:

    apt-get install -y python3-numpy python3-scipy python3-sklearn
    /usr/bin/python3 testdata/eval/make_reference.py

It writes, next to this script:

- correlation_reference.json: input vectors with scipy.stats.pearsonr / spearmanr / rankdata(method="average")
  of them. Inputs include heavy ties and the real KorSTS dev / KLUE-STS dev gold scores paired with
  deterministic pseudo-random predictions (numpy default_rng, fixed seed). NaN is written as null.
- fixture_pairs_korsts.jsonl, fixture_pairs_chain.jsonl: STS pairs made only of sentences whose reference
  embeddings (sentence-transformers 3.0.1) are in testdata/fixtures/tiny-xlmr-ko-expected/embeddings.json:
  "korsts" = the KorSTS dev pairs whose two sentences both have one (with their real gold scores);
  "chain" = each of the 290 KorSTS dev sentences paired with the next, with pseudo-random gold scores on a
  0.2 grid in [0, 5] (many ties).
- fixture_expected_metrics.json: for each pair file, the ten metrics sentence-transformers 3.0.1's
  EmbeddingSimilarityEvaluator reports, computed the way it computes them (float32 embeddings,
  1 - sklearn paired_cosine_distances, -paired_manhattan_distances, -paired_euclidean_distances, np.dot,
  scipy pearsonr / spearmanr against the gold scores as given) from the reference embeddings.
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.stats import pearsonr, rankdata, spearmanr
from sklearn.metrics.pairwise import (paired_cosine_distances, paired_euclidean_distances,
                                      paired_manhattan_distances)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_tsv_scores(path, header):
    """Gold scores and sentences of a KorSTS/STS-B style file: split on tabs, no quote handling."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if header:
        lines = lines[1:]
    rows = [l.split("\t") for l in lines if l != ""]
    return [(float(r[4]), r[5], r[6]) for r in rows]


def num(v):
    v = float(v)
    return None if np.isnan(v) else v


def case(name, x, y, note=""):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = pearsonr(x, y)[0]
            s = spearmanr(x, y)[0]
    return {
        "name": name,
        "note": note,
        "x": [float(v) for v in x],
        "y": [float(v) for v in y],
        "pearson": num(p),
        "spearman": num(s),
        "rank_x": [float(v) for v in rankdata(x, method="average")],
        "rank_y": [float(v) for v in rankdata(y, method="average")],
    }


def correlation_cases():
    rng = np.random.default_rng(20240601)
    korsts = np.array([s for s, _, _ in read_tsv_scores(os.path.join(ROOT, "data/korsts/sts-dev.tsv"), True)])
    with open(os.path.join(ROOT, "data/klue-sts/klue-sts-v1.1_dev.json"), encoding="utf-8") as f:
        klue = np.array([item["labels"]["label"] for item in json.load(f)], dtype=np.float64)
    assert len(korsts) == 1500 and len(klue) == 519

    cases = []
    cases.append(case("korsts-dev-gold-vs-uniform", korsts, rng.random(len(korsts)),
                      "KorSTS dev gold (many ties) vs uniform [0,1) predictions"))
    noisy = (korsts / 5.0 + rng.normal(0.0, 0.25, len(korsts))).astype(np.float32)
    cases.append(case("korsts-dev-gold-vs-noisy-float32", korsts, noisy,
                      "gold/5 + N(0, 0.25) noise, rounded to float32 (like a model's cosine)"))
    cases.append(case("korsts-dev-gold-vs-quantized", korsts, np.round(noisy.astype(np.float64), 1),
                      "the noisy predictions rounded to one decimal: heavy ties on both sides"))
    cases.append(case("korsts-dev-gold-vs-gold-over-5", korsts, korsts / 5.0,
                      "gold vs gold/5: both 1 (scaling the gold scores changes nothing)"))
    cases.append(case("klue-sts-dev-gold-vs-noisy", klue,
                      (klue / 5.0 + rng.normal(0.0, 0.3, len(klue))).astype(np.float32),
                      "KLUE-STS dev gold vs noisy float32 predictions"))
    cases.append(case("heavy-ties-small", [1, 1, 1, 2, 2, 3, 3, 3, 3, 5], [0, 0, 1, 1, 1, 1, 2, 2, 2, 2]))
    cases.append(case("ties-with-negative", [-2.5, 0, 0, 0, 1.5, 1.5, 4, -2.5], [3, 1, 1, 2, 2, 5, 5, 0]))
    cases.append(case("perfect-positive", [0, 1, 2, 3, 4, 5], [1, 3, 5, 7, 9, 11]))
    cases.append(case("perfect-negative", [0, 1, 2, 3, 4, 5], [0.5, 0.4, 0.3, 0.2, 0.1, 0.0]))
    cases.append(case("monotone-nonlinear", [1, 2, 3, 4, 5, 6, 7], [1, 4, 9, 16, 25, 36, 1000],
                      "spearman 1, pearson below 1"))
    cases.append(case("two-points", [1, 2], [5, 3]))
    cases.append(case("large-offset", 1e6 + rng.random(200), rng.random(200) + 0.5 * np.arange(200) / 200,
                      "values near 1e6: the mean must be taken out carefully"))
    cases.append(case("random-normal-1000", rng.normal(size=1000), rng.normal(size=1000)))
    cases.append(case("constant-y", [1, 2, 3, 4], [2, 2, 2, 2], "scipy returns nan (constant input)"))
    cases.append(case("constant-x", [0.5, 0.5, 0.5], [1, 2, 3], "scipy returns nan (constant input)"))
    return cases


def fixture_sets():
    with open(os.path.join(ROOT, "testdata/fixtures/tiny-xlmr-ko-expected/embeddings.json"), encoding="utf-8") as f:
        items = json.load(f)["items"]
    emb = {}
    korsts_sentences = []
    for item in items:
        if item["id"].startswith("korsts-dev-"):
            emb[item["text"]] = np.array(item["embedding"], dtype=np.float32)
            korsts_sentences.append(item["text"])

    rows = read_tsv_scores(os.path.join(ROOT, "data/korsts/sts-dev.tsv"), True)
    real = [(s1, s2, score) for score, s1, s2 in rows if s1 in emb and s2 in emb]

    rng = np.random.default_rng(7)
    chain = []
    for a, b in zip(korsts_sentences, korsts_sentences[1:]):
        chain.append((a, b, float(rng.integers(0, 26)) / 5.0))
    return emb, {"korsts": real, "chain": chain}


def st_metrics(emb, pairs):
    """What sentence-transformers 3.0.1's EmbeddingSimilarityEvaluator computes, step by step."""
    e1 = np.stack([emb[a] for a, _, _ in pairs])  # float32, as model.encode(convert_to_numpy=True) returns
    e2 = np.stack([emb[b] for _, b, _ in pairs])
    labels = [score for _, _, score in pairs]
    cosine = 1 - paired_cosine_distances(e1, e2)
    manhattan = -paired_manhattan_distances(e1, e2)
    euclidean = -paired_euclidean_distances(e1, e2)
    dot = [np.dot(a, b) for a, b in zip(e1, e2)]
    m = {}
    for key, scores in (("cosine", cosine), ("manhattan", manhattan), ("euclidean", euclidean), ("dot", dot)):
        m["pearson_" + key] = float(pearsonr(labels, scores)[0])
        m["spearman_" + key] = float(spearmanr(labels, scores)[0])
    ordered = {}
    for key in ("cosine", "manhattan", "euclidean", "dot"):
        ordered["pearson_" + key] = m["pearson_" + key]
        ordered["spearman_" + key] = m["spearman_" + key]
    ordered["pearson_max"] = max(m["pearson_" + k] for k in ("cosine", "manhattan", "euclidean", "dot"))
    ordered["spearman_max"] = max(m["spearman_" + k] for k in ("cosine", "manhattan", "euclidean", "dot"))
    # Smallest gap between two predicted cosine scores: a Java port whose embeddings differ by ~1e-5 keeps the
    # ranks (and so the Spearman values) only if this is clearly larger.
    srt = np.sort(np.asarray(cosine, dtype=np.float64))
    min_gap = float(np.min(np.diff(srt))) if len(srt) > 1 else None
    return ordered, [float(c) for c in cosine], min_gap


def main():
    versions = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}
    with open(os.path.join(HERE, "correlation_reference.json"), "w", encoding="utf-8") as f:
        json.dump({"generated_by": "testdata/eval/make_reference.py", "versions": versions,
                   "cases": correlation_cases()}, f, ensure_ascii=False, allow_nan=False)
        f.write("\n")

    emb, sets = fixture_sets()
    expected = {"generated_by": "testdata/eval/make_reference.py", "versions": versions,
                "model": "tiny-xlmr-ko", "embeddings": "testdata/fixtures/tiny-xlmr-ko-expected/embeddings.json",
                "sets": {}}
    for name, pairs in sets.items():
        file = "fixture_pairs_%s.jsonl" % name
        with open(os.path.join(HERE, file), "w", encoding="utf-8", newline="\n") as f:
            for a, b, score in pairs:
                f.write(json.dumps({"sentence1": a, "sentence2": b, "score": score}, ensure_ascii=False) + "\n")
        metrics, cosine, gap = st_metrics(emb, pairs)
        expected["sets"][name] = {"file": file, "pairs": len(pairs), "metrics": metrics,
                                  "cosine_scores": cosine, "min_cosine_gap": gap}
        print(name, len(pairs), "pairs, min cosine gap", gap)
    with open(os.path.join(HERE, "fixture_expected_metrics.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
