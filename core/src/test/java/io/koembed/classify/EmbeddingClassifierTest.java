package io.koembed.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.ModelFormatException;
import io.koembed.Progress;
import io.koembed.classify.EmbeddingClassifier.EmbeddingModel;
import io.koembed.classify.EmbeddingClassifier.Input;
import io.koembed.classify.EmbeddingClassifier.Prediction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingClassifierTest {
    static final EmbeddingModel FAKE = new EmbeddingModel("fake", "sha256:00", 3, false, null);

    @TempDir
    Path tmp;

    /** A fake embedding: each text's vector is its first three characters' code points, scaled. */
    static float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][3];
        for (int i = 0; i < out.length; i++) {
            String t = texts.get(i);
            for (int d = 0; d < 3; d++) {
                out[i][d] = (t.charAt(d) - 'a') / 4f;
            }
        }
        return out;
    }

    static List<LabeledExample> pairs(int n, long seed) {
        Random r = new Random(seed);
        List<LabeledExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = randomText(r);
            boolean same = r.nextBoolean();
            String b = same ? a.substring(0, 3) + "x" + i : randomText(r);
            out.add(LabeledExample.pair(a, b, same ? "same" : "different"));
        }
        return out;
    }

    static String randomText(Random r) {
        StringBuilder s = new StringBuilder();
        for (int d = 0; d < 3; d++) {
            s.append((char) ('a' + r.nextInt(9)));
        }
        return s.toString();
    }

    @Test
    void pairFeaturesAreSoftmaxLossConcatenation() {
        double[] f = EmbeddingClassifier.features(Input.PAIR, new float[] {1, -2}, new float[] {3, 4});
        assertArrayEquals(new double[] {1, -2, 3, 4, 2, 6, 3, -8}, f, 0);
        assertArrayEquals(new double[] {1, -2}, EmbeddingClassifier.features(Input.SINGLE, new float[] {1, -2}, null),
                0);
    }

    @Test
    void learnsPairsEncodesDistinctTextsOnceAndRoundTripsThroughJson() throws IOException {
        List<LabeledExample> train = pairs(300, 1);
        AtomicInteger embedded = new AtomicInteger();
        EmbeddingClassifier.Embedder embedder = texts -> {
            embedded.addAndGet(texts.size());
            assertEquals(texts.size(), texts.stream().distinct().count(), "a text was embedded twice");
            return embed(texts);
        };
        EmbeddingClassifier c = EmbeddingClassifier.train(train, embedder, FAKE,
                LogisticRegression.Options.defaults(), Progress.NONE);
        assertEquals(List.of("different", "same"), c.labels());
        assertEquals(Input.PAIR, c.input());
        assertTrue(c.training().converged());
        assertTrue(embedded.get() < 600);

        List<LabeledExample> test = pairs(200, 2);
        List<Prediction> predictions = c.predict(test, EmbeddingClassifierTest::embed);
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            double[] p = predictions.get(i).probabilities();
            assertEquals(1, p[0] + p[1], 1e-12);
            if (predictions.get(i).label().equals(test.get(i).label())) {
                correct++;
            }
        }
        // |u - v| = 0 exactly for "same": a linear model separates this almost perfectly
        assertTrue(correct >= 190, "accuracy " + correct + "/200");

        Path file = tmp.resolve("c.json");
        Files.writeString(file, c.toJson());
        EmbeddingClassifier back = EmbeddingClassifier.load(file);
        assertEquals(c.labels(), back.labels());
        assertEquals(c.embeddingModel(), back.embeddingModel());
        assertEquals(c.training(), back.training());
        List<Prediction> again = back.predict(test, EmbeddingClassifierTest::embed);
        for (int i = 0; i < test.size(); i++) {
            assertEquals(predictions.get(i).label(), again.get(i).label());
            assertArrayEquals(predictions.get(i).probabilities(), again.get(i).probabilities(), 0,
                    "probabilities must survive the round trip exactly");
        }
        assertEquals(c.toJson(), back.toJson());
    }

    @Test
    void threeLabelsSingleTexts() {
        List<LabeledExample> data = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 150; i++) {
            String t = randomText(r);
            String label = t.charAt(0) < 'd' ? "low" : t.charAt(0) < 'g' ? "mid" : "high";
            data.add(LabeledExample.single(t, label));
        }
        EmbeddingClassifier c = EmbeddingClassifier.train(data, EmbeddingClassifierTest::embed, FAKE,
                LogisticRegression.Options.defaults().withC(100), Progress.NONE);
        assertEquals(List.of("high", "low", "mid"), c.labels());
        assertEquals(3, c.regression().weights().length);
        assertTrue(c.training().trainAccuracy() > 0.9, "train accuracy " + c.training().trainAccuracy());
        assertThrows(IllegalArgumentException.class, () -> c.predict(pairs(3, 1), EmbeddingClassifierTest::embed));
    }

    @Test
    void refusesAnotherEmbeddingModel() {
        EmbeddingClassifier c = EmbeddingClassifier.train(pairs(40, 1), EmbeddingClassifierTest::embed, FAKE,
                LogisticRegression.Options.defaults(), Progress.NONE);
        c.requireEmbeddingModel(Path.of("elsewhere"), "sha256:00", 3); // same fingerprint, moved: fine
        EmbeddingModelMismatchException e = assertThrows(EmbeddingModelMismatchException.class,
                () -> c.requireEmbeddingModel(Path.of("other"), "sha256:11", 3));
        assertTrue(e.getMessage().contains("sha256:00") && e.getMessage().contains("sha256:11"), e.getMessage());
        assertThrows(EmbeddingModelMismatchException.class, () -> c.requireEmbeddingModel(Path.of("x"), "sha256:00",
                4));
        // embeddings of the wrong dimension are refused too
        assertThrows(EmbeddingModelMismatchException.class, () -> c.predict(pairs(2, 5), texts ->
                new float[texts.size()][5]));
    }

    @Test
    void badTrainingDataAndBadFiles() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> EmbeddingClassifier.train(List.of(
                LabeledExample.single("abc", "x"), LabeledExample.single("bcd", "x")), EmbeddingClassifierTest::embed,
                FAKE, LogisticRegression.Options.defaults(), Progress.NONE));
        DataFormatException unlabeled = assertThrows(DataFormatException.class, () -> EmbeddingClassifier.train(
                List.of(new LabeledExample("abc", null, null, "t.jsonl:4")), EmbeddingClassifierTest::embed, FAKE,
                LogisticRegression.Options.defaults(), Progress.NONE));
        assertEquals("t.jsonl:4: training example without a label", unlabeled.getMessage());

        EmbeddingClassifier c = EmbeddingClassifier.train(pairs(40, 1), EmbeddingClassifierTest::embed, FAKE,
                LogisticRegression.Options.defaults(), Progress.NONE);
        Path file = tmp.resolve("bad.json");
        Files.writeString(file, c.toJson().replace("\"version\" : 1", "\"version\" : 9"));
        assertTrue(assertThrows(ModelFormatException.class, () -> EmbeddingClassifier.load(file)).getMessage()
                .contains("version 9 is not supported"));
        Files.writeString(file, c.toJson().replace("\"dimension\" : 3", "\"dimension\" : 4"));
        assertTrue(assertThrows(ModelFormatException.class, () -> EmbeddingClassifier.load(file)).getMessage()
                .contains("features"));
        Files.writeString(file, "{\"format\":\"something else\"}");
        assertThrows(ModelFormatException.class, () -> EmbeddingClassifier.load(file));
        assertThrows(ModelFormatException.class, () -> EmbeddingClassifier.load(tmp.resolve("absent.json")));
    }
}
