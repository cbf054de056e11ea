#!/usr/bin/python3
"""Generates reference.json: the expected outputs that io.koembed.mining / io.koembed.classify tests compare with.

Test-data tooling only (never a runtime dependency). Run with Debian's python3 and its numpy / scikit-learn /
scipy packages:  /usr/bin/python3 testdata/mining/generate.py  (writes testdata/mining/reference.json).

* paraphrase mining and community detection: sentence-transformers' util.paraphrase_mining_embeddings and
  util.community_detection (CPU branch), re-written here in numpy step by step as their source does them, on
  fixed random float32 embeddings (torch is not needed: cos_sim is normalize + float32 matmul).
* k-means: scikit-learn's KMeans (Lloyd) from given initial centres, and with k-means++ / n_init.
* logistic regression: scikit-learn's StandardScaler + LogisticRegression (L2; newton-cg), run to a tight optimum
  so that its probabilities are those of the unique optimum.

The script checks that every expected result is robust to float32 rounding differences (no two scores that
decide membership or order lie within MARGIN of each other or of a threshold) and fails otherwise.
"""
import heapq
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

MARGIN = 2e-5


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def embeddings(seed, n, d, centers, spread):
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centers, d))
    assign = rng.integers(0, centers, size=n)
    scale = rng.uniform(spread[0], spread[1], size=(n, 1))
    x = c[assign] + scale * rng.normal(size=(n, d))
    return x.astype(np.float32)


def cos_sim(a, b):
    """torch: F.normalize(p=2, eps=1e-12) on each side, then a @ b.T, all float32."""
    def norm(x):
        n = np.sqrt((x.astype(np.float32) ** 2).sum(axis=1, dtype=np.float32)).astype(np.float32)
        return (x / np.maximum(n, np.float32(1e-12))[:, None]).astype(np.float32)
    return (norm(a) @ norm(b).T).astype(np.float32)


def topk_desc(row, k):
    """torch.topk(largest=True); ties by lower index (torch leaves tie order unspecified)."""
    order = np.argsort(-row.astype(np.float64), kind="stable")[:k]
    return row[order], order


def paraphrase_mining_embeddings(emb, query_chunk_size=5000, corpus_chunk_size=100000, max_pairs=500000,
                                 top_k=100):
    """sentence_transformers.util.paraphrase_mining_embeddings, step by step (queue.PriorityQueue = heapq)."""
    top_k += 1
    pairs = []
    min_score = -1
    num_added = 0
    n = len(emb)
    for corpus_start in range(0, n, corpus_chunk_size):
        for query_start in range(0, n, query_chunk_size):
            scores = cos_sim(emb[query_start:query_start + query_chunk_size],
                             emb[corpus_start:corpus_start + corpus_chunk_size])
            k = min(top_k, len(scores[0]))
            for q in range(len(scores)):
                vals, idx = topk_desc(scores[q], k)
                for v, c in zip(vals.tolist(), idx.tolist()):
                    i = query_start + q
                    j = corpus_start + c
                    if i != j and v > min_score:
                        heapq.heappush(pairs, (v, i, j))
                        num_added += 1
                        if num_added >= max_pairs:
                            entry = heapq.heappop(pairs)
                            min_score = entry[0]
    added = set()
    out = []
    while pairs:
        score, i, j = heapq.heappop(pairs)
        a, b = sorted([i, j])
        if a != b and (a, b) not in added:
            added.add((a, b))
            out.append([score, a, b])
    out = sorted(out, key=lambda x: x[0], reverse=True)
    return out


def community_detection(emb, threshold=0.75, min_community_size=10, batch_size=1024):
    """sentence_transformers.util.community_detection, CPU branch, step by step."""
    threshold = np.float32(threshold)
    n0 = np.sqrt((emb ** 2).sum(axis=1, dtype=np.float32)).astype(np.float32)
    e = (emb / np.maximum(n0, np.float32(1e-12))[:, None]).astype(np.float32)
    extracted = []
    min_community_size = min(min_community_size, len(e))
    sort_max_size = min(max(2 * min_community_size, 50), len(e))
    for start in range(0, len(e), batch_size):
        cos_scores = (e[start:start + batch_size] @ e.T).astype(np.float32)
        for i in range(len(cos_scores)):
            vals, _ = topk_desc(cos_scores[i], min_community_size)
            if vals[-1] >= threshold:
                val_large, idx_large = topk_desc(cos_scores[i], sort_max_size)
                while val_large[-1] > threshold and sort_max_size < len(e):
                    sort_max_size = min(2 * sort_max_size, len(e))
                    val_large, idx_large = topk_desc(cos_scores[i], sort_max_size)
                extracted.append(idx_large[val_large >= threshold].tolist())
    extracted = sorted(extracted, key=lambda x: len(x), reverse=True)
    unique = []
    seen = set()
    for community in extracted:
        rest = [idx for idx in community if idx not in seen]
        if len(rest) >= min_community_size:
            unique.append(rest)
            seen.update(rest)
    return sorted(unique, key=lambda x: len(x), reverse=True)


# ---- robustness checks: float32 rounding in Java must not be able to change the expected answers ----------

def check_mining(emb, pairs, top_k, max_pairs):
    s = cos_sim(emb, emb).astype(np.float64)
    n = len(emb)
    scores = [p[0] for p in pairs]
    # (the order of two pairs whose scores lie within MARGIN may differ in Java: the tests allow that)
    # the per-row top-k cut: the (k+1)-th and (k+2)-th best of each row (self included) must be apart
    k = top_k + 1
    if k < n:
        for i in range(n):
            r = np.sort(s[i])[::-1]
            assert r[k - 1] - r[k] > MARGIN, ("top-k cut not robust", i, r[k - 1], r[k])
    # the max_pairs cut: every kept score must be clear of every dropped candidate score
    if pairs:
        lowest = min(scores)
        kept = {(p[1], p[2]) for p in pairs}
        for i in range(n):
            for j in range(i + 1, n):
                if (i, j) not in kept:
                    assert not (abs(s[i, j] - lowest) <= MARGIN), ("max_pairs cut not robust", i, j)


def check_communities(emb, threshold, communities):
    s = cos_sim(emb, emb).astype(np.float64)
    assert np.all(np.abs(s - np.float32(threshold)) > MARGIN), "a score lies on the threshold"
    for c in communities:
        # order inside a community is by decreasing similarity to the row that produced it: check the gaps
        # along the community's own order against its first member (the producing row for an untrimmed one)
        row = s[c[0]]
        vals = [row[m] for m in c]
        for a, b in zip(vals, vals[1:]):
            assert a - b > MARGIN, ("community order not robust", c, a, b)


def objective_gradient_max(lr, z, y, k, c):
    """Largest component of the gradient of (sum of log losses + |W|^2 / 2C) / n at the fitted parameters."""
    w, b, n = lr.coef_, lr.intercept_, len(y)
    if k == 2:
        res = 1 / (1 + np.exp(-(z @ w[0] + b[0]))) - y
        g = np.concatenate([z.T @ res + w[0] / c, [res.sum()]]) / n
    else:
        logits = z @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        res = p - np.eye(k)[y]
        g = np.concatenate([((z.T @ res).T + w / c).ravel(), res.sum(axis=0)]) / n
    return float(np.abs(g).max())


def main():
    out = {"generator": "testdata/mining/generate.py",
           "versions": {"numpy": np.__version__, "sklearn": sklearn.__version__}}

    # ---- paraphrase mining --------------------------------------------------------------------------------
    emb = embeddings(seed=20240601, n=48, d=24, centers=6, spread=(0.3, 1.2))
    out["mining_embeddings"] = [f32list(r) for r in emb]
    cases = []
    for params in [dict(), dict(top_k=3), dict(top_k=5, max_pairs=40), dict(top_k=2, query_chunk_size=7),
                   dict(top_k=10, max_pairs=7)]:
        pairs = paraphrase_mining_embeddings(emb, **params)
        check_mining(emb, pairs, params.get("top_k", 100), params.get("max_pairs", 500000))
        cases.append({"params": params, "pairs": pairs})
    out["paraphrase_mining"] = cases

    # ---- community detection ------------------------------------------------------------------------------
    cemb = embeddings(seed=7, n=90, d=16, centers=7, spread=(0.15, 0.9))
    out["community_embeddings"] = [f32list(r) for r in cemb]
    ccases = []
    for params in [dict(threshold=0.8, min_community_size=3), dict(threshold=0.65, min_community_size=6),
                   dict(threshold=0.9, min_community_size=2, batch_size=16),
                   dict(threshold=0.75, min_community_size=10), dict(threshold=0.97, min_community_size=1)]:
        com = community_detection(cemb, **params)
        check_communities(cemb, params["threshold"], com)
        ccases.append({"params": params, "communities": com})
    out["community_detection"] = ccases

    # ---- k-means ----------------------------------------------------------------------------------------------
    x = cemb.astype(np.float64)
    init_idx = [0, 5, 11, 23, 42, 57, 80]
    kcases = []
    for max_iter in [300, 2]:
        km = KMeans(n_clusters=len(init_idx), init=x[init_idx], n_init=1, max_iter=max_iter, tol=1e-4,
                    algorithm="lloyd").fit(x)
        kcases.append({"init_indices": init_idx, "max_iter": max_iter, "tol": 1e-4,
                       "labels": km.labels_.tolist(), "centers": km.cluster_centers_.tolist(),
                       "inertia": float(km.inertia_), "n_iter": int(km.n_iter_)})
    # an initial centre far from every point: its cluster is empty at once and takes the farthest point
    far_init = np.vstack([x[init_idx[:6]], np.full((1, x.shape[1]), 100.0)])
    km = KMeans(n_clusters=7, init=far_init, n_init=1, max_iter=300, tol=1e-4, algorithm="lloyd").fit(x)
    kcases.append({"init_centers": far_init.tolist(), "max_iter": 300, "tol": 1e-4,
                   "labels": km.labels_.tolist(), "centers": km.cluster_centers_.tolist(),
                   "inertia": float(km.inertia_), "n_iter": int(km.n_iter_)})
    out["kmeans_lloyd"] = kcases
    # k-means++ with n_init on well-separated blobs: the partition is unique, so it must be found
    rng = np.random.default_rng(3)
    centers = rng.normal(scale=6.0, size=(5, 8))
    blob_labels = rng.integers(0, 5, size=70)
    blobs = centers[blob_labels] + rng.normal(scale=0.5, size=(70, 8))
    km = KMeans(n_clusters=5, init="k-means++", n_init=10, random_state=0, algorithm="lloyd").fit(blobs)
    out["kmeans_blobs"] = {"x": blobs.tolist(), "k": 5, "labels": km.labels_.tolist(),
                           "inertia": float(km.inertia_)}
    # the same data as the community test, normalized (cosine k-means): sklearn's best inertia over 10 inits
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    km = KMeans(n_clusters=7, init="k-means++", n_init=10, random_state=0, algorithm="lloyd").fit(xn)
    out["kmeans_normalized"] = {"k": 7, "inertia": float(km.inertia_), "labels": km.labels_.tolist()}

    # ---- logistic regression ------------------------------------------------------------------------------
    lcases = []
    rng = np.random.default_rng(11)
    for name, k, d, n, c, sep in [("multinomial", 3, 6, 150, 1.0, 1.2), ("binary", 2, 5, 90, 0.5, 1.0),
                                  ("multinomial-5", 5, 4, 200, 10.0, 1.5)]:
        means = rng.normal(scale=sep, size=(k, d))
        scale = rng.uniform(0.5, 3.0, size=d)   # features on different scales: standardization matters
        shift = rng.normal(scale=5.0, size=d)
        y = rng.integers(0, k, size=n)
        xtr = (means[y] + rng.normal(size=(n, d))) * scale + shift
        yte = rng.integers(0, k, size=40)
        xte = (means[yte] + rng.normal(size=(40, d))) * scale + shift
        scaler = StandardScaler().fit(xtr)
        z = scaler.transform(xtr)
        # newton-cg rather than lbfgs: the same objective, but lbfgs stops on scipy's ftol with gradients ~1e-6 left
        # (probabilities off by up to ~1e-4); newton-cg gets the gradient to ~1e-11 (it may warn that it did not meet
        # the unreachable tol; the gradient is checked below instead)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr = LogisticRegression(C=c, tol=1e-12, max_iter=200, solver="newton-cg").fit(z, y)
        gmax = objective_gradient_max(lr, z, y, k, c)
        assert gmax < 1e-9, (name, gmax)
        lcases.append({"name": name, "classes": k, "C": c,
                       "x_train": xtr.tolist(), "y_train": y.tolist(), "x_test": xte.tolist(),
                       "y_test": yte.tolist(),
                       "proba_train": lr.predict_proba(scaler.transform(xtr)).tolist(),
                       "proba_test": lr.predict_proba(scaler.transform(xte)).tolist(),
                       "gradient_max": gmax,
                       "accuracy_train": float(lr.score(scaler.transform(xtr), y)),
                       "accuracy_test": float(lr.score(scaler.transform(xte), yte)),
                       "scaler_mean": scaler.mean_.tolist(), "scaler_scale": scaler.scale_.tolist()})
    out["logistic_regression"] = lcases

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
