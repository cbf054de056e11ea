package io.koembed.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer built from sentencepiece.bpe.model alone gives the Rust library's ids for the fixture
 * (tokenization.json, tokenization_bulk.jsonl) and the same ids as the tokenizer.json one on fuzz strings.
 */
class SentencePieceTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fixture's .model in a folder of its own, so that nothing can fall back to tokenizer.json. */
    static Tokenizer fromModelAlone(Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("spm-only"));
        Files.copy(Fixtures.model("tiny-xlmr-ko").resolve("sentencepiece.bpe.model"),
                dir.resolve("sentencepiece.bpe.model"));
        return Tokenizer.load(dir);
    }

    @Test
    void matchesTheRustIdsOfEveryFixtureText(@TempDir Path tmp) throws IOException {
        Tokenizer spm = fromModelAlone(tmp);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        JsonNode root = JSON.readTree(Fixtures.expected("tiny-xlmr-ko").resolve("tokenization.json").toFile());
        for (JsonNode item : root.get("items")) {
            checked++;
            int[] expected = TokenizerFixtureTest.ints(item.get("input_ids"));
            if (!Arrays.equals(expected, spm.encode(item.get("text").asText()).ids())) {
                failures.add(item.get("id").asText());
            }
        }
        try (BufferedReader r = Files.newBufferedReader(
                Fixtures.expected("tiny-xlmr-ko").resolve("tokenization_bulk.jsonl"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode item = JSON.readTree(line);
                checked++;
                int[] expected = TokenizerFixtureTest.ints(item.get("input_ids"));
                if (!Arrays.equals(expected, spm.encode(item.get("text").asText()).ids())) {
                    failures.add(TokenizerFuzz.escape(item.get("text").asText()));
                }
            }
        }
        assertTrue(checked > 19_000, "read " + checked);
        assertEquals(List.of(), failures.subList(0, Math.min(8, failures.size())),
                failures.size() + " of " + checked + " texts differ");
    }

    @Test
    void agreesWithTheTokenizerJsonOneOnFuzzStrings(@TempDir Path tmp) throws IOException {
        Tokenizer spm = fromModelAlone(tmp);
        Tokenizer json = Tokenizer.fromTokenizerJson(Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json"));
        for (String text : TokenizerFuzz.generate(20261127L, 2000)) {
            assertArrayEquals(json.encode(text).ids(), spm.encode(text).ids(), () -> TokenizerFuzz.escape(text));
            assertArrayEquals(json.encodePair(text, "두 번째", 40).ids(), spm.encodePair(text, "두 번째", 40).ids());
        }
        assertEquals(json.vocabSize(), spm.vocabSize());
        assertEquals(json.padId(), spm.padId());
    }

    @Test
    void aDirectoryWithoutTokenizerIsAClearError(@TempDir Path tmp) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(tmp));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("sentencepiece.bpe.model"),
                e.getMessage());
    }

    @Test
    void anotherTokenizerClassIsRefused(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("other"));
        Files.copy(Fixtures.model("tiny-xlmr-ko").resolve("sentencepiece.bpe.model"),
                dir.resolve("sentencepiece.bpe.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"CamembertTokenizer\"}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains("CamembertTokenizer"), e.getMessage());
    }

    @Test
    void aByteFallbackModelIsRefusedWithTheReason(@TempDir Path tmp) throws IOException {
        // sentencepiece spells unknown text in bytes; transformers' XLM-R converter writes no byte fallback
        Path model = Files.write(tmp.resolve("sentencepiece.bpe.model"), SentencePieceModelTest.tinyModel(false));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromSentencePiece(model));
        assertTrue(e.getMessage().contains(model.toString()) && e.getMessage().contains("byte_fallback")
                && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
