package io.koembed.train;

import io.koembed.Fixtures;
import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.StsDataset;
import io.koembed.st.SentenceTransformer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training runs on the tiny fixture: it learns, it writes loadable models, and it fails early and safely. */
class TrainerTest {

    private static final Path MODEL = Fixtures.model("tiny-xlmr-ko");

    /** The first {@code n} pairs of KorSTS train (shipped in data/korsts). */
    private static TrainingData korStsTrain(int n, Path dir) throws IOException {
        List<String> lines = Files.readAllLines(StsDataset.dataDirectory().resolve("korsts/sts-train.tsv"));
        Path file = dir.resolve("train.tsv");
        Files.write(file, lines.subList(0, n + 1));
        return TrainingData.scoredPairs(file);
    }

    private static StsDataset korStsDev() {
        return StsDataset.named("korsts-dev");
    }

    @Test
    void coSentOnKorStsRaisesTheDevCorrelationAndWritesALoadableModel(@TempDir Path tmp) throws IOException {
        TrainingData data = korStsTrain(5749, tmp);
        List<Integer> steps = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void onStep(Step s) {
                steps.add(s.step());
                assertTrue(Double.isFinite(s.loss()) && s.loss() >= 0, "loss " + s.loss());
            }
        };
        TrainingArguments args = TrainingArguments.defaults().withEpochs(1).withBatchSize(32).withLearningRate(3e-4)
                .withWarmupRatio(0.1).withSeed(1);
        Path out = tmp.resolve("trained");
        Trainer.Result r = new Trainer(MODEL, args, listener).train(LossFunction.COSENT, data, korStsDev(), out);

        assertEquals(180, r.steps()); // ceil(5749 / 32)
        assertEquals(180, steps.size());
        double before = r.before().metric("spearman_cosine"), after = r.best().metric("spearman_cosine");
        assertTrue(after > before + 0.03, "spearman_cosine before " + before + ", after " + after);
        // the written model is the kept checkpoint: loading it and evaluating gives the same correlation
        try (SentenceTransformer trained = SentenceTransformer.load(out)) {
            assertEquals(after, new EmbeddingSimilarityEvaluator(korStsDev()).evaluate(trained)
                    .metric("spearman_cosine"), 1e-12);
        }
        assertFalse(Files.exists(out.resolve("checkpoints")), "checkpoints are removed at the end");
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("CoSENTLoss") && card.contains("| spearman_cosine |"), card);
        assertTrue(Files.exists(out.resolve("eval/similarity_evaluation_korsts-dev_results.csv")));
    }

    @Test
    void aCrashMidTrainingLeavesTheLastCheckpointLoadable(@TempDir Path tmp) throws IOException {
        TrainingData data = korStsTrain(200, tmp);
        TrainingArguments args = TrainingArguments.defaults().withEpochs(1).withBatchSize(16).withEvalSteps(5);
        Path out = tmp.resolve("trained");
        RuntimeException crash = assertThrows(RuntimeException.class, () -> new Trainer(MODEL, args,
                new TrainingListener() {
                    @Override
                    public void onStep(Step s) {
                        if (s.step() == 12) {
                            throw new IllegalStateException("simulated crash");
                        }
                    }
                }).train(LossFunction.COSINE, data, null, out));
        assertEquals("simulated crash", crash.getMessage());
        Path checkpoint = out.resolve("checkpoints/checkpoint-10");
        try (SentenceTransformer m = SentenceTransformer.load(checkpoint);
             SentenceTransformer base = SentenceTransformer.load(MODEL)) {
            float[] trained = m.encode("두 사람이 해변을 걷는다."), original = base.encode("두 사람이 해변을 걷는다.");
            assertEquals(original.length, trained.length);
            assertFalse(java.util.Arrays.equals(original, trained), "the checkpoint holds trained weights");
        }
        try (var files = Files.list(out.resolve("checkpoints"))) {
            // without a dev set only the last checkpoint is kept
            assertEquals(List.of("checkpoint-10"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** sentence-transformers' NoDuplicatesBatchSampler on a hand-made case. */
    @Test
    void noDuplicateBatchesPassOverExamplesThatRepeatATextOfTheBatch() {
        List<TrainingExample> examples = List.of(
                TrainingExample.of(0, "a", "b"),   // 0
                TrainingExample.of(0, "b", "c"),   // 1 shares b with 0
                TrainingExample.of(0, "d", "e"),   // 2
                TrainingExample.of(0, "a", "f"),   // 3 shares a with 0
                TrainingExample.of(0, "g", "h"));  // 4
        int[][] batches = Trainer.noDuplicateBatches(new int[] {0, 1, 2, 3, 4}, 2, examples);
        // [0, 2] (1 passed over), then [1, 3] (a and b apart again), then [4]
        assertArrayEquals(new int[][] {{0, 2}, {1, 3}, {4}}, batches);
    }

    @Test
    void anExistingOutputFolderIsRefusedBeforeTraining(@TempDir Path tmp) throws IOException {
        TrainingData data = korStsTrain(10, tmp);
        Path out = Files.createDirectory(tmp.resolve("exists"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(MODEL,
                TrainingArguments.defaults(), null).train(LossFunction.COSENT, data, null, out));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void dataThatDoesNotFitTheLossIsRefusedBeforeTraining(@TempDir Path tmp) {
        TrainingData triplets = new TrainingData(tmp.resolve("x.jsonl"), "triplets",
                List.of("anchor", "positive", "negative"), null, List.of(TrainingExample.of(0f, "a", "b", "c")), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(MODEL,
                TrainingArguments.defaults(), null).train(LossFunction.COSENT, triplets, null, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("example 1 has 3 texts; CoSENTLoss needs 2"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void withoutDropoutTheSameSeedGivesTheSameModel(@TempDir Path tmp) throws IOException {
        TrainingData data = korStsTrain(48, tmp);
        TrainingArguments args = TrainingArguments.defaults().withEpochs(1).withBatchSize(16).withSeed(9);
        new Trainer(MODEL, args, null).train(LossFunction.MNRL, data, null, tmp.resolve("a"));
        new Trainer(MODEL, args, null).train(LossFunction.MNRL, data, null, tmp.resolve("b"));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/model.safetensors")),
                Files.readAllBytes(tmp.resolve("b/model.safetensors")));
    }
}
