package io.koembed.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test helpers around the reference implementation: the Rust library through DJL, loaded on exactly the file our
 * tokenizer reads, plus the texts the differential tests feed both.
 */
final class Reference {
    static final ObjectMapper JSON = new ObjectMapper();

    private Reference() {}

    /** The fixture's tokenizer.json as a mutable tree, to derive variants from. */
    static ObjectNode fixtureTokenizerJson() {
        try {
            return (ObjectNode) JSON.readTree(Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code root} as {@code dir/tokenizer.json} (alone in its folder, so no config file is picked up). */
    static Path write(Path dir, ObjectNode root) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("tokenizer.json");
            JSON.writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The Rust tokenizer on {@code file}, special tokens on, no padding, and truncation only when
     * {@code maxLength > 0} (longest first, the DJL default strategy). Whatever the file's own truncation and
     * padding blocks say is replaced by these settings.
     */
    static HuggingFaceTokenizer rust(Path file, int maxLength) {
        try {
            var builder = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(true)
                    .optPadding(false);
            if (maxLength > 0) {
                builder.optTruncation(true).optMaxLength(maxLength);
            } else {
                builder.optTruncation(false);
            }
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.toIntExact(values[i]);
        }
        return out;
    }

    /** The texts of the fixture's tokenization.json (KorSTS sentences and hand-written hard cases). */
    static List<String> fixtureTexts() {
        try {
            JsonNode root = JSON.readTree(Fixtures.expected("tiny-xlmr-ko").resolve("tokenization.json").toFile());
            List<String> texts = new ArrayList<>();
            root.get("items").forEach(item -> texts.add(item.get("text").asText()));
            return texts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String[] ATOMS = {
        "가", "나", "다", "한국어", "문장", "입니다", "있다", "는", "을", "a", "b", "Z", "the", "KorSTS", "1", "2024",
        ".", ",", "!", "?", "-", "'", "\"", " ", " ", " ", "  ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u3000",
        "\u2003", "\u200b", "\ufeff", "<s>", "</s>", "<mask>", "<unk>", "<pad>", " <mask>", "<mask> ", "\uff1cs\uff1e",
        "\uff21", "\uff11", "\u2460", "\u2460\u0301", "e\u0301", "\u0301", "\u1100\u1161", "\u3131", "\ud83d\ude00",
        "\ud83d\udc68\u200d\ud83d\udc69", "\u2581", "\u2581\u2581", "\u0000", "\u0007", "\u001b", "\u0085", "\u2028",
        "\u9f98", "\u00e9", "caf\u00e9", "\u338f", "\ufb01", "\u00bd", "x\u00b2", "\u212b", "\u0130", "\u03a3",
    };

    /** Deterministic strings glued from {@link #ATOMS}: spaces, specials, normalization traps, unknown chars. */
    static List<String> generated(long seed, int count) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int atoms = 1 + random.nextInt(12);
            for (int k = 0; k < atoms; k++) {
                sb.append(ATOMS[random.nextInt(ATOMS.length)]);
            }
            texts.add(sb.toString());
        }
        return texts;
    }
}
