package io.koembed.st;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Fixtures;
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

/**
 * The tiny XLM-R fixture with its weights as pytorch_model.bin (written by torch.save) and as sharded safetensors
 * (testdata/torch, made by make_bins.py): the same embeddings as from model.safetensors, bit for bit, and so the
 * same as sentence-transformers computed.
 */
class WeightFormatsParityTest {
    private static final Path FIXTURE = Fixtures.model("tiny-xlmr-ko");
    private static final Path TORCH = Fixtures.testdata().resolve("torch");

    @TempDir
    Path dir;

    @Test
    void pytorchModelBinGivesTheSameEmbeddings() throws IOException {
        assertSameEmbeddings(modelWith(TORCH.resolve("tiny-xlmr-ko")));
    }

    @Test
    void shardedSafetensorsGiveTheSameEmbeddings() throws IOException {
        assertSameEmbeddings(modelWith(TORCH.resolve("tiny-xlmr-ko-sharded")));
    }

    /** The fixture model directory with its model.safetensors replaced by the files of {@code weights}. */
    private Path modelWith(Path weights) throws IOException {
        Path d = Files.createDirectories(dir.resolve(weights.getFileName()));
        Files.createDirectories(d.resolve("1_Pooling"));
        try (var files = Files.walk(FIXTURE)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().equals("model.safetensors")) {
                    Files.copy(f, d.resolve(FIXTURE.relativize(f).toString()));
                }
            }
        }
        try (var files = Files.list(weights)) {
            for (Path f : files.toList()) {
                Files.copy(f, d.resolve(f.getFileName()));
            }
        }
        assertFalse(Files.exists(d.resolve("model.safetensors")));
        return d;
    }

    private static void assertSameEmbeddings(Path model) throws IOException {
        JsonNode items = SentenceTransformerParityTest.expected("tiny-xlmr-ko", "embeddings.json").get("items");
        List<String> texts = new ArrayList<>();
        items.forEach(i -> texts.add(i.get("text").asText()));
        EncodeOptions options = EncodeOptions.defaults().withBatchSize(16);
        float[][] fromSafetensors;
        float[][] fromOther;
        try (SentenceTransformer a = SentenceTransformer.load(FIXTURE);
             SentenceTransformer b = SentenceTransformer.load(model)) {
            fromSafetensors = a.encode(texts, options);
            fromOther = b.encode(texts, options);
        }
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(fromSafetensors[i], fromOther[i], "item " + i);
            float[] reference = SentenceTransformerParityTest.floats(items.get(i).get("embedding"));
            for (int d = 0; d < reference.length; d++) {
                assertEquals(reference[d], fromOther[i][d], 1e-4, "item " + i + " dim " + d);
            }
        }
    }
}
