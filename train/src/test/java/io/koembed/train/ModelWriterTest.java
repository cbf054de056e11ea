package io.koembed.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Fixtures;
import io.koembed.JsonFiles;
import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.StsDataset;
import io.koembed.eval.StsEvaluation;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.weights.Checkpoint;
import io.koembed.weights.DType;
import io.koembed.weights.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWriterTest {

    private static final Path SOURCE = Fixtures.model("tiny-xlmr-ko");
    private static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.");

    @TempDir
    Path dir;

    /**
     * Unchanged parameters: the written model.safetensors is the source's file byte for byte (it was written by
     * Python's safetensors), and the model loads and gives the source's vectors exactly.
     */
    @Test
    void unchangedParametersGiveTheSourceModel() throws IOException {
        Path out = dir.resolve("model");
        try (TrainableEncoder encoder = TrainableEncoder.load(SOURCE, ParallelOps.shared())) {
            ModelWriter.write(SOURCE, out, encoder.parameters(), 0, null);
        }
        assertArrayEquals(Files.readAllBytes(SOURCE.resolve(Checkpoint.SAFETENSORS)),
                Files.readAllBytes(out.resolve(Checkpoint.SAFETENSORS)));
        try (SentenceTransformer source = SentenceTransformer.load(SOURCE);
             SentenceTransformer written = SentenceTransformer.load(out)) {
            float[][] a = source.encode(TEXTS), b = written.encode(TEXTS);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i]);
            }
            assertEquals(source.maxSeqLength(), written.maxSeqLength());
        }
        // every file of the source but its model card, byte for byte, except the two configs rewritten
        Set<String> files = files(SOURCE);
        files.remove("README.md");
        assertEquals(files, files(out));
        for (String f : files) {
            if (!f.equals(ModelWriter.ST_CONFIG)) {
                assertArrayEquals(Files.readAllBytes(SOURCE.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
            }
        }
        JsonNode st = JsonFiles.readObject(out.resolve(ModelWriter.ST_CONFIG));
        assertEquals("cosine", st.get("similarity_fn_name").asText(), "the source leaves it null: cosine");
        assertTrue(st.get("prompts").isObject() && st.get("prompts").isEmpty());
        assertTrue(st.get("default_prompt_name").isNull());
        assertFalse(st.get("__version__").has("sentence_transformers"));
        assertEquals("SentenceTransformer", st.get("model_type").asText());
        assertEquals(List.of(), leftovers(), "no temporary folder left behind");
    }

    /** A changed parameter comes back bit for bit, the others keep their bytes, and the vectors change. */
    @Test
    void changedParameterRoundTripsBitForBit() throws IOException {
        Path out = dir.resolve("changed");
        float[] changed;
        String name;
        try (TrainableEncoder encoder = TrainableEncoder.load(SOURCE, ParallelOps.shared())) {
            Parameter p = encoder.parameters().stream()
                    .filter(q -> q.name().endsWith("layer.0.attention.self.query.weight")).findFirst().orElseThrow();
            name = p.name();
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < p.size(); i++) {
                p.value()[i] = Float.intBitsToFloat(random.nextInt() & 0xBF7FFFFF); // any sign, mantissa, small exponent
            }
            p.value()[0] = Float.MIN_VALUE; // a subnormal
            p.value()[1] = -0f;
            changed = p.value().clone();
            ModelWriter.write(SOURCE, out, encoder.parameters(), 64, null);
        }
        try (Checkpoint before = Checkpoint.open(SOURCE); Checkpoint after = Checkpoint.open(out)) {
            assertEquals(before.names(), after.names());
            float[] back = after.readFloats(name);
            for (int i = 0; i < changed.length; i++) {
                assertEquals(Float.floatToRawIntBits(changed[i]), Float.floatToRawIntBits(back[i]), "element " + i);
            }
            for (String t : before.names()) {
                if (!t.equals(name)) {
                    assertEquals(-1L, before.bytes(t).mismatch(after.bytes(t)), t);
                    assertEquals(DType.F32, after.info(t).dtype());
                }
            }
        }
        assertEquals(64, JsonFiles.readObject(out.resolve(ModelWriter.ST_MODULE_CONFIG)).get("max_seq_length").asInt());
        try (SentenceTransformer source = SentenceTransformer.load(SOURCE);
             SentenceTransformer written = SentenceTransformer.load(out)) {
            assertEquals(64, written.maxSeqLength());
            assertFalse(java.util.Arrays.equals(source.encode(TEXTS.get(0)), written.encode(TEXTS.get(0))));
        }
    }

    /** A Dense module's trained weights go into its own folder's model.safetensors. */
    @Test
    void denseModuleWeightsGoIntoTheirFolder() throws IOException {
        Path source = Fixtures.copyModel("tiny-xlmr-ko", dir.resolve("with-dense"));
        Files.createDirectories(source.resolve("2_Dense"));
        Files.writeString(source.resolve("2_Dense/config.json"), "{\"in_features\": 64, \"out_features\": 8, "
                + "\"bias\": true, \"activation_function\": \"torch.nn.modules.activation.Tanh\"}");
        float[] weight = new float[8 * 64], bias = new float[8];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (i % 13 - 6) / 50f;
        }
        new SafetensorsWriter().add("linear.weight", DType.F32, weight, 8, 64).add("linear.bias", DType.F32, bias, 8)
                .write(source.resolve("2_Dense/model.safetensors"));
        Files.writeString(source.resolve("modules.json"), "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": "
                + "\"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", "
                + "\"type\": \"sentence_transformers.models.Pooling\"}, {\"idx\": 2, \"name\": \"2\", \"path\": "
                + "\"2_Dense\", \"type\": \"sentence_transformers.models.Dense\"}]");

        float[] trained = bias.clone();
        trained[3] = 0.25f;
        Path out = dir.resolve("dense-out");
        ModelWriter.write(source, out, List.of(Parameter.named("2_Dense/linear.bias", new long[]{8}, trained)), 0,
                null);
        try (Checkpoint dense = Checkpoint.open(out.resolve("2_Dense"))) {
            assertArrayEquals(trained, dense.readFloats("linear.bias"));
            assertArrayEquals(weight, dense.readFloats("linear.weight"));
        }
        try (SentenceTransformer written = SentenceTransformer.load(out);
             SentenceTransformer original = SentenceTransformer.load(source)) {
            float[] a = original.encode(TEXTS.get(1)), b = written.encode(TEXTS.get(1));
            assertEquals(8, b.length);
            // tanh(Wx + b): only output 3 moves, by the bias change
            for (int i = 0; i < 8; i++) {
                if (i == 3) {
                    assertFalse(a[i] == b[i]);
                } else {
                    assertEquals(a[i], b[i]);
                }
            }
        }
    }

    /** Refusals leave nothing behind: no target, no temporary folder; an existing target is never touched. */
    @Test
    void failuresLeaveNoHalfWrittenModel() throws IOException {
        Path out = dir.resolve("bad");
        List<Parameter> wrongShape = List.of(Parameter.named("embeddings.LayerNorm.weight", new long[]{2},
                new float[2]));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ModelWriter.write(SOURCE, out, wrongShape, 0, null)), "has shape [2]", "holds [64]");
        List<Parameter> unknown = List.of(Parameter.named("no.such.tensor", new long[]{1}, new float[1]));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ModelWriter.write(SOURCE, out, unknown, 0, null)), "trained parameters not in", "no.such.tensor");
        List<Parameter> noFolder = List.of(Parameter.named("3_Dense/linear.weight", new long[]{1}, new float[1]));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ModelWriter.write(SOURCE, out, noFolder, 0, null)), "has no module folder 3_Dense");
        assertFalse(Files.exists(out));
        assertEquals(List.of(), leftovers());

        Path previous = dir.resolve("checkpoint-1");
        ModelWriter.write(SOURCE, previous, List.of(), 0, null);
        byte[] weights = Files.readAllBytes(previous.resolve(Checkpoint.SAFETENSORS));
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> ModelWriter.write(SOURCE, previous, List.of(), 0, null)), "already exists");
        assertArrayEquals(weights, Files.readAllBytes(previous.resolve(Checkpoint.SAFETENSORS)));
    }

    @Test
    void modelCardRecordsTheRun() throws IOException {
        TrainingData data = TrainingData.scoredPairs(Path.of("src/test/resources/training-data/stsb-pairs.jsonl"));
        TrainingArguments args = TrainingArguments.defaults().withEpochs(2).withLearningRate(2e-5).withWarmupRatio(0.1);
        ModelCard card = new ModelCard(
                "/cache/hub/models--upskyy--e5-base-korean/snapshots/0123abc", data, "CoSENTLoss", args, 64, 128, 6, 6,
                12.5, List.of(new ModelCard.LogEntry(1, 3, 2.5, null), new ModelCard.LogEntry(2, 6, 1.25, null)),
                null, null);
        Path out = dir.resolve("carded");
        ModelWriter.write(SOURCE, out, List.of(), 0, card);
        String readme = Files.readString(out.resolve("README.md"));
        for (String part : List.of("base_model: \"upskyy/e5-base-korean\"", "- \"loss:CoSENTLoss\"",
                "- \"dataset_size:3\"", "(revision `0123abc`)", "**Output dimensionality:** 64",
                "**Maximum sequence length:** 128 tokens", "**Similarity function:** cosine",
                "| 1 | `Pooling` | `1_Pooling` |", "- `learning_rate`: 2e-05", "- `num_train_epochs`: 2",
                "- `warmup_ratio`: 0.1", "| 2.0000 | 6 | 1.2500 |", "| sentence1 | sentence2 | score |",
                "| 비행기가 이륙하고 있다. | 비행기가 이륙하고 있다. | 1.0 |", "- Loss: `CoSENTLoss`")) {
            assertTrue(readme.contains(part), () -> "README.md lacks '" + part + "':\n" + readme);
        }
        assertFalse(readme.contains("## Evaluation"), "no dev set, no evaluation section");
    }

    @Test
    void modelCardWithAnEvaluationBeforeAndAfter() throws IOException {
        StsDataset dev = StsDataset.of("tiny-dev", TEXTS, List.of(TEXTS.get(1), TEXTS.get(2), TEXTS.get(0)),
                new double[]{4, 1, 2.5});
        EmbeddingSimilarityEvaluator evaluator = new EmbeddingSimilarityEvaluator(dev);
        StsEvaluation before, after;
        try (SentenceTransformer model = SentenceTransformer.load(SOURCE)) {
            before = evaluator.evaluate(model);
        }
        try (SentenceTransformer model = SentenceTransformer.load(Fixtures.model("tiny-bert-ko"))) {
            after = evaluator.evaluate(model); // another model, so that the columns differ
        }
        TrainingData data = TrainingData.labelledPairs(Path.of("src/test/resources/training-data/nli-pairs.jsonl"));
        ModelCard card = new ModelCard(SOURCE.toString(), data, "SoftmaxLoss", TrainingArguments.defaults(), 64, 128,
                3, 3, 1, List.of(new ModelCard.LogEntry(1, 3, 0.75, after)), before, after);
        Path out = dir.resolve("evaluated");
        ModelWriter.write(SOURCE, out, List.of(), 0, card);
        String readme = Files.readString(out.resolve("README.md"));
        String spearman = String.format(java.util.Locale.ROOT, "| spearman_cosine | %.4f | %.4f |",
                before.metric("spearman_cosine"), after.metric("spearman_cosine"));
        for (String part : List.of("model-index:", "name: \"tiny-dev\"", "- type: spearman_cosine\n      value: "
                + after.metric("spearman_cosine"), "`EmbeddingSimilarityEvaluator` on `tiny-dev`", spearman,
                "| premise | hypothesis | label |", "| 그는 한마디도 하지 않았다. | 그는 조용했다. | 0 |",
                "# Sentence Transformer fine-tuned from tiny-xlmr-ko", "| 1.0000 | 3 | 0.7500 |")) {
            assertTrue(readme.contains(part), () -> "README.md lacks '" + part + "':\n" + readme);
        }
        assertFalse(readme.contains("base_model:"), "a local folder is no Hub id");
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }
    }
}
