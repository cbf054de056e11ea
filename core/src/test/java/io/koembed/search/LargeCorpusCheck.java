package io.koembed.search;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * Exact search over a 1,000,000 × 768 float32 corpus inside a small heap: rows are generated in batches straight
 * into a {@link FloatCorpus} (native memory), then 100 queries are searched. Not a unit test:
 * {@code KOEMBED_JAVA_OPTS=-Xmx4g bin/run-test-main core io.koembed.search.LargeCorpusCheck [rows=1000000] [dim=768]}.
 */
public final class LargeCorpusCheck {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 768;
        SyntheticVectors gen = new SyntheticVectors(dim, 1000, 1.0, 42);
        long t0 = System.nanoTime();
        try (FloatCorpus corpus = new FloatCorpus(dim, n)) {
            for (int from = 0, b = 0; from < n; from += 10_000, b++) {
                corpus.addAll(gen.sample(Math.min(10_000, n - from), 1000 + b));
            }
            double fill = (System.nanoTime() - t0) / 1e9;
            float[][] queries = gen.sample(100, 7);
            long t1 = System.nanoTime();
            List<List<Hit>> hits = SemanticSearch.search(queries, corpus, SearchOptions.defaults().withTopK(10));
            double search = (System.nanoTime() - t1) / 1e9;
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "%,d x %d float32 corpus: %.2f GB native (rows) + %.1f MB heap (norms); "
                            + "filled in %.0f s%n", n, dim, corpus.memoryBytes() / 1e9, 4.0 * n / 1e6, fill);
            System.out.printf(Locale.ROOT, "100 queries, top-10 cosine: %.1f s (%.0f ms/query); first hit of query 0: %s%n",
                    search, search * 10, hits.get(0).get(0));
            System.out.printf(Locale.ROOT, "heap: max %.2f GB, used after GC %.0f MB; peak heap use %.0f MB%n",
                    rt.maxMemory() / 1e9, (rt.totalMemory() - rt.freeMemory()) / 1e6, peakHeap() / 1e6);
        }
    }

    static long peakHeap() {
        long peak = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
