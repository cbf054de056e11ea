package io.koembed.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Progress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KMeansTest {

    @Test
    void lloydFromGivenCentresMatchesScikitLearn() {
        JsonNode ref = Reference.get();
        double[][] x = Reference.doubles(ref.get("community_embeddings"));
        for (JsonNode c : ref.get("kmeans_lloyd")) {
            double[][] init;
            if (c.has("init_indices")) {
                int[] idx = Reference.ints(c.get("init_indices"));
                init = new double[idx.length][];
                for (int t = 0; t < idx.length; t++) {
                    init[t] = x[idx[t]];
                }
            } else {
                init = Reference.doubles(c.get("init_centers"));
            }
            KMeans.Result r = KMeans.lloyd(x, init, c.get("max_iter").asInt(), c.get("tol").asDouble());
            String what = "max_iter " + c.get("max_iter");
            assertArrayEquals(Reference.ints(c.get("labels")), r.labels(), what);
            assertEquals(c.get("n_iter").asInt(), r.iterations(), what);
            assertEquals(c.get("inertia").asDouble(), r.inertia(), 1e-9 * c.get("inertia").asDouble(), what);
            double[][] centers = Reference.doubles(c.get("centers"));
            for (int k = 0; k < centers.length; k++) {
                assertArrayEquals(centers[k], r.centers()[k], 1e-9, what + " centre " + k);
            }
        }
    }

    /** Same partition up to renaming the clusters. */
    static void assertSamePartition(int[] expected, int[] actual, int k) {
        assertEquals(expected.length, actual.length);
        assertTrue(KMeans.samePartition(expected, actual, k) && KMeans.samePartition(actual, expected, k),
                "partitions differ");
    }

    @Test
    void kMeansPlusPlusFindsScikitLearnsPartitionOfSeparatedBlobs() {
        JsonNode blobs = Reference.get().get("kmeans_blobs");
        float[][] x = Reference.floats(blobs.get("x"));
        for (long seed : new long[] {0, 1, 42}) {
            KMeans.Result r = KMeans.fit(x, KMeans.Options.of(5, seed), Progress.NONE);
            assertSamePartition(Reference.ints(blobs.get("labels")), r.labels(), 5);
            // float32 input here vs float64 in scikit-learn: the inertia agrees to float32 precision
            assertEquals(blobs.get("inertia").asDouble(), r.inertia(), 1e-5 * r.inertia());
        }
    }

    @Test
    void bestOfTenOnNormalizedEmbeddingsIsAsGoodAsScikitLearns() {
        JsonNode ref = Reference.get();
        float[][] x = Vectors.normalized(Reference.floats(ref.get("community_embeddings")));
        double sklearn = ref.get("kmeans_normalized").get("inertia").asDouble();
        for (long seed : new long[] {0, 1, 2}) {
            KMeans.Result r = KMeans.fit(x, KMeans.Options.of(7, seed), Progress.NONE);
            // other random numbers can end in another local optimum; allow 1% above scikit-learn's best of 10
            assertTrue(r.inertia() <= sklearn * 1.01, "seed " + seed + ": inertia " + r.inertia() + " vs " + sklearn);
        }
    }

    @Test
    void deterministicFromTheSeedAndNumberedBySize() {
        float[][] x = Reference.floats(Reference.get().get("community_embeddings"));
        KMeans.Result a = KMeans.fit(x, KMeans.Options.of(6, 123), Progress.NONE);
        KMeans.Result b = KMeans.fit(x, KMeans.Options.of(6, 123), Progress.NONE);
        assertArrayEquals(a.labels(), b.labels());
        assertEquals(a.inertia(), b.inertia());
        List<int[]> clusters = a.clusters();
        for (int c = 1; c < clusters.size(); c++) {
            assertTrue(clusters.get(c - 1).length >= clusters.get(c).length, "clusters not largest first");
        }
        // a single initialisation with another seed starts elsewhere
        Set<Double> inertias = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            inertias.add(KMeans.fit(x, KMeans.Options.of(6, seed).withNInit(1), Progress.NONE).inertia());
        }
        assertTrue(inertias.size() > 1, "every seed gave the same result");
    }

    @Test
    void kMeansPlusPlusPicksDistinctDataPoints() {
        double[][] x = Reference.doubles(Reference.get().get("community_embeddings"));
        double[][] centers = KMeans.kMeansPlusPlus(x, 10, new SplittableRandom(9));
        Set<Integer> picked = new HashSet<>();
        for (double[] c : centers) {
            int found = -1;
            for (int i = 0; i < x.length; i++) {
                if (java.util.Arrays.equals(x[i], c)) {
                    found = i;
                }
            }
            assertTrue(found >= 0, "a centre is not a data point");
            picked.add(found);
        }
        assertEquals(10, picked.size());
    }

    @Test
    void handCheckedCases() {
        float[][] x = {{0, 0}, {0, 2}, {10, 0}, {10, 2}, {10, 4}};
        KMeans.Result r = KMeans.fit(x, KMeans.Options.of(2, 0), Progress.NONE);
        assertArrayEquals(new int[] {1, 1, 0, 0, 0}, r.labels()); // the larger cluster is number 0
        assertArrayEquals(new double[] {10, 2}, r.centers()[0], 1e-12);
        assertArrayEquals(new double[] {0, 1}, r.centers()[1], 1e-12);
        assertEquals(2 + 8, r.inertia(), 1e-12);
        KMeans.Result one = KMeans.fit(x, KMeans.Options.of(1, 0), Progress.NONE);
        assertArrayEquals(new double[] {6, 1.6}, one.centers()[0], 1e-12);
        KMeans.Result all = KMeans.fit(x, KMeans.Options.of(5, 0), Progress.NONE);
        assertEquals(0, all.inertia(), 1e-12);
        assertNotEquals(all.labels()[0], all.labels()[1]);
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(x, KMeans.Options.of(6, 0), Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> KMeans.Options.of(0, 0));
    }
}
