package io.koembed.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our ids against the fixture's reference outputs, which the Rust library (0.21, through DJL) produced for
 * tiny-xlmr-ko's tokenizer.json. Mismatches are counted and the first few reported with escaped texts.
 */
class TokenizerFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.fromTokenizerJson(Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json"));
    }

    @Test
    void everyTokenizationItemMatches() throws IOException {
        JsonNode root = JSON.readTree(Fixtures.expected("tiny-xlmr-ko").resolve("tokenization.json").toFile());
        int maxLength = root.get("truncation_max_length").asInt();
        List<String> failures = new ArrayList<>();
        int items = 0;
        for (JsonNode item : root.get("items")) {
            items++;
            String text = item.get("text").asText();
            Encoding full = tokenizer.encode(text);
            Encoding truncated = tokenizer.encode(text, maxLength);
            int[] expectedIds = ints(item.get("input_ids"));
            int[] expectedTruncated = ints(item.get("input_ids_truncated"));
            List<String> expectedTokens = new ArrayList<>();
            item.get("tokens").forEach(t -> expectedTokens.add(t.asText()));
            if (!Arrays.equals(expectedIds, full.ids())) {
                failures.add(item.get("id").asText() + " ids " + escape(text) + "\n  expected " + Arrays.toString(expectedIds)
                        + "\n  actual   " + Arrays.toString(full.ids()));
            } else if (!Arrays.equals(expectedTruncated, truncated.ids())) {
                failures.add(item.get("id").asText() + " truncated ids " + escape(text));
            } else if (!expectedTokens.equals(full.tokens())) {
                failures.add(item.get("id").asText() + " tokens " + escape(text) + "\n  expected " + expectedTokens
                        + "\n  actual   " + full.tokens());
            } else if (Arrays.stream(full.typeIds()).anyMatch(t -> t != 0)) {
                failures.add(item.get("id").asText() + " type ids not all 0");
            }
        }
        assertTrue(items > 300, "expected the ~369 fixture items, read " + items);
        assertEquals(0, failures.size(), failures.size() + " of " + items + " items differ, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    @Test
    void everyBulkLineMatches() throws IOException {
        List<String> failures = new ArrayList<>();
        int lines = 0;
        long start = System.nanoTime();
        try (BufferedReader reader = Files.newBufferedReader(
                Fixtures.expected("tiny-xlmr-ko").resolve("tokenization_bulk.jsonl"), StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                JsonNode item = JSON.readTree(line);
                String text = item.get("text").asText();
                int[] expected = ints(item.get("input_ids"));
                int[] actual = tokenizer.encode(text).ids();
                if (!Arrays.equals(expected, actual)) {
                    failures.add(escape(text) + "\n  expected " + Arrays.toString(expected)
                            + "\n  actual   " + Arrays.toString(actual));
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("bulk: " + (lines - failures.size()) + "/" + lines + " lines equal in " + millis + " ms");
        assertTrue(lines > 19_000, "expected ~19k bulk lines, read " + lines);
        assertEquals(0, failures.size(), failures.size() + " of " + lines + " bulk lines differ, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** Java-escapes everything outside printable ASCII, so invisible characters show in failure messages. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.append('"').toString();
    }
}
