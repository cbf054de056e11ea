package io.koembed.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.st.Precision;
import io.koembed.st.Quantization;
import io.koembed.st.QuantizationRanges;
import io.koembed.st.QuantizedEmbeddings;
import io.koembed.st.Similarity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Exact search against brute force, ties, k beyond the corpus, chunk-size independence, quantized corpora. */
class SemanticSearchTest {

    /** Brute force: every score in double, sorted by score desc then id asc, first k. */
    static List<List<Hit>> bruteForce(float[][] queries, float[][] corpus, int k, ScoreFn fn) {
        List<List<Hit>> out = new ArrayList<>();
        for (float[] q : queries) {
            List<Hit> all = new ArrayList<>();
            for (int i = 0; i < corpus.length; i++) {
                all.add(new Hit(i, (float) fn.score(q, corpus[i])));
            }
            all.sort(Comparator.comparing((Hit h) -> -h.score()).thenComparingInt(Hit::corpusId));
            out.add(all.subList(0, Math.min(k, all.size())));
        }
        return out;
    }

    interface ScoreFn {
        double score(float[] q, float[] c);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    static double cos(float[] a, float[] b) {
        return dot(a, b) / (Math.max(Math.sqrt(dot(a, a)), 1e-12) * Math.max(Math.sqrt(dot(b, b)), 1e-12));
    }

    /** Small integer vectors: every dot product is exact in float, so ids and tie order must match exactly. */
    static float[][] integerVectors(int n, int dim, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int d = 0; d < dim; d++) {
                row[d] = r.nextInt(-3, 4);
            }
        }
        return v;
    }

    @Test
    void dotOnIntegerVectorsEqualsBruteForceIncludingTies() {
        float[][] corpus = integerVectors(700, 19, 1);
        // duplicated rows and a zero row: many exact ties
        for (int i = 0; i < 100; i++) {
            corpus[600 + i] = corpus[i * 3].clone();
        }
        corpus[5] = new float[19];
        float[][] queries = integerVectors(37, 19, 2);
        SearchOptions o = SearchOptions.defaults().withSimilarity(Similarity.DOT).withTopK(25);
        List<List<Hit>> want = bruteForce(queries, corpus, 25, SemanticSearchTest::dot);
        assertEquals(want, SemanticSearch.search(queries, corpus, o));
    }

    @Test
    void resultsDoNotDependOnChunkSizes() {
        float[][] corpus = integerVectors(1000, 33, 3);
        for (int i = 0; i < 200; i++) {
            corpus[800 + i] = corpus[i].clone();
        }
        float[][] queries = integerVectors(23, 33, 4);
        for (Similarity sim : List.of(Similarity.COSINE, Similarity.DOT)) {
            SearchOptions base = SearchOptions.defaults().withSimilarity(sim).withTopK(17);
            List<List<Hit>> ref = SemanticSearch.search(queries, corpus, base);
            int[][] sizes = {{1, 1}, {1, 7}, {5, 64}, {23, 999}, {100, 1}, {7, 333}, {4, 1000}};
            for (int[] s : sizes) {
                SearchOptions o = base.withQueryChunkSize(s[0]).withCorpusChunkSize(s[1]);
                assertEquals(ref, SemanticSearch.search(queries, corpus, o), sim + " chunks " + s[0] + "/" + s[1]);
            }
        }
    }

    @Test
    void cosineOnRandomFloatsAgreesWithDoubleBruteForce() {
        SyntheticVectors gen = new SyntheticVectors(64, 20, 1.0, 5);
        float[][] corpus = gen.sample(3000, 6);
        float[][] queries = gen.sample(50, 7);
        // unnormalize some rows so cosine differs from dot
        for (int i = 0; i < corpus.length; i += 3) {
            for (int d = 0; d < 64; d++) {
                corpus[i][d] *= 2.5f;
            }
        }
        List<List<Hit>> ours = SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(10));
        List<List<Hit>> ref = bruteForce(queries, corpus, 10, SemanticSearchTest::cos);
        for (int q = 0; q < queries.length; q++) {
            for (int i = 0; i < 10; i++) {
                Hit a = ours.get(q).get(i);
                Hit b = ref.get(q).get(i);
                assertEquals(b.score(), a.score(), 1e-5, "query " + q + " rank " + i);
                if (a.corpusId() != b.corpusId()) { // only a near-tie may swap
                    assertEquals(cos(queries[q], corpus[a.corpusId()]), cos(queries[q], corpus[b.corpusId()]), 1e-5);
                }
            }
        }
    }

    @Test
    void kBeyondTheCorpusZeroKAndEmptyCorpus() {
        float[][] corpus = integerVectors(7, 5, 8);
        float[][] queries = integerVectors(3, 5, 9);
        List<List<Hit>> all = SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(50));
        assertEquals(bruteForce(queries, corpus, 50, SemanticSearchTest::cos).size(), all.size());
        for (List<Hit> hits : all) {
            assertEquals(7, hits.size());
            for (int i = 1; i < hits.size(); i++) {
                assertTrue(hits.get(i - 1).score() >= hits.get(i).score());
            }
        }
        assertEquals(List.of(List.of(), List.of(), List.of()),
                SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(0)));
        assertEquals(List.of(List.of(), List.of(), List.of()),
                SemanticSearch.search(queries, new float[0][], SearchOptions.defaults()));
        try (FloatCorpus empty = new FloatCorpus(5)) {
            assertEquals(List.of(List.of()), SemanticSearch.search(new float[][] {queries[0]}, empty, SearchOptions.defaults()));
        }
        assertThrows(IllegalArgumentException.class,
                () -> SemanticSearch.search(new float[][] {{1, 2}}, corpus, SearchOptions.defaults()));
        assertThrows(IllegalArgumentException.class,
                () -> SearchOptions.defaults().withSimilarity(Similarity.MANHATTAN));
    }

    @Test
    void corpusGrowsAcrossBlocksAndKeepsRows() {
        float[][] rows = integerVectors(5000, 300, 10);
        try (FloatCorpus c = new FloatCorpus(300, 100)) { // 100-row blocks: 50 of them
            c.addAll(rows);
            assertEquals(5000, c.size());
            assertEquals(List.of(rows[4321][7], rows[99][299]), List.of(c.row(4321)[7], c.row(99)[299]));
            List<List<Hit>> hits = SemanticSearch.search(new float[][] {rows[4321]}, c, SearchOptions.defaults().withTopK(1));
            assertEquals(4321, hits.get(0).get(0).corpusId());
        }
    }

    @Test
    void int8DequantizedSearchEqualsFloatSearchOverDequantizedRows() {
        SyntheticVectors gen = new SyntheticVectors(48, 10, 1.0, 11);
        float[][] corpus = gen.sample(2000, 12);
        float[][] queries = gen.sample(20, 13);
        for (Precision p : List.of(Precision.INT8, Precision.UINT8)) {
            QuantizationRanges ranges = QuantizationRanges.of(corpus);
            QuantizedEmbeddings q = Quantization.quantize(corpus, p, ranges);
            float[][] deq = new float[corpus.length][];
            for (int i = 0; i < corpus.length; i++) {
                deq[i] = q.dequantize(i);
            }
            try (Int8Corpus c = Int8Corpus.of(q); Int8Corpus c2 = Int8Corpus.of(corpus, p, ranges)) {
                for (Similarity sim : List.of(Similarity.COSINE, Similarity.DOT)) {
                    SearchOptions o = SearchOptions.defaults().withSimilarity(sim).withTopK(15);
                    List<List<Hit>> ours = SemanticSearch.search(queries, c, o);
                    assertEquals(SemanticSearch.search(queries, deq, o), ours, p + " " + sim);
                    assertEquals(ours, SemanticSearch.search(queries, c2, o));
                }
            }
        }
    }

    @Test
    void int8CodeSearchIsTheInnerProductOfCodesThenStRescoring() {
        SyntheticVectors gen = new SyntheticVectors(40, 10, 1.0, 14);
        float[][] corpus = gen.sample(1500, 15);
        float[][] queries = gen.sample(12, 16);
        QuantizationRanges ranges = QuantizationRanges.of(corpus);
        QuantizedEmbeddings qc = Quantization.quantize(corpus, Precision.INT8, ranges);
        QuantizedEmbeddings qq = Quantization.quantize(queries, Precision.INT8, ranges);
        float[][] codes = asFloats(qc);
        float[][] queryCodes = asFloats(qq);
        try (Int8Corpus c = Int8Corpus.of(qc)) {
            SearchOptions noRescore = SearchOptions.defaults().withTopK(10).withRescore(false);
            assertEquals(bruteForce(queryCodes, codes, 10, SemanticSearchTest::dot),
                    SemanticSearch.searchCodes(queries, c, noRescore));
            // rescoring: the 10 x 3 candidates by code inner product, rescored by float query . codes
            List<List<Hit>> cands = bruteForce(queryCodes, codes, 30, SemanticSearchTest::dot);
            List<List<Hit>> got = SemanticSearch.searchCodes(queries, c, noRescore.withRescore(true).withRescoreMultiplier(3));
            for (int i = 0; i < queries.length; i++) {
                List<Hit> rescored = new ArrayList<>();
                for (Hit h : cands.get(i)) {
                    rescored.add(new Hit(h.corpusId(), (float) dot(queries[i], codes[h.corpusId()])));
                }
                rescored.sort(Comparator.comparing((Hit h) -> -h.score()).thenComparingInt(Hit::corpusId));
                List<Hit> g = got.get(i);
                assertEquals(10, g.size());
                for (int r = 0; r < 10; r++) {
                    assertEquals(rescored.get(r).score(), g.get(r).score(), 1e-3, "query " + i + " rank " + r);
                }
            }
        }
    }

    @Test
    void binarySearchIsHammingThenStRescoring() {
        SyntheticVectors gen = new SyntheticVectors(70, 10, 1.0, 17); // 70 bits: two words, a padded byte
        float[][] corpus = gen.sample(1200, 18);
        float[][] queries = gen.sample(9, 19);
        QuantizedEmbeddings bin = Quantization.quantize(corpus, Precision.BINARY);
        float[][] bits = new float[corpus.length][70];
        for (int i = 0; i < corpus.length; i++) {
            for (int d = 0; d < 70; d++) {
                bits[i][d] = bin.bit(i, d);
            }
        }
        ScoreFn negHamming = (q, c) -> {
            int h = 0;
            for (int d = 0; d < q.length; d++) {
                h += (q[d] > 0 ? 1 : 0) != (int) c[d] ? 1 : 0;
            }
            return -h;
        };
        try (BinaryCorpus c = BinaryCorpus.of(bin); BinaryCorpus c2 = BinaryCorpus.of(corpus)) {
            SearchOptions o = SearchOptions.defaults().withTopK(10).withRescore(false);
            List<List<Hit>> ham = SemanticSearch.search(queries, c, o);
            assertEquals(bruteForce(queries, bits, 10, negHamming), ham);
            assertEquals(ham, SemanticSearch.search(queries, c2, o));
            List<List<Hit>> cands = bruteForce(queries, bits, 20, negHamming);
            List<List<Hit>> got = SemanticSearch.search(queries, c, o.withRescore(true));
            for (int i = 0; i < queries.length; i++) {
                List<Hit> rescored = new ArrayList<>();
                for (Hit h : cands.get(i)) {
                    rescored.add(new Hit(h.corpusId(), (float) dot(queries[i], bits[h.corpusId()])));
                }
                rescored.sort(Comparator.comparing((Hit h) -> -h.score()).thenComparingInt(Hit::corpusId));
                for (int r = 0; r < 10; r++) {
                    assertEquals(rescored.get(r).score(), got.get(i).get(r).score(), 1e-5, "query " + i + " rank " + r);
                }
            }
        }
    }

    static float[][] asFloats(QuantizedEmbeddings q) {
        float[][] out = new float[q.count()][];
        for (int i = 0; i < q.count(); i++) {
            int[] v = q.values(i);
            out[i] = new float[v.length];
            for (int d = 0; d < v.length; d++) {
                out[i][d] = v[d];
            }
        }
        return out;
    }
}
