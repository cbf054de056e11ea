package io.koembed.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Progress;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LogisticRegressionTest {
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    /** Stated tolerance on probabilities: both solvers run to tight tolerances on a strictly convex problem. */
    static final double PROBA_TOL = 1e-6;

    static double[][] doubles(JsonNode rows) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[rows.get(i).size()];
            for (int t = 0; t < out[i].length; t++) {
                out[i][t] = rows.get(i).get(t).asDouble();
            }
        }
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void probabilitiesMatchScikitLearn() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(TESTDATA.resolve("mining/reference.json").toFile());
        for (JsonNode c : ref.get("logistic_regression")) {
            String name = c.get("name").asText();
            double[][] xtr = doubles(c.get("x_train"));
            int[] ytr = ints(c.get("y_train"));
            double[][] xte = doubles(c.get("x_test"));
            int[] yte = ints(c.get("y_test"));
            LogisticRegression lr = LogisticRegression.fit(xtr, ytr, c.get("classes").asInt(),
                    LogisticRegression.Options.defaults().withC(c.get("C").asDouble()).withTol(1e-10)
                            .withMaxIter(10_000), Progress.NONE);
            assertTrue(lr.info().converged(), name + ": " + lr.info());
            assertArrayEquals(doubles(wrap(c.get("scaler_mean")))[0], lr.mean(), 1e-12, name + " mean");
            assertArrayEquals(doubles(wrap(c.get("scaler_scale")))[0], lr.scale(), 1e-12, name + " scale");
            assertProbabilities(doubles(c.get("proba_train")), lr, xtr, name + " train");
            assertProbabilities(doubles(c.get("proba_test")), lr, xte, name + " test");
            assertEquals(c.get("accuracy_train").asDouble(), accuracy(lr, xtr, ytr), 1e-12, name);
            assertEquals(c.get("accuracy_test").asDouble(), accuracy(lr, xte, yte), 1e-12, name);
        }
    }

    private static JsonNode wrap(JsonNode row) {
        return new ObjectMapper().createArrayNode().add(row);
    }

    static void assertProbabilities(double[][] expected, LogisticRegression lr, double[][] x, String what) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double[] p = lr.probabilities(x[i]);
            for (int c = 0; c < p.length; c++) {
                worst = Math.max(worst, Math.abs(p[c] - expected[i][c]));
            }
        }
        assertTrue(worst <= PROBA_TOL, what + ": largest probability difference " + worst);
    }

    static double accuracy(LogisticRegression lr, double[][] x, int[] y) {
        int ok = 0;
        for (int i = 0; i < x.length; i++) {
            if (lr.predict(x[i]) == y[i]) {
                ok++;
            }
        }
        return (double) ok / x.length;
    }

    @Test
    void handCheckedSymmetricBinaryCase() {
        // x = ±1 with labels 0 / 1, twice: the objective is 4·log(1 + e^(−w)) + w²/(2C) at intercept 0 (the optimum
        // by symmetry), so the gradient vanishes where w / C = 4·σ(−w); with C = 1 that is w ≈ 1.0426
        double[][] x = {{-1}, {1}, {-1}, {1}};
        int[] y = {0, 1, 0, 1};
        LogisticRegression lr = LogisticRegression.fit(x, y, 2,
                new LogisticRegression.Options(1.0, 1000, 1e-12, false), Progress.NONE);
        double w = lr.weights()[0][0];
        assertEquals(0, lr.intercepts()[0], 1e-9);
        assertEquals(4 / (1 + Math.exp(w)), w, 1e-9);
        assertEquals(1.0426, w, 1e-4);
        assertEquals(0.5, lr.probabilities(new double[] {0})[1], 1e-9);
        assertEquals(1 / (1 + Math.exp(-w)), lr.probabilities(new double[] {1})[1], 1e-12);
    }

    @Test
    void parametersRoundTripThroughOf() {
        double[][] x = {{0, 1}, {1, 0}, {1, 1}, {0, 0}, {2, 1}, {1, 2}};
        int[] y = {0, 1, 2, 0, 1, 2};
        LogisticRegression lr = LogisticRegression.fit(x, y, 3, LogisticRegression.Options.defaults(), Progress.NONE);
        LogisticRegression copy = LogisticRegression.of(3, lr.mean(), lr.scale(), lr.weights(), lr.intercepts(), null);
        for (double[] row : x) {
            assertArrayEquals(lr.probabilities(row), copy.probabilities(row), 0);
        }
    }

    @Test
    void badInput() {
        LogisticRegression.Options o = LogisticRegression.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(new double[][] {{1}}, new int[] {0},
                1, o, Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(new double[][] {{1}, {2}},
                new int[] {0, 2}, 2, o, Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(new double[][] {{1}, {Double.NaN}},
                new int[] {0, 1}, 2, o, Progress.NONE));
        assertThrows(IllegalArgumentException.class, () -> o.withC(0));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.of(3, new double[1], new double[] {1},
                new double[][] {{1}}, new double[] {0}, null));
    }
}
