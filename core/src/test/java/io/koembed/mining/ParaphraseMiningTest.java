package io.koembed.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Progress;
import io.koembed.mining.ParaphraseMining.Options;
import io.koembed.mining.ParaphraseMining.Pair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParaphraseMiningTest {
    private static final double TOL = 1e-5;

    /** Same pairs; every score within TOL; positions may differ only between pairs whose scores are within TOL. */
    static void assertSamePairs(JsonNode expected, List<Pair> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": number of pairs");
        Map<Long, Double> ref = new HashMap<>();
        for (JsonNode p : expected) {
            ref.put(key(p.get(1).asInt(), p.get(2).asInt()), p.get(0).asDouble());
        }
        for (int t = 0; t < actual.size(); t++) {
            Pair p = actual.get(t);
            assertTrue(p.i() < p.j(), what + ": pair not ordered i < j: " + p);
            Double s = ref.get(key(p.i(), p.j()));
            assertTrue(s != null, what + ": unexpected pair " + p);
            assertEquals(s, p.score(), TOL, what + ": score of " + p);
            JsonNode e = expected.get(t);
            if (e.get(1).asInt() != p.i() || e.get(2).asInt() != p.j()) {
                assertEquals(e.get(0).asDouble(), p.score(), TOL, what + ": position " + t + " holds " + p
                        + " but sentence-transformers has " + e + " there, with a clearly different score");
            }
        }
    }

    private static long key(int i, int j) {
        return ((long) i << 32) | j;
    }

    @Test
    void matchesSentenceTransformersOnReferenceEmbeddings() {
        JsonNode ref = Reference.get();
        float[][] emb = Reference.floats(ref.get("mining_embeddings"));
        for (JsonNode c : ref.get("paraphrase_mining")) {
            JsonNode p = c.get("params");
            Options o = Options.defaults().withTopK(p.path("top_k").asInt(100))
                    .withMaxPairs(p.path("max_pairs").asInt(500_000));
            if (p.has("query_chunk_size")) {
                o = o.withChunkSizes(p.get("query_chunk_size").asInt(), o.corpusChunkSize());
            }
            assertSamePairs(c.get("pairs"), ParaphraseMining.mine(emb, o, Progress.NONE), p.toString());
        }
    }

    @Test
    void resultDoesNotDependOnChunkSizes() {
        float[][] emb = Reference.floats(Reference.get().get("mining_embeddings"));
        for (Options base : List.of(Options.defaults(), Options.defaults().withTopK(3),
                Options.defaults().withTopK(5).withMaxPairs(40))) {
            List<Pair> whole = ParaphraseMining.mine(emb, base.withChunkSizes(emb.length, emb.length), Progress.NONE);
            for (int[] cs : new int[][] {{1, 1}, {3, 5}, {7, 48}, {48, 2}, {100, 100}, {17, 1}}) {
                assertEquals(whole, ParaphraseMining.mine(emb, base.withChunkSizes(cs[0], cs[1]), Progress.NONE),
                        base + " with chunks " + cs[0] + "x" + cs[1]);
            }
        }
    }

    @Test
    void withoutLimitsEveryPairComesOnceSortedByScore() {
        Random rnd = new Random(5);
        float[][] emb = new float[120][10];
        for (float[] r : emb) {
            for (int d = 0; d < r.length; d++) {
                r[d] = (float) rnd.nextGaussian();
            }
        }
        List<Pair> pairs = ParaphraseMining.mine(emb, Options.defaults().withTopK(1000).withChunkSizes(13, 29),
                Progress.NONE);
        assertEquals(120 * 119 / 2, pairs.size());
        float[][] e = Vectors.normalized(emb);
        for (int t = 0; t < pairs.size(); t++) {
            Pair p = pairs.get(t);
            assertEquals(Vectors.dot(e[p.i()], e[p.j()]), p.score(), 1e-6);
            if (t > 0) {
                assertTrue(pairs.get(t - 1).score() >= p.score());
            }
        }
    }

    @Test
    void handCheckedSmallCase() {
        // 0 and 1 point the same way; 2 is orthogonal to both; 3 is opposite to 0.
        float[][] emb = {{1, 0}, {2, 0}, {0, 1}, {-1, 0}};
        List<Pair> pairs = ParaphraseMining.mine(emb);
        assertEquals(List.of(new Pair(1f, 0, 1), new Pair(0f, 0, 2), new Pair(0f, 1, 2), new Pair(0f, 2, 3)),
                pairs.subList(0, 4));
        // cos(0,3) = cos(1,3) = -1 is not above the initial min_score of -1: sentence-transformers drops them too
        assertEquals(4, pairs.size());
        // top_k = 1: each text keeps its single best other text
        List<Pair> top1 = ParaphraseMining.mine(emb, Options.defaults().withTopK(1), Progress.NONE);
        assertEquals(new Pair(1f, 0, 1), top1.getFirst());
        // max_pairs = 3: at most 2 directed candidates survive; (0,1) and (1,0) are the same pair
        List<Pair> capped = ParaphraseMining.mine(emb, Options.defaults().withMaxPairs(3), Progress.NONE);
        assertEquals(List.of(new Pair(1f, 0, 1)), capped);
    }

    @Test
    void progressCountsTextsDone() {
        float[][] emb = Reference.floats(Reference.get().get("mining_embeddings"));
        List<Long> seen = new ArrayList<>();
        ParaphraseMining.mine(emb, Options.defaults().withChunkSizes(10, 10), (done, total) -> {
            assertEquals(emb.length, total);
            seen.add(done);
        });
        assertEquals(List.of(10L, 20L, 30L, 40L, 48L), seen);
    }

    @Test
    void edgeCasesAndBadInput() {
        assertEquals(List.of(), ParaphraseMining.mine(new float[0][]));
        assertEquals(List.of(), ParaphraseMining.mine(new float[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> ParaphraseMining.mine(new float[][] {{1, 2}, {1}}));
        assertThrows(IllegalArgumentException.class, () -> ParaphraseMining.mine(new float[][] {{1, Float.NaN}, {1, 0}}));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withTopK(0));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withMaxPairs(0));
        assertThrows(IllegalArgumentException.class, () -> Options.defaults().withChunkSizes(0, 5));
        // identical texts: score 1 (as float32 rounding gives it), one pair
        List<Pair> dup = ParaphraseMining.mine(new float[][] {{0.3f, 0.4f}, {0.3f, 0.4f}});
        assertEquals(1, dup.size());
        assertEquals(1.0, dup.getFirst().score(), 1e-6);
    }
}
