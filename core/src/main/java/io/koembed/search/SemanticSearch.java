package io.koembed.search;

import io.koembed.st.Precision;
import io.koembed.st.Quantization;
import io.koembed.st.Similarity;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.VectorOps;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Exact semantic search: for each query, the top-k corpus rows by score, best first. sentence-transformers'
 * {@code util.semantic_search} for float32 corpora, and the quantized searches of its
 * {@code semantic_search_usearch} / {@code semantic_search_faiss} (exact mode) for int8 and binary corpora.
 *
 * <p><b>How it runs.</b> Queries are taken {@code queryChunkSize} at a time and the corpus
 * {@code corpusChunkSize} rows at a time; each corpus chunk is split across the shared worker pool, and each
 * worker streams its rows against the query chunk, keeping its own top-k per query, merged after the chunk. No
 * score matrix is ever materialized: memory is the corpus plus O(threads × queryChunkSize × topK).
 *
 * <p><b>Ties.</b> Equal scores rank by lower corpus id, always, so results do not depend on chunk sizes or
 * threads. sentence-transformers leaves this unspecified: {@code torch.topk} may return either of two equal
 * values, and its heap merge across corpus chunks prefers the later id at the cut (Python compares
 * {@code (score, corpus_id)} tuples); its final {@code sorted(..., reverse=True)} then keeps heap order among
 * equals. Without ties at the k-th place the hits are the same; the scores always are.
 *
 * <p><b>k.</b> More than the corpus holds returns every row (sentence-transformers' {@code min(top_k, len)}); 0
 * returns empty lists; an empty corpus gives empty lists.
 */
public final class SemanticSearch {
    private SemanticSearch() {}

    /** {@code util.semantic_search(queries, corpus)} over a float[][] corpus (copied off-heap for the call). */
    public static List<List<Hit>> search(float[][] queries, float[][] corpus, SearchOptions options) {
        if (corpus.length == 0) {
            return empty(queries.length);
        }
        try (FloatCorpus c = FloatCorpus.of(corpus)) {
            return search(queries, c, options);
        }
    }

    /** Exact float32 search by cosine or dot. */
    public static List<List<Hit>> search(float[][] queries, FloatCorpus corpus, SearchOptions options) {
        int dim = corpus.dimension();
        checkQueries(queries, dim);
        boolean cosine = options.similarity() == Similarity.COSINE;
        VectorOps k = VectorOps.best();
        return scan(queries.length, corpus.size(), options.topK(), options, (qFrom, qTo) -> {
            int qn = qTo - qFrom;
            float[] flat = flatten(queries, qFrom, qTo, dim);
            float[] qNorm = norms(queries, qFrom, qTo);
            return () -> (row, out) -> {
                k.dots(corpus.segment(row), corpus.offset(row), flat, qn, dim, out);
                if (cosine) {
                    dotsToCosines(out, qn, qNorm, corpus.norm(row));
                }
            };
        });
    }

    /** One corpus row's dot products with {@code qn} queries, divided by the norms into cosines, in place. */
    private static void dotsToCosines(float[] dots, int qn, float[] queryNorms, float rowNorm) {
        float cn = Math.max(rowNorm, 1e-12f);
        for (int j = 0; j < qn; j++) {
            dots[j] = dots[j] / (queryNorms[j] * cn);
        }
    }

    /**
     * Int8/uint8 corpus, float queries: each row is dequantized (every value the middle of its bucket) and scored
     * against the unquantized query by cosine or dot. One pass, no rescoring needed: this is already the float
     * query scoring the quantized documents, over the whole corpus.
     */
    public static List<List<Hit>> search(float[][] queries, Int8Corpus corpus, SearchOptions options) {
        int dim = corpus.dimension();
        checkQueries(queries, dim);
        boolean cosine = options.similarity() == Similarity.COSINE;
        VectorOps k = VectorOps.best();
        return scan(queries.length, corpus.size(), options.topK(), options, (qFrom, qTo) -> {
            int qn = qTo - qFrom;
            float[] flat = flatten(queries, qFrom, qTo, dim);
            float[] qNorm = norms(queries, qFrom, qTo);
            return () -> {
                float[] row = new float[dim];
                return (r, out) -> {
                    corpus.decodeValues(r, row);
                    k.dots(row, flat, qn, dim, out);
                    if (cosine) {
                        dotsToCosines(out, qn, qNorm, corpus.norm(r));
                    }
                };
            };
        });
    }

    /**
     * Int8/uint8 corpus searched as {@code semantic_search_usearch(..., corpus_precision="int8")} does: the float
     * query is quantized with the corpus's ranges, scored by the inner product of the codes (exact in float up to
     * 1024 dimensions), and, with {@code rescore}, the top {@code topK * rescoreMultiplier} are rescored as
     * sentence-transformers does: float query · codes (the codes as plain numbers, not dequantized). The
     * similarity option does not apply here: both scores are inner products.
     */
    public static List<List<Hit>> searchCodes(float[][] queries, Int8Corpus corpus, SearchOptions options) {
        int dim = corpus.dimension();
        checkQueries(queries, dim);
        Precision p = corpus.precision();
        float[][] queryCodes = new float[queries.length][dim];
        byte[] buf = new byte[dim];
        for (int i = 0; i < queries.length; i++) {
            Quantization.quantizeRow(queries[i], p, corpus.ranges(), buf, 0);
            for (int d = 0; d < dim; d++) {
                queryCodes[i][d] = p.isSigned() ? buf[d] : buf[d] & 0xFF;
            }
        }
        int candidates = candidates(options, corpus.size());
        VectorOps k = VectorOps.best();
        List<List<Hit>> first = scan(queries.length, corpus.size(), candidates, options, (qFrom, qTo) -> {
            int qn = qTo - qFrom;
            float[] flat = flatten(queryCodes, qFrom, qTo, dim);
            return () -> {
                float[] row = new float[dim];
                return (r, out) -> {
                    corpus.decodeCodes(r, row);
                    k.dots(row, flat, qn, dim, out);
                };
            };
        });
        if (!options.rescore()) {
            return first;
        }
        return rescore(queries, first, options.topK(), dim, corpus::decodeCodes);
    }

    /**
     * Binary corpus: the query binarized ({@code x > 0}) and scored by negated Hamming distance; with
     * {@code rescore}, the top {@code topK * rescoreMultiplier} by Hamming are rescored as sentence-transformers
     * does, float query · the document's bits (0/1), and the best {@code topK} kept. The similarity option does
     * not apply.
     */
    public static List<List<Hit>> search(float[][] queries, BinaryCorpus corpus, SearchOptions options) {
        int dim = corpus.dimension();
        checkQueries(queries, dim);
        long[][] words = new long[queries.length][];
        for (int i = 0; i < queries.length; i++) {
            words[i] = corpus.queryWords(queries[i]);
        }
        int candidates = candidates(options, corpus.size());
        List<List<Hit>> first = scan(queries.length, corpus.size(), candidates, options, (qFrom, qTo) -> {
            int qn = qTo - qFrom;
            return () -> (r, out) -> {
                for (int j = 0; j < qn; j++) {
                    out[j] = -corpus.hamming(r, words[qFrom + j]);
                }
            };
        });
        if (!options.rescore()) {
            return first;
        }
        return rescore(queries, first, options.topK(), dim, corpus::decodeBits);
    }

    // ---- the engine ----------------------------------------------------------------------------------------

    /** Scores corpus row r against each query of the current chunk. One per worker: may keep scratch space. */
    interface RowScorer {
        void score(int row, float[] out);
    }

    /** Prepares a query chunk [qFrom, qTo) and hands out one scorer per worker. */
    interface ChunkSetup {
        Supplier<RowScorer> prepare(int qFrom, int qTo);
    }

    interface RowDecoder {
        void decode(int row, float[] out);
    }

    static List<List<Hit>> scan(int nq, int corpusSize, int k, SearchOptions o, ChunkSetup setup) {
        List<List<Hit>> results = new ArrayList<>(nq);
        if (k == 0 || corpusSize == 0) {
            return empty(nq);
        }
        int keep = Math.min(k, corpusSize);
        Parallel pool = Parallel.shared();
        for (int qFrom = 0; qFrom < nq; qFrom += o.queryChunkSize()) {
            int qTo = Math.min(nq, qFrom + o.queryChunkSize());
            int qn = qTo - qFrom;
            Supplier<RowScorer> scorers = setup.prepare(qFrom, qTo);
            TopK[] best = topKs(qn, keep);
            for (int cFrom = 0; cFrom < corpusSize; cFrom += o.corpusChunkSize()) {
                int cTo = (int) Math.min(corpusSize, (long) cFrom + o.corpusChunkSize());
                int base = cFrom;
                int rows = cTo - cFrom;
                int parts = (int) Math.max(1, Math.min(pool.threads(), (long) rows * qn / 4096));
                pool.forRange(rows, parts, 1, (from, to) -> {
                    RowScorer scorer = scorers.get();
                    float[] out = new float[qn];
                    TopK[] local = topKs(qn, keep);
                    for (int r = base + from; r < base + to; r++) {
                        scorer.score(r, out);
                        for (int j = 0; j < qn; j++) {
                            local[j].offer(out[j], r);
                        }
                    }
                    synchronized (best) {
                        for (int j = 0; j < qn; j++) {
                            best[j].offerAll(local[j]);
                        }
                    }
                });
            }
            for (TopK t : best) {
                results.add(t.sorted());
            }
        }
        return results;
    }

    /** sentence-transformers' rescoring: float query · decoded candidate, best {@code topK} of the candidates. */
    static List<List<Hit>> rescore(float[][] queries, List<List<Hit>> candidates, int topK, int dim, RowDecoder decoder) {
        List<List<Hit>> out = new ArrayList<>(queries.length);
        float[] row = new float[dim];
        float[] score = new float[1];
        for (int i = 0; i < queries.length; i++) {
            TopK t = new TopK(topK);
            for (Hit h : candidates.get(i)) {
                decoder.decode(h.corpusId(), row);
                VectorOps.best().dots(row, queries[i], 1, dim, score);
                t.offer(score[0], h.corpusId());
            }
            out.add(t.sorted());
        }
        return out;
    }

    private static int candidates(SearchOptions o, int corpusSize) {
        long c = o.rescore() ? (long) o.topK() * o.rescoreMultiplier() : o.topK();
        return (int) Math.min(c, Math.max(corpusSize, o.topK()));
    }

    private static TopK[] topKs(int n, int k) {
        TopK[] t = new TopK[n];
        for (int i = 0; i < n; i++) {
            t[i] = new TopK(k);
        }
        return t;
    }

    private static List<List<Hit>> empty(int n) {
        List<List<Hit>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(List.of());
        }
        return out;
    }

    private static void checkQueries(float[][] queries, int dim) {
        for (int i = 0; i < queries.length; i++) {
            if (queries[i].length != dim) {
                throw new IllegalArgumentException("query " + i + " has " + queries[i].length
                        + " dimensions, the corpus " + dim);
            }
        }
    }

    private static float[] flatten(float[][] rows, int from, int to, int dim) {
        float[] flat = new float[(to - from) * dim];
        for (int i = from; i < to; i++) {
            System.arraycopy(rows[i], 0, flat, (i - from) * dim, dim);
        }
        return flat;
    }

    /** Norms clamped at 1e-12, as torch.nn.functional.normalize divides by. */
    private static float[] norms(float[][] rows, int from, int to) {
        float[] n = new float[to - from];
        for (int i = from; i < to; i++) {
            n[i - from] = (float) Math.max(VectorOps.norm(rows[i]), 1e-12);
        }
        return n;
    }
}
