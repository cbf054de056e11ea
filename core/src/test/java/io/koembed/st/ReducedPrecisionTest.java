package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Fixtures;
import io.koembed.tensor.WeightPrecision;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * bfloat16 and int8 weights against sentence-transformers' float32 embeddings of the tiny XLM-R fixture: close
 * (cosine), but not equal (the weights really are held in the reduced precision).
 */
class ReducedPrecisionTest {

    @Test
    void reducedWeightsStayCloseToSentenceTransformers() throws IOException {
        JsonNode items = SentenceTransformerParityTest.expected("tiny-xlmr-ko", "embeddings.json").get("items");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            texts.add(items.get(i).get("text").asText());
        }
        // bfloat16 keeps about 3 significant digits of each weight, int8 (per row) about 2: the pooled vectors of
        // this 2-layer model move by well under 1 %
        double[][] minCosineAndMaxDiff = new double[WeightPrecision.values().length][];
        for (WeightPrecision p : WeightPrecision.values()) {
            try (SentenceTransformer model = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"), p)) {
                float[][] ours = model.encode(texts, EncodeOptions.defaults().withBatchSize(16));
                double minCos = 1, maxDiff = 0;
                for (int i = 0; i < texts.size(); i++) {
                    float[] ref = SentenceTransformerParityTest.floats(items.get(i).get("embedding"));
                    minCos = Math.min(minCos, cosine(ours[i], ref));
                    for (int d = 0; d < ref.length; d++) {
                        maxDiff = Math.max(maxDiff, Math.abs(ours[i][d] - ref[d]));
                    }
                }
                minCosineAndMaxDiff[p.ordinal()] = new double[]{minCos, maxDiff};
            }
        }
        double[] f32 = minCosineAndMaxDiff[WeightPrecision.FLOAT32.ordinal()];
        double[] bf16 = minCosineAndMaxDiff[WeightPrecision.BFLOAT16.ordinal()];
        double[] int8 = minCosineAndMaxDiff[WeightPrecision.INT8.ordinal()];
        assertTrue(f32[1] < 1e-4, "float32 is the exact path: " + f32[1]);
        assertTrue(bf16[0] > 0.999 && bf16[1] > 1e-4, "bfloat16: min cosine " + bf16[0] + ", max diff " + bf16[1]);
        assertTrue(int8[0] > 0.995 && int8[1] > 1e-4, "int8: min cosine " + int8[0] + ", max diff " + int8[1]);
    }

    @Test
    void precisionNamesParse() {
        assertEquals(WeightPrecision.BFLOAT16, WeightPrecision.parse("bf16"));
        assertEquals(WeightPrecision.INT8, WeightPrecision.parse("INT8"));
        assertEquals(WeightPrecision.FLOAT32, WeightPrecision.parse("float32"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> WeightPrecision.parse("fp8"));
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
