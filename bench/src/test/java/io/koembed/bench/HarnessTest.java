package io.koembed.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's own logic; the engines themselves are exercised by bench/run. */
class HarnessTest {

    @Test
    void quantilesInterpolateLikeNumpy() {
        double[] v = {5, 1, 4, 2, 3};
        assertEquals(3.0, Stats.median(v), 0);
        assertEquals(4.6, Stats.quantile(v, 0.9), 1e-12);
        assertEquals(1.0, Stats.quantile(v, 0), 0);
        assertEquals(5.0, Stats.quantile(v, 1), 0);
        assertEquals(2.5, Stats.median(new double[] {1, 2, 3, 4}), 0);
    }

    @Test
    void batchesAreLongestFirstAndStable() {
        assertArrayEquals(new int[] {1, 3, 0, 2, 4}, Batching.longestFirst(new int[] {3, 7, 3, 7, 1}));
    }

    @Test
    void poolingSeesOnlyARowsOwnTokens() {
        // batch 2, seq 3, hidden 2; row 1 has length 1, its other positions are padding holding garbage
        float[] states = {1, 2, 3, 4, 5, 6, /* row 1 */ 10, 20, 99, 99, 99, 99};
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, OrtEngine.tokenStates(states, 0, 3, 2, 3), 0);
        assertArrayEquals(new float[] {10, 20}, OrtEngine.tokenStates(states, 1, 3, 2, 1), 0);
    }

    @Test
    void differencesCatchNaNAndShapeMismatch() {
        assertEquals(0.5, Embeddings.maxAbsDiff(new float[][] {{1, 2}}, new float[][] {{1, 2.5f}}), 0);
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[] {Float.NaN}, new float[] {0}));
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[] {1}, new float[] {1, 2}));
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[][] {{1}}, new float[][] {}));
    }

    @Test
    void eachCommandLineCallIsComparedWithTheBaselinePassesAroundIt() {
        // 3,000 sentences in 40 s (75/s) between passes at 80 and 100/s, then in 30 s (100/s) between 100 and 60/s
        var cli = new Benchmark.CliReport(1.5, 2.0, 0.5, new double[] {40, 30}, 3000, new double[] {80, 100, 60},
                "cmd");
        assertArrayEquals(new double[] {75.0 / 90, 100.0 / 80}, cli.ratios(), 1e-12);
        assertEquals(0, new Benchmark.CliReport(1.5, 2.0, 0.5, new double[] {40}, 3000, new double[0], "cmd")
                .ratios().length);
    }

    @Test
    void ratiosAreSpeedRelativeToTheBaseline() {
        assertEquals("200 (2.00×)", Report.higher(200.0, 100.0));
        assertEquals("5.00 (2.00×)", Report.lower(5.0, 10.0));   // half the time = twice as fast
        assertEquals("—", Report.higher(null, 1.0));
        assertEquals("12.3", Report.higher(12.34, null));
    }

    @Test
    void markdownTableEscapesPipes() {
        String t = Report.table(new String[] {"a", "b"}, List.<String[]>of(new String[] {"x|y", "1"}), "r");
        assertEquals("| a | b |\n|---|---:|\n| x\\|y | 1 |\n", t);
    }

    @Test
    void spreadPicksEvenlyAndLongTextApproachesTheTarget() {
        List<String> texts = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        assertEquals(List.of("a", "f"), Benchmark.spread(texts, 2));
        assertEquals(texts, Benchmark.spread(texts, 50));
        TextTokenizer perChar = new TextTokenizer() {   // one token per character plus <s> and </s>
            public String description() {
                return "test";
            }

            public int[] ids(String text) {
                return new int[text.length() + 2];
            }
        };
        List<String> words = List.of("aaaa", "aaaa", "bbbb", "cccc", "dddd", "eeee");
        String text = Benchmark.longText(words, perChar, 16);   // "aaaa bbbb cccc" = 14 chars + 2 = 16
        assertEquals("aaaa bbbb cccc", text);
    }

    @Test
    void eachFmaLoopRunsItsChainsForEveryIteration() {
        // The GFLOP/s figure counts accumulators x iterations FMAs per lane: each loop must run that many. A
        // chain c = fma(c, 0.999999, 1e-7) from 0.1, 0.2, ..., in scalar float (Math.fma rounds once, as a
        // vector lane does); the loop adds its chains lane by lane and then the lanes.
        float[] starts = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 1.1f, 1.2f};
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int iters = 20_000; // 0.999999^20000 = 0.98: every chain has moved well away from its start
        for (int count : FmaPeak.COUNTS) {
            float lane = 0;
            for (int k = 0; k < count; k++) {
                float c = starts[k];
                for (int i = 0; i < iters; i++) {
                    c = Math.fma(c, 0.999999f, 1e-7f);
                }
                lane += c;
            }
            float expected = lane * lanes;
            // the lanes are summed in an order the Vector API leaves open: a few roundings of slack
            assertEquals(expected, FmaPeak.loop(count, iters), 1e-6 * expected, count + " accumulators");
        }
    }
}
