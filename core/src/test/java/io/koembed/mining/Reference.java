package io.koembed.mining;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** testdata/mining/reference.json, written by testdata/mining/generate.py (numpy / scikit-learn). */
final class Reference {
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    private static JsonNode root;

    private Reference() {}

    static synchronized JsonNode get() {
        if (root == null) {
            try {
                root = new ObjectMapper().readTree(TESTDATA.resolve("mining/reference.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static float[][] floats(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode r = rows.get(i);
            out[i] = new float[r.size()];
            for (int d = 0; d < out[i].length; d++) {
                out[i][d] = (float) r.get(d).asDouble();
            }
        }
        return out;
    }

    static double[][] doubles(JsonNode rows) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode r = rows.get(i);
            out[i] = new double[r.size()];
            for (int d = 0; d < out[i].length; d++) {
                out[i][d] = r.get(d).asDouble();
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
}
