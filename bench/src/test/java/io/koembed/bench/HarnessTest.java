package io.koembed.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's own logic; the engines themselves are exercised by bench/run. */
class HarnessTest {

    private static final String HEADER = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2";

    @Test
    void korStsTakesBothSentencesOfEveryRowInOrderWithoutQuoteHandling() {
        List<String> ok = KorSts.parse(List.of(HEADER,
                "g\tf\ty\t0001\t5.000\t\"한 남자가\" 말한다.\t두 사람이 걷는다.",
                "g\tf\ty\t0002\t1.000\tc\td"), "x");
        assertEquals(List.of("\"한 남자가\" 말한다.", "두 사람이 걷는다.", "c", "d"), ok);
    }

    @Test
    void korStsRejectsRowsWithTheWrongFieldCount() {
        assertThrows(IllegalArgumentException.class, () -> KorSts.parse(List.of(HEADER, "a\tb\tc"), "x"));
        assertThrows(IllegalArgumentException.class, () -> KorSts.parse(List.of("no header"), "x"));
    }

    @Test
    void bundledKorStsDevHas3000Sentences() {
        Path tsv = Path.of("../data/korsts/sts-dev.tsv");   // surefire runs in bench/; the data set lives in the repository's data/
        assertTrue(Files.exists(tsv), "KorSTS dev not found at " + tsv.toAbsolutePath());
        List<String> s = KorSts.sentences(tsv);
        assertEquals(3000, s.size());
        assertEquals("안전모를 가진 한 남자가 춤을 추고 있다.", s.get(0));
        assertEquals("안전모를 쓴 한 남자가 춤을 추고 있다.", s.get(1));
    }

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
    void meanPoolingSkipsPaddedPositions() {
        // batch 2, seq 3, hidden 2; row 1 has length 1, its other positions hold garbage
        float[] states = {1, 2, 3, 4, 5, 6, /* row 1 */ 10, 20, 99, 99, 99, 99};
        assertArrayEquals(new float[] {3, 4}, Embeddings.meanPool(states, 0, 3, 2, 3), 0);
        assertArrayEquals(new float[] {10, 20}, Embeddings.meanPool(states, 1, 3, 2, 1), 0);
    }

    @Test
    void differencesCatchNaNAndShapeMismatch() {
        assertEquals(0.5, Embeddings.maxAbsDiff(new float[][] {{1, 2}}, new float[][] {{1, 2.5f}}), 0);
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[] {Float.NaN}, new float[] {0}));
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[] {1}, new float[] {1, 2}));
        assertEquals(Double.POSITIVE_INFINITY, Embeddings.maxAbsDiff(new float[][] {{1}}, new float[][] {}));
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
    void fmaLoopComputesSomethingFinite() {
        float f = FmaPeak.loop(12, 1000);
        assertTrue(Float.isFinite(f) && f > 0);
    }
}
