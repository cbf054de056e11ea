package io.koembed.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import io.koembed.st.SentenceTransformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The metric computation from embeddings, checked against sentence-transformers 3.0.1's own arithmetic (sklearn
 * paired distances on float32, np.dot, scipy) run by testdata/eval/make_reference.py on the reference embeddings
 * of the tiny-xlmr-ko fixture.
 */
class EmbeddingSimilarityEvaluatorTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, float[]> referenceEmbeddings() throws IOException {
        JsonNode root = JSON.readTree(Fixtures.expected("tiny-xlmr-ko").resolve("embeddings.json").toFile());
        Map<String, float[]> out = new HashMap<>();
        for (JsonNode item : root.get("items")) {
            JsonNode e = item.get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) e.get(i).asDouble();
            }
            out.put(item.get("text").asText(), v);
        }
        return out;
    }

    @Test
    void metricsFromReferenceEmbeddingsMatchSentenceTransformers() throws IOException {
        Map<String, float[]> emb = referenceEmbeddings();
        JsonNode expected = JSON.readTree(Fixtures.testdata().resolve("eval/fixture_expected_metrics.json").toFile());
        int sets = 0;
        for (var entry : expected.get("sets").properties()) {
            JsonNode set = entry.getValue();
            StsDataset data = StsDataset.read(Fixtures.testdata().resolve("eval").resolve(set.get("file").asText()));
            assertEquals(set.get("pairs").asInt(), data.size());
            float[][] e1 = data.sentences1().stream().map(emb::get).toArray(float[][]::new);
            float[][] e2 = data.sentences2().stream().map(emb::get).toArray(float[][]::new);
            StsEvaluation r = new EmbeddingSimilarityEvaluator(data).evaluate(e1, e2);

            assertEquals(EmbeddingSimilarityEvaluator.METRICS, List.copyOf(r.metrics().keySet()));
            for (String m : EmbeddingSimilarityEvaluator.METRICS) {
                // float32 (sentence-transformers) vs double (here) arithmetic on the same embeddings
                assertEquals(set.get("metrics").get(m).asDouble(), r.metric(m), 2e-6, entry.getKey() + " " + m);
            }
            JsonNode cos = set.get("cosine_scores");
            for (int i = 0; i < cos.size(); i++) {
                assertEquals(cos.get(i).asDouble(), r.scores().cosine()[i], 1e-6, entry.getKey() + " cosine " + i);
            }
            sets++;
        }
        assertEquals(2, sets);
    }

    @Test
    void progressReportingDoesNotChangeTheEmbeddings() {
        StsDataset data = StsDataset.read(Fixtures.testdata().resolve("eval/fixture_pairs_chain.jsonl"));
        try (SentenceTransformer model = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"))) {
            StsEvaluation plain = new EmbeddingSimilarityEvaluator(data).withBatchSize(8).evaluate(model);
            List<long[]> updates = new ArrayList<>();
            StsEvaluation reported = new EmbeddingSimilarityEvaluator(data).withBatchSize(8)
                    .withProgress((done, total) -> updates.add(new long[] {done, total})).evaluate(model);
            assertArrayEquals(plain.scores().cosine(), reported.scores().cosine());
            assertArrayEquals(plain.scores().dot(), reported.scores().dot());
            assertEquals(plain.metrics(), reported.metrics());
            // one update before encoding, then one per encoder pass: ceil(size / 8) for each side
            assertEquals(1 + 2 * ((data.size() + 7) / 8), updates.size());
            assertTrue(updates.size() >= 5, "updates: " + updates.size());
            assertEquals(0, updates.getFirst()[0]);
            assertEquals(2 * data.size(), updates.getLast()[0]);
            for (int i = 1; i < updates.size(); i++) {
                assertTrue(updates.get(i)[0] > updates.get(i - 1)[0]);
                assertEquals(2 * data.size(), updates.get(i)[1]);
            }
            assertTrue(plain.seconds() > 0);
        }
    }

    @Test
    void pairScoresFollowSklearnConventions() {
        float[][] a = {{3, 4}, {1, 0}, {0, 0}};
        float[][] b = {{3, 4}, {0, 2}, {1, 1}};
        PairScores s = PairScores.of(a, b);
        assertEquals(1.0, s.cosine()[0], 1e-15);
        assertEquals(0.0, s.cosine()[1], 1e-15);
        assertEquals(0.5, s.cosine()[2], 1e-15); // a zero vector stays zero in sklearn's normalize: 1 - |y^|^2/2
        assertEquals(-0.0, s.manhattan()[0]);
        assertEquals(-3.0, s.manhattan()[1]);
        assertEquals(-Math.sqrt(5), s.euclidean()[1], 1e-15);
        assertEquals(25.0, s.dot()[0]);
        assertEquals(0.0, s.dot()[1]);
    }

    @Test
    void maxIsPythonsMax() {
        assertEquals(0.9, EmbeddingSimilarityEvaluator.pythonMax(0.1, 0.9, 0.5, 0.2));
        assertTrue(Double.isNaN(EmbeddingSimilarityEvaluator.pythonMax(Double.NaN, 0.9, 0.5, 0.2)));
        assertEquals(0.5, EmbeddingSimilarityEvaluator.pythonMax(0.1, Double.NaN, 0.5, 0.2));
    }

    @Test
    void rejectsMismatchedInputs() {
        StsDataset d = StsDataset.of("t", List.of("a", "b"), List.of("c", "d"), new double[] {1, 2});
        var ev = new EmbeddingSimilarityEvaluator(d);
        assertThrows(IllegalArgumentException.class, () -> ev.evaluate(new float[1][2], new float[2][2]));
        assertThrows(IllegalArgumentException.class, () -> ev.withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> new EmbeddingSimilarityEvaluator(
                StsDataset.of("one", List.of("a"), List.of("b"), new double[] {1})));
    }
}
