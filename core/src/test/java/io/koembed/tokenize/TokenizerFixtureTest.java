package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our ids against the fixtures' reference outputs, which the Rust library (0.21, through DJL) produced from each
 * fixture's tokenizer.json: tiny-xlmr-ko (Unigram), tiny-bert-ko and tiny-roberta-ko-wp (WordPiece). The
 * WordPiece fixtures are also read from vocab.txt and tokenizer_config.json alone, as BertTokenizerFast builds
 * them without a tokenizer.json, and must give the same ids. Mismatches are counted and the first few reported
 * with escaped texts.
 */
class TokenizerFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** fixture, tokenizer file: every way KoEmbed reads each fixture's tokenizer. */
    static Stream<Arguments> tokenizers() {
        return Stream.of(
                Arguments.of("tiny-xlmr-ko", "tokenizer.json"),
                Arguments.of("tiny-bert-ko", "tokenizer.json"),
                Arguments.of("tiny-bert-ko", "vocab.txt"),
                Arguments.of("tiny-roberta-ko-wp", "tokenizer.json"),
                Arguments.of("tiny-roberta-ko-wp", "vocab.txt"));
    }

    /** The fixtures that come with a tokenization_bulk.jsonl. */
    static Stream<Arguments> bulkTokenizers() {
        return tokenizers().filter(a -> !a.get()[0].equals("tiny-roberta-ko-wp"));
    }

    static Tokenizer load(String fixture, String file) {
        Path path = Fixtures.model(fixture).resolve(file);
        return file.equals("vocab.txt") ? Tokenizer.fromBertVocab(path) : Tokenizer.fromTokenizerJson(path);
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("tokenizers")
    void everyTokenizationItemMatches(String fixture, String file) throws IOException {
        Tokenizer tokenizer = load(fixture, file);
        JsonNode root = JSON.readTree(Fixtures.expected(fixture).resolve("tokenization.json").toFile());
        int expectedItems = JSON.readTree(Fixtures.expected(fixture).resolve("stats.json").toFile()).get("items").asInt();
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
        assertEquals(expectedItems, items, "items in tokenization.json");
        assertEquals(0, failures.size(), failures.size() + " of " + items + " items differ, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("bulkTokenizers")
    void everyBulkLineMatches(String fixture, String file) throws IOException {
        Tokenizer tokenizer = load(fixture, file);
        List<String> failures = new ArrayList<>();
        int lines = 0;
        long start = System.nanoTime();
        try (BufferedReader reader = Files.newBufferedReader(
                Fixtures.expected(fixture).resolve("tokenization_bulk.jsonl"), StandardCharsets.UTF_8)) {
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
        System.out.println(fixture + " bulk: " + (lines - failures.size()) + "/" + lines + " lines equal in " + millis + " ms");
        assertTrue(lines > 3_000, "expected thousands of bulk lines, read " + lines);
        assertEquals(0, failures.size(), failures.size() + " of " + lines + " bulk lines differ, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    /**
     * tiny-bert-ko's sentence pairs: {@code [CLS] A [SEP] B [SEP]} with type ids 0 then 1, whole and truncated
     * longest-first to 32 tokens, from tokenizer.json and from vocab.txt alone.
     */
    @ParameterizedTest(name = "tiny-bert-ko from {0}")
    @MethodSource("bertFiles")
    void everyPairMatches(String file) throws IOException {
        Tokenizer tokenizer = load("tiny-bert-ko", file);
        JsonNode root = JSON.readTree(Fixtures.expected("tiny-bert-ko").resolve("pair_tokenization.json").toFile());
        int maxLength = root.get("truncation_max_length").asInt();
        List<String> failures = new ArrayList<>();
        int pairs = 0;
        for (JsonNode item : root.get("items")) {
            pairs++;
            String a = item.get("text_a").asText();
            String b = item.get("text_b").asText();
            Encoding full = tokenizer.encodePair(a, b);
            Encoding truncated = tokenizer.encodePair(a, b, maxLength);
            String id = item.get("id").asText();
            if (!Arrays.equals(ints(item.get("input_ids")), full.ids())
                    || !Arrays.equals(ints(item.get("token_type_ids")), full.typeIds())) {
                failures.add(id + " whole pair: " + Arrays.toString(full.ids()) + " types "
                        + Arrays.toString(full.typeIds()));
            }
            if (!Arrays.equals(ints(item.get("input_ids_truncated")), truncated.ids())
                    || !Arrays.equals(ints(item.get("token_type_ids_truncated")), truncated.typeIds())) {
                failures.add(id + " truncated pair: " + Arrays.toString(truncated.ids()) + " types "
                        + Arrays.toString(truncated.typeIds()));
            }
        }
        assertTrue(pairs >= 38, "expected the fixture's 38 pairs, read " + pairs);
        assertEquals(0, failures.size(), String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    static Stream<String> bertFiles() {
        return Stream.of("tokenizer.json", "vocab.txt");
    }

    @Test
    void specialIdsComeFromTheVocabulary() {
        // KLUE's layout: [CLS]=0 [PAD]=1 [SEP]=2 [UNK]=3, unlike BERT's [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3
        for (String file : List.of("tokenizer.json", "vocab.txt")) {
            Tokenizer klue = load("tiny-roberta-ko-wp", file);
            Encoding e = klue.encode("[UNK]");
            assertEquals(List.of(0, 3, 2), Arrays.stream(e.ids()).boxed().toList(), file);
            assertEquals(1, klue.padId(), file);
            Tokenizer bert = load("tiny-bert-ko", file);
            assertEquals(List.of(2, 1, 3), Arrays.stream(bert.encode("[UNK]").ids()).boxed().toList(), file);
            assertEquals(0, bert.padId(), file);
        }
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
