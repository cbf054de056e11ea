package io.koembed.search;

import io.koembed.st.Precision;
import io.koembed.st.QuantizationRanges;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recall@10 and memory of int8 and binary corpora against exact float32 search, on clustered synthetic vectors
 * (fixed seeds). Not a unit test: run {@code bin/run-test-main core io.koembed.search.QuantizedSearchBench
 * [corpus=100000] [queries=1000] [dim=768]} and read the table.
 */
public final class QuantizedSearchBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int nq = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int dim = args.length > 2 ? Integer.parseInt(args[2]) : 768;
        int k = 10;
        SyntheticVectors gen = new SyntheticVectors(dim, 1000, 1.0, 42);
        float[][] corpus = gen.sample(n, 1);
        float[][] queries = gen.sample(nq, 2);
        System.out.printf(Locale.ROOT, "%,d corpus vectors x %d dims (1000 clusters, noise 1.0, unit length), %,d queries, k=%d, cosine%n",
                n, dim, nq, k);

        SearchOptions o = SearchOptions.defaults().withTopK(k);
        long t0 = System.nanoTime();
        List<List<Hit>> exact;
        long floatBytes;
        try (FloatCorpus fc = FloatCorpus.of(corpus)) {
            floatBytes = fc.memoryBytes();
            exact = SemanticSearch.search(queries, fc, o);
        }
        double tExact = (System.nanoTime() - t0) / 1e9;

        System.out.println();
        System.out.printf("| %-52s | %14s | %10s | %9s | %10s |%n", "corpus precision / scoring", "bytes/vector", "memory", "recall@10", "ms/query");
        System.out.println("|------------------------------------------------------|----------------|------------|-----------|------------|");
        row("float32, exact cosine", floatBytes, n, 1.0, tExact, nq);

        QuantizationRanges ranges = QuantizationRanges.of(corpus);
        try (Int8Corpus ic = Int8Corpus.of(corpus, Precision.INT8, ranges)) {
            long b = ic.memoryBytes();
            measure("int8, float query vs dequantized rows (cosine)", b, n, exact, nq, () -> SemanticSearch.search(queries, ic, o));
            measure("int8, code inner product (usearch-style), no rescore", b, n, exact, nq,
                    () -> SemanticSearch.searchCodes(queries, ic, o.withRescore(false)));
            measure("int8, code inner product + ST rescore x2", b, n, exact, nq,
                    () -> SemanticSearch.searchCodes(queries, ic, o.withRescore(true).withRescoreMultiplier(2)));
            measure("int8, code inner product + ST rescore x4", b, n, exact, nq,
                    () -> SemanticSearch.searchCodes(queries, ic, o.withRescore(true).withRescoreMultiplier(4)));
        }
        try (BinaryCorpus bc = BinaryCorpus.of(corpus)) {
            long b = bc.memoryBytes();
            measure("binary, Hamming, no rescore", b, n, exact, nq, () -> SemanticSearch.search(queries, bc, o.withRescore(false)));
            measure("binary, Hamming + ST rescore x2 (query . bits)", b, n, exact, nq,
                    () -> SemanticSearch.search(queries, bc, o.withRescore(true).withRescoreMultiplier(2)));
            measure("binary, Hamming + ST rescore x4", b, n, exact, nq,
                    () -> SemanticSearch.search(queries, bc, o.withRescore(true).withRescoreMultiplier(4)));
            measure("binary, Hamming + ST rescore x10", b, n, exact, nq,
                    () -> SemanticSearch.search(queries, bc, o.withRescore(true).withRescoreMultiplier(10)));
        }
        System.out.println();
        System.out.println("memory: native bytes of the rows (blocks allocated) + the per-row norm array; "
                + "recall@10: |exact top-10 ∩ returned top-10| / 10, averaged over the queries.");
    }

    interface Run {
        List<List<Hit>> run();
    }

    static void measure(String name, long bytes, int n, List<List<Hit>> exact, int nq, Run r) {
        long t0 = System.nanoTime();
        List<List<Hit>> got = r.run();
        double t = (System.nanoTime() - t0) / 1e9;
        row(name, bytes, n, recall(exact, got), t, nq);
    }

    static void row(String name, long bytes, int n, double recall, double seconds, int nq) {
        System.out.printf(Locale.ROOT, "| %-52s | %14.1f | %7.1f MB | %9.3f | %10.2f |%n", name, (double) bytes / n,
                bytes / 1e6, recall, seconds * 1000 / nq);
    }

    static double recall(List<List<Hit>> exact, List<List<Hit>> got) {
        double sum = 0;
        for (int i = 0; i < exact.size(); i++) {
            Set<Integer> want = new HashSet<>();
            for (Hit h : exact.get(i)) {
                want.add(h.corpusId());
            }
            int found = 0;
            for (Hit h : got.get(i)) {
                if (want.contains(h.corpusId())) {
                    found++;
                }
            }
            sum += (double) found / want.size();
        }
        return sum / exact.size();
    }
}
