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

    /** A fixture's tokenizer.json as a mutable tree, to derive variants from. */
    static ObjectNode fixtureTokenizerJson(String fixture) {
        try {
            return (ObjectNode) JSON.readTree(Fixtures.model(fixture).resolve("tokenizer.json").toFile());
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

    /**
     * A tokenizer.json whose ids are exactly the UTF-8 bytes of the pre-tokenized text: a byte-level BPE without
     * merges (one token per byte, id = byte value) behind {@code normalizer} (a JSON node, or null for none) and
     * {@code preTokenizer} followed by a ByteLevel step without regex (null for ByteLevel alone). The ids show
     * what the Rust normalizer made of a text, and the word ids which pieces its pre-tokenizer cut.
     */
    static Path byteLevelTokenizer(Path dir, JsonNode normalizer, JsonNode preTokenizer) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.set("normalizer", normalizer);
        JsonNode byteLevel = parse("{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,"
                + "\"use_regex\":false}");
        if (preTokenizer == null) {
            root.set("pre_tokenizer", byteLevel);
        } else {
            ObjectNode sequence = root.putObject("pre_tokenizer");
            sequence.put("type", "Sequence");
            sequence.putArray("pretokenizers").add(preTokenizer).add(byteLevel);
        }
        root.putNull("post_processor");
        root.set("decoder", byteLevel);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        // the byte-level alphabet: printable Latin-1 bytes stand for themselves, the others (controls, space,
        // NBSP, soft hyphen) get U+0100 upwards in byte order
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            vocab.put(new String(Character.toChars(printable ? b : next++)), b);
        }
        model.putArray("merges");
        return write(dir, root);
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

    /** The texts of a fixture's tokenization.json (KorSTS sentences and hand-written hard cases). */
    static List<String> fixtureTexts(String fixture) {
        try {
            JsonNode root = JSON.readTree(Fixtures.expected(fixture).resolve("tokenization.json").toFile());
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
