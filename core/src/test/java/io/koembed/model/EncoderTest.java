package io.koembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.TensorOps;
import io.koembed.tokenize.common.Encoding;
import io.koembed.weights.DType;
import io.koembed.weights.Safetensors;
import io.koembed.weights.SafetensorsFiles;
import io.koembed.weights.SafetensorsWriter;
import io.koembed.weights.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The encoder against last_hidden_state and pooled embeddings computed by transformers 4.42.4 on the fixture. */
class EncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = Fixtures.model("tiny-xlmr-ko");
    private static final double TOLERANCE = 1e-4;

    static Encoder encoder;
    static List<Encoding> inputs;          // token_embeddings.json items
    static List<float[][]> expectedStates; // their last_hidden_state rows

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        encoder = Encoder.load(MODEL);
        JsonNode items = JSON.readTree(Fixtures.expected("tiny-xlmr-ko").resolve("token_embeddings.json").toFile())
                .get("items");
        inputs = new ArrayList<>();
        expectedStates = new ArrayList<>();
        for (JsonNode it : items) {
            inputs.add(encoding(ints(it.get("st_input_ids"))));
            JsonNode rows = it.get("token_embeddings");
            float[][] e = new float[rows.size()][];
            for (int r = 0; r < e.length; r++) {
                e[r] = new float[rows.get(r).size()];
                for (int c = 0; c < e[r].length; c++) {
                    e[r][c] = (float) rows.get(r).get(c).asDouble(); // shortest round-trip of a float32
                }
            }
            expectedStates.add(e);
        }
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static Encoding encoding(int[] ids) {
        return new Encoding(ids, new int[ids.length], Collections.nCopies(ids.length, ""));
    }

    static int[] ints(JsonNode arr) {
        int[] a = new int[arr.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = arr.get(i).asInt();
        }
        return a;
    }

    /** Max |ours - expected| over all values of all sequences. */
    static double maxDiff(List<float[]> got, List<float[][]> expected, int hidden) {
        assertEquals(expected.size(), got.size());
        double max = 0;
        for (int s = 0; s < got.size(); s++) {
            float[][] e = expected.get(s);
            float[] g = got.get(s);
            assertEquals(e.length * hidden, g.length, "sequence " + s + " length");
            for (int t = 0; t < e.length; t++) {
                for (int c = 0; c < hidden; c++) {
                    max = Math.max(max, Math.abs(g[t * hidden + c] - e[t][c]));
                }
            }
        }
        return max;
    }

    // ------------------------------------------------------------------ parity with transformers

    @Test
    void lastHiddenStateMatchesTransformersPackedAndOneByOne() {
        assertTrue(inputs.stream().anyMatch(e -> e.length() == 128), "fixture holds a truncated long text");
        int h = encoder.config().hiddenSize();
        double packed = maxDiff(encoder.forward(inputs), expectedStates, h);
        List<float[]> single = new ArrayList<>();
        for (Encoding e : inputs) {
            single.addAll(encoder.forward(List.of(e)));
        }
        double oneByOne = maxDiff(single, expectedStates, h);
        List<Encoding> reversed = new ArrayList<>(inputs);
        Collections.reverse(reversed);
        List<float[][]> reversedExpected = new ArrayList<>(expectedStates);
        Collections.reverse(reversedExpected);
        double rev = maxDiff(encoder.forward(reversed), reversedExpected, h);
        System.out.printf("token_embeddings.json (%d texts): max abs diff packed %.3g, one by one %.3g,"
                + " reversed %.3g [%s]%n", inputs.size(), packed, oneByOne, rev, encoder.kernels());
        assertTrue(packed <= TOLERANCE, "packed " + packed);
        assertTrue(oneByOne <= TOLERANCE, "one by one " + oneByOne);
        assertTrue(rev <= TOLERANCE, "reversed " + rev);
    }

    /** No padding and per-element-identical kernels: a text's states do not depend on its batch mates. */
    @Test
    void packingDoesNotChangeASingleBit() {
        List<float[]> packed = encoder.forward(inputs);
        for (int s = 0; s < inputs.size(); s++) {
            assertArrayEquals(encoder.forward(List.of(inputs.get(s))).get(0), packed.get(s), "sequence " + s);
        }
        for (int shift = 1; shift <= 4; shift++) { // moves every row of the others across the matmul's blocks
            List<Encoding> shifted = new ArrayList<>(inputs);
            shifted.addFirst(encoding(new int[shift]));
            List<float[]> got = encoder.forward(shifted);
            for (int s = 0; s < inputs.size(); s++) {
                assertArrayEquals(packed.get(s), got.get(s + 1), "sequence " + s + ", shift " + shift);
            }
        }
    }

    @Test
    void scalarKernelsOnOneThreadAgree() {
        try (Encoder scalar = Encoder.load(MODEL, new ParallelOps(TensorOps.scalar(), new Parallel(1)))) {
            double d = maxDiff(scalar.forward(inputs), expectedStates, scalar.config().hiddenSize());
            System.out.printf("token_embeddings.json: max abs diff, scalar kernels %.3g%n", d);
            assertTrue(d <= TOLERANCE, "scalar " + d);
        }
    }

    /**
     * All 369 fixture texts (KorSTS dev + hard cases incl. a literal {@code <pad>} inside a text, 128-token
     * truncations, empty text) through mean pooling against sentence-transformers' embeddings.json, in
     * batches of 16 as the reference was computed and as one packed batch of everything.
     */
    @Test
    void meanPooledEmbeddingsOfAllFixtureTextsMatch() throws IOException {
        Path exp = Fixtures.expected("tiny-xlmr-ko");
        JsonNode tok = JSON.readTree(exp.resolve("tokenization.json").toFile()).get("items");
        JsonNode emb = JSON.readTree(exp.resolve("embeddings.json").toFile()).get("items");
        List<Encoding> all = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        boolean literalPad = false;
        for (int i = 0; i < tok.size(); i++) {
            assertEquals(tok.get(i).get("id").asText(), emb.get(i).get("id").asText());
            int[] ids = ints(tok.get(i).get("st_input_ids"));
            for (int id : ids) {
                literalPad |= id == encoder.config().padTokenId();
            }
            all.add(encoding(ids));
            JsonNode e = emb.get(i).get("embedding");
            float[] v = new float[e.size()];
            for (int c = 0; c < v.length; c++) {
                v[c] = (float) e.get(c).asDouble();
            }
            expected.add(v);
        }
        assertTrue(literalPad, "fixture holds a literal <pad> token");
        int h = encoder.config().hiddenSize();
        List<float[]> batched = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 16) {
            batched.addAll(encoder.forward(all.subList(i, Math.min(all.size(), i + 16))));
        }
        List<float[]> oneBatch = encoder.forward(all);
        double dBatched = 0, dOne = 0;
        for (int i = 0; i < all.size(); i++) {
            float[] mb = meanPool(batched.get(i), h), mo = meanPool(oneBatch.get(i), h);
            for (int c = 0; c < h; c++) {
                dBatched = Math.max(dBatched, Math.abs(mb[c] - expected.get(i)[c]));
                dOne = Math.max(dOne, Math.abs(mo[c] - expected.get(i)[c]));
            }
        }
        System.out.printf("embeddings.json (%d texts, mean pooling): max abs diff batches of 16 %.3g,"
                + " one packed batch %.3g%n", all.size(), dBatched, dOne);
        assertTrue(dBatched <= TOLERANCE, "batches of 16: " + dBatched);
        assertTrue(dOne <= TOLERANCE, "one batch: " + dOne);
    }

    static float[] meanPool(float[] states, int h) {
        int n = states.length / h;
        double[] sum = new double[h];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < h; c++) {
                sum[c] += states[t * h + c];
            }
        }
        float[] out = new float[h];
        for (int c = 0; c < h; c++) {
            out[c] = (float) (sum[c] / n);
        }
        return out;
    }

    @Test
    void concurrentCallersGetTheSameAnswers() throws Exception {
        List<float[]> reference = encoder.forward(inputs);
        ExecutorService ex = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(ex.submit(() -> encoder.forward(inputs)));
            }
            for (Future<List<float[]>> f : futures) {
                List<float[]> got = f.get();
                for (int s = 0; s < reference.size(); s++) {
                    assertArrayEquals(reference.get(s), got.get(s));
                }
            }
        } finally {
            ex.shutdown();
        }
    }

    // ------------------------------------------------------------------ weight formats and names

    /** Copies the fixture model, renaming tensors and storing them as {@code dtype}. */
    private Path copyModel(String name, DType dtype, UnaryOperator<String> rename, Predicate<String> keep,
                           UnaryOperator<float[]> values) throws IOException {
        return copyModel(MODEL, name, dtype, rename, keep, values);
    }

    private Path copyModel(Path model, String name, DType dtype, UnaryOperator<String> rename, Predicate<String> keep,
                           UnaryOperator<float[]> values) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.copy(model.resolve("config.json"), d.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(model.resolve("model.safetensors"))) {
            for (String t : st.names()) {
                if (keep.test(t)) {
                    TensorInfo info = st.info(t);
                    w.add(rename.apply(t), dtype, values.apply(st.readFloats(t)), info.shape());
                }
            }
        }
        w.write(d.resolve("model.safetensors"));
        return d;
    }

    private static float[] roundTo(float[] v, DType dtype) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = dtype == DType.F16 ? Float.float16ToFloat(Float.floatToFloat16(v[i]))
                    : Float.intBitsToFloat(SafetensorsFiles.toBf16(v[i]) << 16);
        }
        return r;
    }

    @Test
    void halfPrecisionCheckpointsLoadAndStayClose() throws IOException {
        int h = encoder.config().hiddenSize();
        for (DType dtype : new DType[]{DType.F16, DType.BF16}) {
            Path half = copyModel(dtype.name(), dtype, n -> n, n -> true, v -> v);
            // the same rounded values stored as F32: the widening at load must be exact
            Path rounded = copyModel(dtype + "-as-f32", DType.F32, n -> n, n -> true, v -> roundTo(v, dtype));
            try (Encoder e = Encoder.load(half); Encoder r = Encoder.load(rounded)) {
                List<float[]> got = e.forward(inputs);
                List<float[]> ref = r.forward(inputs);
                for (int s = 0; s < got.size(); s++) {
                    assertArrayEquals(ref.get(s), got.get(s), dtype + " widening must be exact");
                }
                double d = maxDiff(got, expectedStates, h);
                double cos = 1;
                for (int s = 0; s < got.size(); s++) {
                    float[][] x = expectedStates.get(s);
                    for (int t = 0; t < x.length; t++) {
                        double dot = 0, nx = 0, ny = 0;
                        for (int c = 0; c < h; c++) {
                            dot += x[t][c] * got.get(s)[t * h + c];
                            nx += x[t][c] * x[t][c];
                            ny += got.get(s)[t * h + c] * got.get(s)[t * h + c];
                        }
                        cos = Math.min(cos, dot / Math.sqrt(nx * ny));
                    }
                }
                System.out.printf("%s weights vs F32 reference: max abs diff %.3g, min token cosine %.6f%n",
                        dtype, d, cos);
                // F16 keeps 11 significant bits, BF16 8. Measured on this fixture: F16 2.9e-3 max abs diff (cosine
                // 1.000000), BF16 2.6e-2 (cosine 0.99997); the bounds leave about 3x room.
                double tol = dtype == DType.F16 ? 0.01 : 0.08;
                assertTrue(d <= tol, dtype + " max abs diff " + d);
                assertTrue(cos >= (dtype == DType.F16 ? 0.99999 : 0.9999), dtype + " cosine " + cos);
            }
        }
    }

    @Test
    void prefixedAndOldLayerNormNamesResolve() throws IOException {
        Path d = copyModel("prefixed", DType.F32,
                n -> "roberta." + n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias",
                        "LayerNorm.beta"), n -> true, v -> v);
        List<float[]> ref = encoder.forward(inputs);
        try (Encoder e = Encoder.load(d)) {
            List<float[]> got = e.forward(inputs);
            for (int s = 0; s < ref.size(); s++) {
                assertArrayEquals(ref.get(s), got.get(s));
            }
        }
    }

    @Test
    void bertCheckpointsWithPrefixedNamesResolveAndPairTypeIdsReachTheEmbeddings() throws IOException {
        Path bertModel = Fixtures.model("tiny-bert-ko");
        Path d = copyModel(bertModel, "bert-prefixed", DType.F32, n -> "bert." + n, n -> true, v -> v);
        // [CLS] A [SEP] B [SEP] of tiny-bert-ko, with the type ids of a pair and with all zeros
        int[] ids = {2, 3028, 5051, 3, 14080, 5020, 3};
        Encoding pair = new Encoding(ids, new int[] {0, 0, 0, 0, 1, 1, 1}, Collections.nCopies(ids.length, ""));
        try (Encoder bare = Encoder.load(bertModel); Encoder prefixed = Encoder.load(d)) {
            assertEquals("bert.", prefixed.config().weightPrefix());
            float[] expected = bare.forward(List.of(pair)).getFirst();
            assertArrayEquals(expected, prefixed.forward(List.of(pair)).getFirst());
            float[] allZero = bare.forward(List.of(encoding(ids))).getFirst();
            assertFalse(Arrays.equals(expected, allZero), "type ids 1 must select the second token type embedding");
        }
    }

    // ------------------------------------------------------------------ load errors

    @Test
    void loadErrorsNameThePathAndTensor() throws IOException {
        Path none = dir.resolve("absent");
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(none)), none.toString(),
                "not found");

        Path noConfig = Files.createDirectories(dir.resolve("noconfig"));
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(noConfig)),
                noConfig.resolve("config.json").toString(), "not found");

        Path noWeights = Files.createDirectories(dir.resolve("noweights"));
        Files.copy(MODEL.resolve("config.json"), noWeights.resolve("config.json"));
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(noWeights)),
                noWeights.toString(), "no model weights found", "model.safetensors", "pytorch_model.bin");
        Files.writeString(noWeights.resolve("pytorch_model.bin"), "");
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(noWeights)),
                noWeights.resolve("pytorch_model.bin").toString(), "not a torch.save zip archive");

        Path missing = copyModel("missing", DType.F32, n -> n,
                n -> !n.equals("encoder.layer.1.output.dense.bias"), v -> v);
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(missing)),
                missing.resolve("model.safetensors").toString(), "encoder.layer.1.output.dense.bias");

        Path wrongShape = copyModel("shape", DType.F32, n -> n, n -> true, v -> v);
        Files.writeString(wrongShape.resolve("config.json"), Files.readString(wrongShape.resolve("config.json"))
                .replace("\"intermediate_size\": 128", "\"intermediate_size\": 256"));
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(wrongShape)),
                wrongShape.resolve("model.safetensors").toString(), "encoder.layer.0.intermediate.dense.weight",
                "[128, 64]", "expected [256, 64]");

        Path wrongVocab = copyModel("vocab", DType.F32, n -> n, n -> true, v -> v);
        Files.writeString(wrongVocab.resolve("config.json"), Files.readString(wrongVocab.resolve("config.json"))
                .replace("\"vocab_size\": 8002", "\"vocab_size\": 9000"));
        assertMessage(assertThrows(ModelFormatException.class, () -> Encoder.load(wrongVocab)),
                "embeddings.word_embeddings.weight", "[8002, 64]", "expected [9000, 64]");
    }

    // ------------------------------------------------------------------ input validation

    @Test
    void rejectsInputsTheModelCannotEmbed() {
        int max = encoder.config().maxSequenceLength();
        assertEquals(128, max);
        int[] longest = new int[max];
        java.util.Arrays.fill(longest, 5);
        assertEquals(max * 64, encoder.forward(List.of(encoding(longest))).get(0).length);

        int[] tooLong = new int[max + 1];
        java.util.Arrays.fill(tooLong, 5);
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> encoder.forward(List.of(encoding(new int[]{0, 2}), encoding(tooLong)))),
                "sequence 1", "129 tokens", "at most 128", "max_position_embeddings 130");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> encoder.forward(List.of(encoding(new int[]{0, 8002, 2})))), "token 1", "id 8002",
                "[0, 8002)");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> encoder.forward(List.of(encoding(new int[]{0, -3, 2})))), "id -3");
        Encoding typeOne = new Encoding(new int[]{0, 5, 2}, new int[]{0, 1, 0}, List.of("", "", ""));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> encoder.forward(List.of(typeOne))),
                "token type id 1", "type_vocab_size 1");

        assertEquals(0, encoder.forward(List.of()).size());
        List<float[]> withEmpty = encoder.forward(List.of(encoding(new int[0]), encoding(new int[]{0, 2})));
        assertEquals(0, withEmpty.get(0).length);
        assertEquals(2 * 64, withEmpty.get(1).length);
    }

    @Test
    void positionIdsFollowTheFamilyRule() {
        EncoderConfig xlmr = encoder.config();
        PackedBatch b = PackedBatch.pack(List.of(encoding(new int[]{0, 1, 2}), encoding(new int[]{0, 7, 1, 7, 2})),
                xlmr);
        // a literal <pad> (id 1) sits at position pad_token_id and does not advance the count
        assertArrayEquals(new int[]{2, 1, 3, 2, 3, 1, 4, 5}, b.positions());
        assertArrayEquals(new int[]{0, 3, 8}, b.starts());
        EncoderConfig bert = new EncoderConfig("bert", 100, 8, 1, 2, 16, 10, 2, 1e-12f, 0, "gelu", "absolute", 0,
                "bert.");
        PackedBatch c = PackedBatch.pack(List.of(encoding(new int[]{0, 1, 0}), encoding(new int[]{3, 0})), bert);
        assertArrayEquals(new int[]{0, 1, 2, 0, 1}, c.positions());
        assertEquals(10, bert.maxSequenceLength());
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }
}
