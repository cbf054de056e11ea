package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole pipeline against what sentence-transformers 3.0.1 produced for each fixture
 * (testdata/fixtures/NAME-expected): token ids inside encode, sentence embeddings, token embeddings and the
 * similarity matrix. tiny-xlmr-ko is XLM-R with a Unigram tokenizer, tiny-bert-ko BertModel with WordPiece,
 * tiny-roberta-ko-wp RobertaModel with a WordPiece BertTokenizer (KLUE's layout). The WordPiece models run twice:
 * as shipped, and from a copy without tokenizer.json, where the tokenizer comes from vocab.txt and
 * tokenizer_config.json alone.
 */
@ParameterizedClass(name = "{0} with {1}")
@MethodSource("models")
class SentenceTransformerParityTest {
    private static final double TOLERANCE = 1e-4;
    private static SentenceTransformer model;
    private static Path copy; // the fixture without tokenizer.json, or null

    @Parameter(0)
    String fixture;
    @Parameter(1)
    String tokenizerFile;

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("tiny-xlmr-ko", "tokenizer.json"),
                Arguments.of("tiny-bert-ko", "tokenizer.json"), Arguments.of("tiny-bert-ko", "vocab.txt"),
                Arguments.of("tiny-roberta-ko-wp", "tokenizer.json"), Arguments.of("tiny-roberta-ko-wp", "vocab.txt"));
    }

    @BeforeParameterizedClassInvocation
    static void load(String fixture, String tokenizerFile) throws IOException {
        Path dir = Fixtures.model(fixture);
        copy = null;
        if (tokenizerFile.equals("vocab.txt")) {
            copy = Fixtures.copyModel(fixture, Files.createTempDirectory("koembed-" + fixture), "tokenizer.json");
            dir = copy;
        }
        model = SentenceTransformer.load(dir);
    }

    @AfterParameterizedClassInvocation
    static void close() throws IOException {
        model.close();
        if (copy != null) {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> {
                    try {
                        Files.delete(f);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    JsonNode expected(String file) throws IOException {
        return expected(fixture, file);
    }

    /** A file of {@code fixture}'s reference outputs (testdata/fixtures/NAME-expected). */
    static JsonNode expected(String fixture, String file) throws IOException {
        return new ObjectMapper().readTree(Fixtures.expected(fixture).resolve(file).toFile());
    }


    /** Numbers in the fixtures are float32 widened to double: parse as double, cast to float. */
    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void idsInsideEncodeMatchSentenceTransformers() throws IOException {
        int checked = 0;
        for (JsonNode item : expected("tokenization.json").get("items")) {
            assertArrayEquals(ints(item.get("st_input_ids")), model.tokenize(item.get("text").asText()).ids(),
                    () -> item.get("id").asText());
            checked++;
        }
        assertEquals(expected("stats.json").get("items").asInt(), checked);
    }

    @Test
    void sentenceEmbeddingsMatchSentenceTransformers() throws IOException {
        JsonNode items = expected("embeddings.json").get("items");
        List<String> texts = new ArrayList<>();
        items.forEach(i -> texts.add(i.get("text").asText()));
        float[][] ours = model.encode(texts, EncodeOptions.defaults().withBatchSize(16));
        double worst = 0;
        String worstId = "";
        for (int i = 0; i < texts.size(); i++) {
            float[] ref = floats(items.get(i).get("embedding"));
            assertEquals(ref.length, ours[i].length);
            for (int d = 0; d < ref.length; d++) {
                double diff = Math.abs(ref[d] - ours[i][d]);
                if (diff > worst) {
                    worst = diff;
                    worstId = items.get(i).get("id").asText();
                }
            }
            double cos = Similarity.cosine(ref, ours[i]);
            String id = items.get(i).get("id").asText();
            assertTrue(cos > 0.99999, () -> id + ": cosine to the reference " + cos);
        }
        assertTrue(worst <= TOLERANCE, "max abs diff " + worst + " at " + worstId);
    }

    @Test
    void batchCompositionDoesNotChangeResults() throws IOException {
        JsonNode items = expected("embeddings.json").get("items");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(items.get(i).get("text").asText());
        }
        float[][] batched = model.encode(texts, EncodeOptions.defaults().withBatchSize(40));
        for (int i = 0; i < texts.size(); i++) {
            float[] single = model.encode(texts.get(i));
            for (int d = 0; d < single.length; d++) {
                assertEquals(single[d], batched[i][d], 1e-5, "text " + i + " dim " + d);
            }
        }
    }

    @Test
    void tokenEmbeddingsMatchSentenceTransformers() throws IOException {
        JsonNode items = expected("token_embeddings.json").get("items");
        List<String> texts = new ArrayList<>();
        items.forEach(i -> texts.add(i.get("text").asText()));
        List<float[][]> ours = model.encodeTokens(texts, EncodeOptions.defaults());
        for (int i = 0; i < texts.size(); i++) {
            JsonNode rows = items.get(i).get("token_embeddings");
            assertEquals(rows.size(), ours.get(i).length, "token count of item " + i);
            for (int t = 0; t < rows.size(); t++) {
                float[] ref = floats(rows.get(t));
                for (int d = 0; d < ref.length; d++) {
                    assertEquals(ref[d], ours.get(i)[t][d], TOLERANCE, "item " + i + " token " + t + " dim " + d);
                }
            }
        }
    }

    @Test
    void similarityMatrixMatchesSentenceTransformers() throws IOException {
        JsonNode sim = expected("similarity.json");
        assertEquals(sim.get("similarity_fn").asText(), model.similarityFunction().configName());
        List<String> texts = new ArrayList<>();
        sim.get("texts").forEach(t -> texts.add(t.asText()));
        float[][] e = model.encode(texts);
        float[][] ours = model.similarity(e, e);
        for (int i = 0; i < texts.size(); i++) {
            float[] ref = floats(sim.get("similarity").get(i));
            for (int j = 0; j < ref.length; j++) {
                assertEquals(ref[j], ours[i][j], TOLERANCE, "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void normalizeGivesUnitVectorsInTheSameDirection() {
        float[] raw = model.encode("한 남자가 기타를 치고 있다.");
        float[] unit = model.encode(List.of("한 남자가 기타를 치고 있다."),
                EncodeOptions.defaults().withNormalize(true))[0];
        assertEquals(1.0, Similarity.dot(unit, unit), 1e-5);
        assertEquals(1.0, Similarity.cosine(raw, unit), 1e-6);
    }
}
