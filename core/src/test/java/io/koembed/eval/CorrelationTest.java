package io.koembed.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pearson, Spearman and average ranks against scipy 1.10's values (testdata/eval/correlation_reference.json). */
class CorrelationTest {

    static List<JsonNode> cases() throws IOException {
        JsonNode root = new ObjectMapper().readTree(
                Fixtures.testdata().resolve("eval/correlation_reference.json").toFile());
        List<JsonNode> out = new ArrayList<>();
        root.get("cases").forEach(out::add);
        return out;
    }

    static double[] doubles(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asDouble();
        }
        return v;
    }

    static void assertClose(JsonNode expected, double actual, String what) {
        if (expected.isNull()) {
            assertTrue(Double.isNaN(actual), what + ": expected nan, got " + actual);
        } else {
            assertEquals(expected.asDouble(), actual, 1e-13, what);
        }
    }

    @Test
    void matchesScipyOnEveryReferenceCase() throws IOException {
        List<JsonNode> cases = cases();
        assertTrue(cases.size() >= 10, "reference cases: " + cases.size());
        for (JsonNode c : cases) {
            String name = c.get("name").asText();
            double[] x = doubles(c.get("x"));
            double[] y = doubles(c.get("y"));
            assertClose(c.get("pearson"), Correlation.pearson(x, y), name + " pearson");
            assertClose(c.get("spearman"), Correlation.spearman(x, y), name + " spearman");
            assertArrayEquals(doubles(c.get("rank_x")), Correlation.rank(x), 0.0, name + " rank_x");
            assertArrayEquals(doubles(c.get("rank_y")), Correlation.rank(y), 0.0, name + " rank_y");
        }
    }

    @Test
    void korstsGoldScoresAreHeavilyTied() throws IOException {
        for (JsonNode c : cases()) {
            if (c.get("name").asText().equals("korsts-dev-gold-vs-uniform")) {
                double[] gold = doubles(c.get("x"));
                assertEquals(1500, gold.length);
                long distinct = java.util.Arrays.stream(gold).distinct().count();
                assertTrue(distinct < 200, "distinct gold scores: " + distinct);
                return;
            }
        }
        throw new AssertionError("case korsts-dev-gold-vs-uniform missing");
    }

    @Test
    void averageRanksOfTies() {
        assertArrayEquals(new double[] {1.5, 3, 1.5, 4}, Correlation.rank(new double[] {10, 20, 10, 30}));
        assertArrayEquals(new double[] {2, 2, 2}, Correlation.rank(new double[] {7, 7, 7}));
        assertArrayEquals(new double[] {1.5, 1.5}, Correlation.rank(new double[] {0.0, -0.0}));
    }

    @Test
    void invariantUnderScalingTheGold() {
        double[] gold = {0, 1.2, 2.4, 3, 5, 4.4, 0.8};
        double[] pred = {0.1, 0.3, 0.2, 0.7, 0.9, 0.95, 0.05};
        double[] fifth = new double[gold.length];
        for (int i = 0; i < gold.length; i++) {
            fifth[i] = gold[i] / 5;
        }
        assertEquals(Correlation.pearson(gold, pred), Correlation.pearson(fifth, pred), 1e-15);
        assertEquals(Correlation.spearman(gold, pred), Correlation.spearman(fifth, pred), 0.0);
    }

    @Test
    void nanAndBadInput() {
        assertTrue(Double.isNaN(Correlation.pearson(new double[] {1, Double.NaN, 3}, new double[] {1, 2, 3})));
        assertTrue(Double.isNaN(Correlation.spearman(new double[] {1, 2, 3}, new double[] {1, Double.NaN, 3})));
        assertTrue(Double.isNaN(Correlation.spearman(new double[] {4, 4}, new double[] {1, 2})));
        assertThrows(IllegalArgumentException.class, () -> Correlation.pearson(new double[] {1}, new double[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> Correlation.spearman(new double[] {1, 2}, new double[] {1, 2, 3}));
    }
}
