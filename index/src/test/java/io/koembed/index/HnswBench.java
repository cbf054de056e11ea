package io.koembed.index;

import io.koembed.search.Hit;
import io.koembed.search.SearchOptions;
import io.koembed.search.SemanticSearch;
import io.koembed.search.SyntheticVectors;
import io.koembed.st.Similarity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * HNSW recall@10 against exact search and per-query latency, on clustered synthetic vectors (fixed seeds).
 * Not a unit test: {@code bin/run-test-main index io.koembed.index.HnswBench [corpus=100000] [queries=1000]
 * [dim=768]}. Builds the index in a temporary folder (deleted after), reopens it, then searches one query at a
 * time on one thread.
 */
public final class HnswBench {
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int nq = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int dim = args.length > 2 ? Integer.parseInt(args[2]) : 768;
        int k = 10;
        String fp = "sha256:bench";
        SyntheticVectors gen = new SyntheticVectors(dim, 1000, 1.0, 42);
        float[][] corpus = gen.sample(n, 1);
        float[][] queries = gen.sample(nq, 2);
        System.out.printf(Locale.ROOT, "%,d vectors x %d dims (1000 clusters, noise 1.0), %,d queries, k=%d, cosine; "
                + "HNSW m=16, beam width=100 (Lucene %s)%n", n, dim, nq, k, org.apache.lucene.util.Version.LATEST);
        List<List<Hit>> exact = SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(k));

        Path dir = Files.createTempDirectory("koembed-hnsw-bench");
        try {
            long t0 = System.nanoTime();
            try (VectorIndex idx = VectorIndex.create(dir, new IndexSpec("/bench", fp, dim, Similarity.COSINE, 0, null,
                    null, 16, 100))) {
                int batch = 10_000;
                for (int from = 0; from < n; from += batch) {
                    int to = Math.min(n, from + batch);
                    List<Document> docs = new ArrayList<>();
                    for (int i = from; i < to; i++) {
                        docs.add(new Document(Integer.toString(i), "doc " + i));
                    }
                    idx.addVectors(docs, Arrays.copyOfRange(corpus, from, to), fp);
                }
                idx.commit();
                double build = (System.nanoTime() - t0) / 1e9;
                idx.forceMerge();
                double merged = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "build: %.1f s (%,.0f vectors/s), force-merged to one graph at %.1f s; "
                        + "on disk %.1f MB%n", build, n / build, merged, du(dir) / 1e6);
            }
            try (VectorIndex idx = VectorIndex.open(dir)) {
                System.out.println();
                System.out.println("| candidates (ef) | recall@10 | mean ms/query | p50 ms | p99 ms |");
                System.out.println("|-----------------|-----------|---------------|--------|--------|");
                for (int cand : new int[] {10, 20, 50, 100, 200, 400}) {
                    // warm up, then measure
                    for (int i = 0; i < Math.min(200, nq); i++) {
                        idx.searchVectors(new float[][] {queries[i]}, fp, k, cand);
                    }
                    double[] ms = new double[nq];
                    double recall = 0;
                    for (int q = 0; q < nq; q++) {
                        long s = System.nanoTime();
                        List<IndexHit> hits = idx.searchVectors(new float[][] {queries[q]}, fp, k, cand).get(0);
                        ms[q] = (System.nanoTime() - s) / 1e6;
                        Set<String> want = new HashSet<>();
                        for (Hit h : exact.get(q)) {
                            want.add(Integer.toString(h.corpusId()));
                        }
                        recall += hits.stream().filter(h -> want.contains(h.id())).count() / (double) k;
                    }
                    double mean = Arrays.stream(ms).average().orElse(0);
                    Arrays.sort(ms);
                    System.out.printf(Locale.ROOT, "| %15d | %9.3f | %13.2f | %6.2f | %6.2f |%n", cand, recall / nq, mean,
                            ms[nq / 2], ms[(int) Math.min(nq - 1, Math.ceil(nq * 0.99) - 1)]);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println();
        System.out.println("latency: one query per call on one thread, HNSW search + exact rescoring of the candidates "
                + "from stored vectors + reading the stored id/text; the default for koembed search is "
                + "candidates = max(k, 100).");
    }

    static long du(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
