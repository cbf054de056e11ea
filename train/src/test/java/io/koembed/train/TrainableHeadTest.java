package io.koembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.st.Dense;
import io.koembed.st.EncodeOptions;
import io.koembed.st.Normalize;
import io.koembed.st.Pooling;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.VectorModule;
import io.koembed.weights.DType;
import io.koembed.weights.SafetensorsWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The head's forward pass against sentence-transformers' own pooling (the fixtures' token and sentence embeddings)
 * and against core's inference (bit for bit, with Dense and Normalize); its backward pass, for every pooling mode,
 * each Dense activation and Normalize, against central finite differences of a plain double-precision head written
 * here (h = 1e-6, so the differences are good to about 1e-9; tolerance 1e-5 of the largest gradient, the float32
 * rounding of the code under test).
 */
class TrainableHeadTest {

    @TempDir
    Path dir;

    // ---- forward ----------------------------------------------------------------------------------------------

    /**
     * sentence-transformers' token embeddings of each fixture, pooled by the head, give its sentence embeddings
     * (within 1e-5: the float32 sums run in another order).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-bert-ko", "tiny-roberta-ko-wp", "tiny-xlmr-ko"})
    void poolsTheFixturesTokenEmbeddingsToTheirSentenceEmbeddings(String fixture) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode tokens = json.readTree(Fixtures.expected(fixture).resolve("token_embeddings.json").toFile());
        Map<String, JsonNode> sentences = new HashMap<>();
        for (JsonNode item : json.readTree(Fixtures.expected(fixture).resolve("embeddings.json").toFile())
                .get("items")) {
            sentences.put(item.get("id").asText(), item.get("embedding"));
        }
        TrainableHead head;
        try (SentenceTransformer model = SentenceTransformer.load(Fixtures.model(fixture))) {
            head = TrainableHead.of(model);
        }
        int h = head.dimension();
        JsonNode items = tokens.get("items");
        int[] starts = new int[items.size() + 1];
        List<Float> hidden = new ArrayList<>();
        for (int s = 0; s < items.size(); s++) {
            for (JsonNode token : items.get(s).get("token_embeddings")) {
                for (JsonNode v : token) {
                    hidden.add(v.floatValue());
                }
            }
            starts[s + 1] = hidden.size() / h;
        }
        float[] packed = new float[hidden.size()];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = hidden.get(i);
        }
        float[][] ours = head.forward(packed, h, starts, new int[items.size()]).embeddings();
        for (int s = 0; s < items.size(); s++) {
            JsonNode expected = sentences.get(items.get(s).get("id").asText());
            for (int i = 0; i < h; i++) {
                assertEquals(expected.get(i).floatValue(), ours[s][i], 1e-5, fixture + " item " + s + " dim " + i);
            }
        }
    }

    /**
     * A model with several pooling modes, no prompt in the pooled tokens, Dense (tanh) and Normalize: the head on
     * core's token states gives exactly core's sentence embeddings.
     */
    @Test
    void equalsInferenceBitForBitWithDenseAndNormalize() throws IOException {
        Path model = modelWithDenseAndNormalize(dir.resolve("model"));
        List<String> texts = List.of("한 여자가 뭔가를 요리하고 있다.", "남자가 기타를 치고 있다.", "고양이", "");
        EncodeOptions options = EncodeOptions.defaults().withPrompt("질문: ");
        try (SentenceTransformer st = SentenceTransformer.load(model)) {
            assertEquals(List.of("Dense", "Normalize"),
                    st.modulesAfterPooling().stream().map(m -> m.getClass().getSimpleName()).toList());
            TrainableHead head = TrainableHead.of(st);
            assertEquals(st.dimension(), head.dimension());
            List<float[][]> tokens = st.encodeTokens(texts, options);
            int h = st.pooling().dimension(), prompt = st.promptLength(options);
            assertTrue(prompt > 0);
            int[] starts = new int[texts.size() + 1];
            for (int s = 0; s < texts.size(); s++) {
                starts[s + 1] = starts[s] + tokens.get(s).length;
            }
            float[] hidden = new float[starts[texts.size()] * h];
            for (int s = 0; s < texts.size(); s++) {
                for (int t = 0; t < tokens.get(s).length; t++) {
                    System.arraycopy(tokens.get(s)[t], 0, hidden, (starts[s] + t) * h, h);
                }
            }
            int[] prompts = new int[texts.size()];
            java.util.Arrays.fill(prompts, prompt);
            float[][] ours = head.forward(hidden, h, starts, prompts).embeddings();
            float[][] expected = st.encode(texts, options);
            for (int s = 0; s < texts.size(); s++) {
                assertArrayEquals(expected[s], ours[s], "text " + s);
            }
        }
    }

    /** tiny-bert-ko with pooling cls + max + mean (prompt left out), 2_Dense 192 -> 16 tanh, 3_Normalize. */
    static Path modelWithDenseAndNormalize(Path target) throws IOException {
        Path model = Fixtures.copyModel("tiny-bert-ko", target);
        Files.writeString(model.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 64, "pooling_mode_cls_token": true, "pooling_mode_max_tokens": true,
                 "pooling_mode_mean_tokens": true, "include_prompt": false}""");
        int in = 3 * 64, out = 16;
        SplittableRandom r = new SplittableRandom(11);
        float[] w = gaussian(r, out * in, 0.1), b = gaussian(r, out, 0.1);
        Files.createDirectories(model.resolve("2_Dense"));
        Files.writeString(model.resolve("2_Dense/config.json"), "{\"in_features\": " + in + ", \"out_features\": "
                + out + ", \"bias\": true, \"activation_function\": \"torch.nn.modules.activation.Tanh\"}");
        new SafetensorsWriter().add("linear.weight", DType.F32, w, out, in).add("linear.bias", DType.F32, b, out)
                .write(model.resolve("2_Dense/model.safetensors"));
        Files.writeString(model.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
                 {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
        return model;
    }

    @Test
    void denseWeightsAreParametersNamedByTheirFolder() {
        SplittableRandom r = new SplittableRandom(1);
        Dense withBias = new Dense("2_Dense", 6, 4, gaussian(r, 24, 1), gaussian(r, 4, 1), true, Dense.Activation.TANH);
        Dense noBias = new Dense("4_Dense", 4, 3, gaussian(r, 12, 1), new float[3], false, Dense.Activation.IDENTITY);
        TrainableHead head = TrainableHead.of(new Pooling(6, List.of(Pooling.Mode.MEAN), true),
                List.of(withBias, new Normalize(), noBias));
        assertEquals(List.of("2_Dense/linear.weight", "2_Dense/linear.bias", "4_Dense/linear.weight"),
                head.parameters().stream().map(Parameter::name).toList());
        assertEquals(List.of(true, false, true), head.parameters().stream().map(Parameter::decays).toList());
        assertEquals(3, head.dimension());
        assertArrayEquals(withBias.weight(), head.parameters().get(0).value());
        // the parameters are copies: training does not write into the loaded model
        head.parameters().get(0).value()[0] += 1;
        assertEquals(withBias.weight()[0] + 1, head.parameters().get(0).value()[0]);
    }

    @Test
    void refusesADenseThatDoesNotFitTheVectorBeforeIt() {
        Dense dense = new Dense("2_Dense", 5, 4, new float[20], new float[4], true, Dense.Activation.TANH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainableHead.of(
                new Pooling(6, List.of(Pooling.Mode.MEAN), true), List.of(dense)));
        assertEquals("Dense module 2_Dense takes 5 inputs, the module before it gives 6", e.getMessage());
    }

    /**
     * A checkpoint of a model whose Dense was trained: the new Dense weights go into the Dense folder's own
     * model.safetensors (bit for bit), the encoder's into the top folder's, and the model loads.
     */
    @Test
    void aTrainedDenseIsSavedInItsFolder() throws IOException {
        Path source = modelWithDenseAndNormalize(dir.resolve("source"));
        TrainableHead head;
        try (SentenceTransformer st = SentenceTransformer.load(source)) {
            head = TrainableHead.of(st);
        }
        SplittableRandom r = new SplittableRandom(3);
        for (Parameter p : head.parameters()) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) r.nextGaussian() * 0.01f;
            }
        }
        Path saved = dir.resolve("saved");
        ModelWriter.write(source, saved, head.parameters(), 0, null);
        try (SentenceTransformer st = SentenceTransformer.load(saved)) {
            Dense dense = (Dense) st.modulesAfterPooling().get(0);
            assertArrayEquals(head.parameters().get(0).value(), dense.weight());
            assertArrayEquals(head.parameters().get(1).value(), dense.bias());
        }
        assertEquals(List.of("config.json", "model.safetensors"),
                Files.list(saved.resolve("2_Dense")).map(f -> f.getFileName().toString()).sorted().toList());
    }

    /** The Trainer trains a model with Dense and Normalize: two CoSENT steps change the saved Dense weights. */
    @Test
    void aModelWithDenseTrainsThroughTheTrainer() throws IOException {
        Path source = modelWithDenseAndNormalize(dir.resolve("source"));
        List<String> lines = Files.readAllLines(io.koembed.eval.StsDataset.dataDirectory()
                .resolve("korsts/sts-train.tsv"));
        Path file = dir.resolve("train.tsv");
        Files.write(file, lines.subList(0, 33));
        Path out = dir.resolve("trained");
        new Trainer(source, TrainingArguments.defaults().withEpochs(1).withBatchSize(16).withSeed(1),
                new TrainingListener() {
                    @Override
                    public void onStep(Step s) {
                        assertTrue(Double.isFinite(s.loss()), "loss " + s.loss());
                    }
                }).train(LossFunction.COSENT, TrainingData.scoredPairs(file), null, out);
        try (SentenceTransformer before = SentenceTransformer.load(source);
             SentenceTransformer after = SentenceTransformer.load(out)) {
            float[] w0 = ((Dense) before.modulesAfterPooling().get(0)).weight();
            float[] w1 = ((Dense) after.modulesAfterPooling().get(0)).weight();
            double change = 0;
            for (int i = 0; i < w0.length; i++) {
                change = Math.max(change, Math.abs(w1[i] - w0[i]));
            }
            assertTrue(change > 1e-6, "the Dense weights moved by at most " + change);
            assertEquals(16, after.dimension());
        }
    }

    // ---- backward against finite differences -----------------------------------------------------------------

    private static final int D = 6;
    private static final int[] STARTS = {0, 4, 5, 9}; // sequences of 4, 1 and 4 tokens
    private static final int[] PROMPTS = {2, 0, 1};

    @Test
    void everyPoolingModeWithAndWithoutThePromptAndNormalize() {
        for (Pooling.Mode mode : Pooling.Mode.values()) {
            for (boolean includePrompt : new boolean[] {true, false}) {
                for (boolean normalize : new boolean[] {false, true}) {
                    check(new Pooling(D, List.of(mode), includePrompt),
                            normalize ? List.of(new Normalize()) : List.of(), 6);
                }
            }
        }
    }

    @Test
    void severalPoolingModesConcatenated() {
        check(new Pooling(D, List.of(Pooling.Mode.CLS, Pooling.Mode.MAX, Pooling.Mode.MEAN,
                Pooling.Mode.MEAN_SQRT_LEN, Pooling.Mode.WEIGHTED_MEAN, Pooling.Mode.LAST_TOKEN), false), List.of(), 7);
    }

    @Test
    void denseWithEachActivationWithAndWithoutBias() {
        SplittableRandom r = new SplittableRandom(8);
        for (Dense.Activation activation : Dense.Activation.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                Dense dense = new Dense("2_Dense", D, 5, gaussian(r, 5 * D, 0.5),
                        bias ? gaussian(r, 5, 0.5) : new float[5], bias, activation);
                check(new Pooling(D, List.of(Pooling.Mode.MEAN), true), List.of(dense), 9);
            }
        }
    }

    /** Pooling, then Dense, Normalize and a second Dense, as a chain of modules.json could list them. */
    @Test
    void aChainOfDenseNormalizeDense() {
        SplittableRandom r = new SplittableRandom(10);
        Dense first = new Dense("2_Dense", 2 * D, 5, gaussian(r, 10 * D, 0.4), gaussian(r, 5, 0.3), true,
                Dense.Activation.TANH);
        Dense second = new Dense("4_Dense", 5, 3, gaussian(r, 15, 0.6), gaussian(r, 3, 0.3), true,
                Dense.Activation.SIGMOID);
        check(new Pooling(D, List.of(Pooling.Mode.MAX, Pooling.Mode.MEAN), true),
                List.of(first, new Normalize(), second), 12);
    }

    /**
     * L = Σ_s embedding_s · upstream_s; the head's dL/dhidden and the Dense parameters' gradients against
     * central differences of {@link #referenceHead}.
     */
    private static void check(Pooling pooling, List<VectorModule> after, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] hidden = gaussian(r, STARTS[3] * D, 1);
        TrainableHead head = TrainableHead.of(pooling, after);
        TrainableHead.HeadPass pass = head.forward(hidden, D, STARTS, PROMPTS);
        float[][] upstream = new float[3][];
        for (int s = 0; s < 3; s++) {
            upstream[s] = gaussian(r, head.dimension(), 1);
        }
        float[] dHidden = head.backward(pass, upstream);
        String what = pooling.modes() + (pooling.includePrompt() ? "" : " without prompt") + " then "
                + after.stream().map(m -> m instanceof Dense d ? "Dense " + d.activation()
                        + (d.hasBias() ? "" : " without bias") : "Normalize").toList();

        // the reference's inputs in double: hidden first, then each Dense's weight and bias
        List<double[]> inputs = new ArrayList<>();
        inputs.add(doubles(hidden));
        List<float[]> grads = new ArrayList<>();
        grads.add(dHidden);
        int p = 0;
        for (VectorModule m : after) {
            if (m instanceof Dense d) {
                inputs.add(doubles(d.weight()));
                inputs.add(doubles(d.bias()));
                grads.add(head.parameters().get(p++).grad());
                grads.add(d.hasBias() ? head.parameters().get(p++).grad() : null);
            }
        }
        double objective = referenceHead(pooling, after, inputs, upstream);
        double forward = 0;
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < upstream[s].length; i++) {
                forward += (double) pass.embeddings()[s][i] * upstream[s][i];
            }
        }
        assertEquals(objective, forward, 1e-5 * Math.max(1, Math.abs(objective)), what + " forward");
        for (int k = 0; k < inputs.size(); k++) {
            if (grads.get(k) == null) {
                continue; // a Dense without bias: nothing to train
            }
            double max = 1e-3;
            for (float g : grads.get(k)) {
                max = Math.max(max, Math.abs(g));
            }
            double[] x = inputs.get(k);
            for (int i = 0; i < x.length; i++) {
                double keep = x[i], h = 1e-6;
                x[i] = keep + h;
                double up = referenceHead(pooling, after, inputs, upstream);
                x[i] = keep - h;
                double down = referenceHead(pooling, after, inputs, upstream);
                x[i] = keep;
                assertEquals((up - down) / (2 * h), grads.get(k)[i], 1e-5 * max,
                        what + (k == 0 ? " dHidden[" : " d(input " + k + ")[") + i + "]");
            }
        }
    }

    /**
     * The head in double precision, written from sentence-transformers' modules: Pooling's modes concatenated
     * (the prompt's tokens masked when include_prompt is false; CLS reads token 0 regardless; max over the counted
     * tokens with -1e9 for none; weighted mean by 1-based position), Dense = act(Wx + b), Normalize = x / max(‖x‖,
     * 1e-12). {@code inputs}: hidden, then each Dense's weight and bias. Returns Σ_s embedding_s · upstream_s.
     */
    private static double referenceHead(Pooling pooling, List<VectorModule> after, List<double[]> inputs,
                                        float[][] upstream) {
        double[] x = inputs.get(0);
        double total = 0;
        for (int s = 0; s < 3; s++) {
            int start = STARTS[s], len = STARTS[s + 1] - start;
            int first = pooling.includePrompt() ? 0 : Math.min(PROMPTS[s], len);
            double[] v = new double[D * pooling.modes().size()];
            int at = 0;
            for (Pooling.Mode mode : pooling.modes()) {
                double weights = 0;
                for (int t = first; t < len; t++) {
                    weights += mode == Pooling.Mode.WEIGHTED_MEAN ? t + 1 : 1;
                }
                for (int i = 0; i < D; i++) {
                    v[at + i] = switch (mode) {
                        case CLS -> x[start * D + i];
                        case LAST_TOKEN -> len > first ? x[(start + len - 1) * D + i] : 0;
                        case MAX -> {
                            double m = -1e9;
                            for (int t = first; t < len; t++) {
                                m = Math.max(m, x[(start + t) * D + i]);
                            }
                            yield m;
                        }
                        case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
                            double sum = 0;
                            for (int t = first; t < len; t++) {
                                sum += x[(start + t) * D + i] * (mode == Pooling.Mode.WEIGHTED_MEAN ? t + 1 : 1);
                            }
                            double denominator = Math.max(weights, 1e-9);
                            yield sum / (mode == Pooling.Mode.MEAN_SQRT_LEN ? Math.sqrt(denominator) : denominator);
                        }
                    };
                }
                at += D;
            }
            int input = 1;
            for (VectorModule m : after) {
                if (m instanceof Dense d) {
                    double[] w = inputs.get(input++), b = inputs.get(input++);
                    double[] y = new double[d.out()];
                    for (int o = 0; o < d.out(); o++) {
                        double z = b[o];
                        for (int i = 0; i < d.in(); i++) {
                            z += w[o * d.in() + i] * v[i];
                        }
                        y[o] = switch (d.activation()) {
                            case IDENTITY -> z;
                            case TANH -> Math.tanh(z);
                            case SIGMOID -> 1 / (1 + Math.exp(-z));
                            case RELU -> Math.max(0, z);
                        };
                    }
                    v = y;
                } else {
                    double sq = 0;
                    for (double a : v) {
                        sq += a * a;
                    }
                    double norm = Math.max(Math.sqrt(sq), 1e-12);
                    for (int i = 0; i < v.length; i++) {
                        v[i] /= norm;
                    }
                }
            }
            for (int i = 0; i < v.length; i++) {
                total += v[i] * upstream[s][i];
            }
        }
        return total;
    }

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
