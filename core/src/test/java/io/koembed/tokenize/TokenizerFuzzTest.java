package io.koembed.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.tokenize.TokenizerFuzz.Category;
import io.koembed.tokenize.TokenizerFuzz.Report;
import io.koembed.tokenize.TokenizerFuzz.Sample;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks the differential harness itself: the generator, DJL's set-up and transport, and the comparison. */
class TokenizerFuzzTest {

    static final long SEED = TokenizerDifferentialTest.SEED;
    static final int COUNT = TokenizerDifferentialTest.COUNT;

    /**
     * SHA-256 of generate(SEED, COUNT) (each text's UTF-8 length as 4 bytes, then its bytes). Pins the generated
     * texts across runs, machines and JDKs; change it only together with a deliberate change of the generator.
     */
    static final String GOLDEN_SHA256 = "ac3f768fc68ca9786921b441ec540bbb2dcc2778980100100c77fa4e79d7cd54";

    private static Path tokenizerJson;
    private static HuggingFaceTokenizer reference;
    private static List<Sample> samples;
    private static List<String> texts;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() throws IOException {
        tokenizerJson = Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json");
        reference = TokenizerFuzz.reference(tokenizerJson);
        samples = TokenizerFuzz.generateSamples(SEED, COUNT);
        texts = samples.stream().map(Sample::text).toList();
    }

    @AfterAll
    static void tearDown() {
        reference.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The generator

    @Test
    void generatorIsDeterministic() {
        assertEquals(texts, TokenizerFuzz.generate(SEED, COUNT));
        assertEquals(texts.subList(0, 100), TokenizerFuzz.generate(SEED, 100));
        assertNotEquals(texts.subList(0, 100), TokenizerFuzz.generate(SEED + 1, 100));
        assertEquals(GOLDEN_SHA256, sha256(texts), "the generated texts changed (seed " + SEED + ")");
    }

    @Test
    void generatedTextsAreWellFormedUnicode() {
        for (int i = 0; i < texts.size(); i++) {
            String s = texts.get(i);
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (Character.isHighSurrogate(c)) {
                    assertTrue(k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1)),
                            "unpaired high surrogate in #" + i);
                    k++;
                } else {
                    assertTrue(!Character.isLowSurrogate(c), "unpaired low surrogate in #" + i);
                }
            }
            // lossless through UTF-8, as Python and Rust need
            assertEquals(s, new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        int longest = texts.stream().mapToInt(String::length).max().orElseThrow();
        assertTrue(longest < 5000, "longest text " + longest);
        for (String s : TokenizerFuzz.edgeCases()) {
            assertEquals(s, new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }

    @Test
    void generatorCoversEveryCategoryAndCharacterClass() {
        Map<Category, Integer> byCategory = new EnumMap<>(Category.class);
        samples.forEach(s -> s.categories().forEach(c -> byCategory.merge(c, 1, Integer::sum)));
        StringBuilder table = new StringBuilder();
        byCategory.forEach((c, n) -> table.append(c).append('=').append(n).append(' '));
        for (Category c : Category.values()) {
            assertTrue(byCategory.getOrDefault(c, 0) >= 60, c + " appears too rarely: " + table);
        }

        // what is really in the texts, found by scanning them (not by trusting the generator's own labels)
        Map<String, Predicate<String>> props = new LinkedHashMap<>();
        props.put("Hangul syllable", has(c -> c >= 0xAC00 && c <= 0xD7A3));
        props.put("conjoining jamo", has(c -> c >= 0x1100 && c <= 0x11FF));
        props.put("conjoining L+V", Pattern.compile("[\u1100-\u1112][\u1161-\u1175]").asPredicate());
        props.put("compatibility jamo", has(c -> c >= 0x3131 && c <= 0x318E));
        props.put("halfwidth jamo", has(c -> c >= 0xFFA0 && c <= 0xFFDC));
        props.put("Latin + combining mark", Pattern.compile("[A-Za-z]\\p{Mn}").asPredicate());
        props.put("combining mark", has(c -> Character.getType(c) == Character.NON_SPACING_MARK));
        props.put("CJK unified", has(c -> c >= 0x4E00 && c <= 0x9FFF));
        props.put("CJK extension B+ (plane 2/3)", has(c -> c >= 0x20000 && c <= 0x3FFFF));
        props.put("hiragana", has(c -> c >= 0x3041 && c <= 0x3096));
        props.put("halfwidth katakana", has(c -> c >= 0xFF66 && c <= 0xFF9F));
        props.put("Arabic", has(c -> c >= 0x0600 && c <= 0x06FF));
        props.put("Hebrew", has(c -> c >= 0x0590 && c <= 0x05FF));
        props.put("Devanagari", has(c -> c >= 0x0900 && c <= 0x097F));
        props.put("Thai", has(c -> c >= 0x0E00 && c <= 0x0E7F));
        props.put("emoji ZWJ sequence", Pattern.compile("[\\x{1F300}-\\x{1FAFF}\u2764][\uFE0F\\x{1F3FB}-\\x{1F3FF}]?\u200D")
                .asPredicate());
        props.put("skin tone", has(c -> c >= 0x1F3FB && c <= 0x1F3FF));
        props.put("regional indicator pair", Pattern.compile("[\\x{1F1E6}-\\x{1F1FF}]{2}").asPredicate());
        props.put("keycap", has(c -> c == 0x20E3));
        props.put("tag character", has(c -> c >= 0xE0020 && c <= 0xE007F));
        props.put("supplementary", has(c -> c > 0xFFFF));
        props.put("planes 4-13", has(c -> c >= 0x40000 && c <= 0xDFFFF));
        props.put("plane 14", has(c -> c >= 0xE0000 && c <= 0xEFFFF));
        props.put("private use", has(c -> (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000));
        props.put("noncharacter", has(c -> (c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF)));
        props.put("unassigned (this JDK)", has(c -> !Character.isDefined(c)));
        props.put("2+ ASCII spaces", s -> s.contains("  "));
        props.put("leading space", s -> s.startsWith(" "));
        props.put("trailing space", s -> s.endsWith(" "));
        for (int ws : new int[] {'\t', '\n', '\r', 0x0B, 0x0C, 0xA0, 0x3000, 0x2028, 0x2029, 0x0085, 0x200B, 0xFEFF,
            0x180E, 0x2009, 0x1680}) {
            props.put(String.format("U+%04X", ws), has(c -> c == ws));
        }
        props.put("NUL", has(c -> c == 0));
        props.put("U+001C-U+001F", has(c -> c >= 0x1C && c <= 0x1F));
        props.put("other C0 control", has(c -> c >= 1 && c <= 8));
        props.put("DEL", has(c -> c == 0x7F));
        props.put("C1 control", has(c -> c >= 0x80 && c <= 0x9F && c != 0x85));
        props.put("format char (Cf)", has(c -> Character.getType(c) == Character.FORMAT));
        props.put("NFKC changes the text", s -> !Normalizer.isNormalized(s, Normalizer.Form.NFKC));
        props.put("fullwidth ASCII", has(c -> c >= 0xFF01 && c <= 0xFF5E));
        props.put("circled/parenthesized", has(c -> (c >= 0x2460 && c <= 0x24FF) || (c >= 0x3200 && c <= 0x32FF)));
        props.put("ligature ﬁ-ﬆ", has(c -> c >= 0xFB00 && c <= 0xFB06));
        props.put("<s>", s -> s.contains("<s>"));
        props.put("</s>", s -> s.contains("</s>"));
        props.put("<pad>", s -> s.contains("<pad>"));
        props.put("<unk>", s -> s.contains("<unk>"));
        props.put("<mask>", s -> s.contains("<mask>"));
        props.put("space before <mask>", s -> s.contains(" <mask>"));
        props.put("partial <ma / </s", Pattern.compile("<ma(?!sk>)|</s(?!>)").asPredicate());
        props.put("5+ repeated punctuation", Pattern.compile("([\\p{P}\\p{S}])\\1{4,}").asPredicate());
        props.put(">= 200 code points", s -> s.codePointCount(0, s.length()) >= 200);
        props.put("empty", String::isEmpty);
        props.put("whitespace only (non-empty)", s -> !s.isEmpty() && s.strip().isEmpty() && s.trim().isEmpty());

        StringBuilder counts = new StringBuilder();
        List<String> rare = new ArrayList<>();
        props.forEach((name, p) -> {
            long n = texts.stream().filter(p).count();
            counts.append(name).append(": ").append(n).append('\n');
            if (n < 10) {
                rare.add(name);
            }
        });
        assertTrue(rare.isEmpty(), "too rare in " + COUNT + " texts: " + rare + "\n" + counts);
        if (Boolean.getBoolean("koembed.fuzz.stats")) {
            System.out.println(table + "\n" + counts);
        }
    }

    private static Predicate<String> has(IntPredicate p) {
        return s -> s.codePoints().anyMatch(p);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The reference

    @Test
    void referenceNeitherTruncatesNorPadsAndAddsSpecialTokens() {
        assertEquals("DO_NOT_TRUNCATE", reference.getTruncation());
        assertEquals("DO_NOT_PAD", reference.getPadding());
        String longText = "가나다 라마 ".repeat(400);
        int[] ids = TokenizerFuzz.referenceIds(reference, longText);
        assertTrue(ids.length > 1000, "truncated to " + ids.length);
        assertEquals(0, ids[0]);
        assertEquals(2, ids[ids.length - 1]);
        var batch = reference.batchEncode(List.of("가", longText));
        assertArrayEquals(TokenizerFuzz.referenceIds(reference, "가"), TokenizerFuzz.toInts(batch[0].getIds()),
                "a batch must not be padded");
        assertArrayEquals(new int[] {0, 2}, TokenizerFuzz.referenceIds(reference, ""));
    }

    @Test
    void djlDefaultsWouldTruncate() throws IOException {
        // why reference() switches truncation off: DJL's defaults cut at 512 tokens
        try (HuggingFaceTokenizer defaults = HuggingFaceTokenizer.newInstance(tokenizerJson)) {
            assertEquals("LONGEST_FIRST", defaults.getTruncation());
            assertEquals(512, defaults.encode("가나다 라마 ".repeat(400)).getIds().length);
        }
    }

    @Test
    void referenceReproducesTheFixtureIds() throws IOException {
        // tokenization.json's input_ids and tokenization_bulk.jsonl's were made with special tokens, without
        // truncation: the reference set-up must give exactly them (600+ token texts included)
        ObjectMapper json = new ObjectMapper();
        Path expected = Fixtures.expected("tiny-xlmr-ko");
        int n = 0, longest = 0;
        for (JsonNode item : json.readTree(expected.resolve("tokenization.json").toFile()).get("items")) {
            int[] ids = ints(item.get("input_ids"));
            assertArrayEquals(ids, TokenizerFuzz.referenceIds(reference, item.get("text").asText()),
                    item.get("id").asText());
            longest = Math.max(longest, ids.length);
            n++;
        }
        assertTrue(n > 300 && longest > 600, n + " items, longest " + longest);
        try (BufferedReader in = Files.newBufferedReader(expected.resolve("tokenization_bulk.jsonl"))) {
            String line;
            int bulk = 0;
            while ((line = in.readLine()) != null) {
                JsonNode item = json.readTree(line);
                assertArrayEquals(ints(item.get("input_ids")),
                        TokenizerFuzz.referenceIds(reference, item.get("text").asText()), "bulk line " + bulk);
                bulk++;
            }
            assertTrue(bulk > 15_000, bulk + " bulk lines");
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void djlPassesEveryGeneratedTextToRustIntact() throws IOException {
        // A byte-level tokenizer with one token per byte and id = byte value: the ids are exactly the UTF-8 bytes
        // the Rust side received, so this shows that NUL, supplementary characters and everything else the
        // generator makes survive DJL's JNI string passing.
        Path byteLevel = Reference.byteLevelTokenizer(tmp.resolve("byte-level"), null, null);
        try (HuggingFaceTokenizer bytes = TokenizerFuzz.reference(byteLevel)) {
            List<String> all = new ArrayList<>(TokenizerFuzz.edgeCases());
            all.addAll(texts);
            for (int i = 0; i < all.size(); i++) {
                String s = all.get(i);
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                int[] want = new int[utf8.length];
                for (int k = 0; k < utf8.length; k++) {
                    want[k] = utf8[k] & 0xFF;
                }
                assertArrayEquals(want, TokenizerFuzz.referenceIds(bytes, s), () -> "mangled: " + TokenizerFuzz.escape(s));
            }
            // what the generator avoids: an unpaired surrogate does not reach Rust intact
            int[] lone = TokenizerFuzz.referenceIds(bytes, "a\uD800b");
            assertTrue(!Arrays.equals(new int[] {'a', 0xED, 0xA0, 0x80, 'b'}, lone), Arrays.toString(lone));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The comparison

    @Test
    void djlAgainstASecondDjlFindsNoMismatch() throws IOException {
        try (HuggingFaceTokenizer second = TokenizerFuzz.reference(tokenizerJson)) {
            List<String> all = new ArrayList<>(TokenizerFuzz.edgeCases());
            all.addAll(texts);
            Report r = TokenizerFuzz.compare(all, t -> TokenizerFuzz.referenceIds(second, t), reference, 10);
            assertEquals(all.size(), r.compared());
            assertTrue(r.ok(), r::describe);
        }
    }

    @Test
    void mismatchesAndExceptionsAreCountedAndShown() {
        // a deliberately broken tokenizer: drops the last id of texts with a Hangul syllable, throws on NUL
        Function<String, int[]> broken = t -> {
            if (t.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("no NUL please");
            }
            int[] ids = TokenizerFuzz.referenceIds(reference, t);
            return t.codePoints().anyMatch(c -> c >= 0xAC00 && c <= 0xD7A3) ? Arrays.copyOf(ids, ids.length - 1) : ids;
        };
        long expected = texts.stream()
                .filter(t -> t.indexOf('\0') >= 0 || t.codePoints().anyMatch(c -> c >= 0xAC00 && c <= 0xD7A3))
                .count();
        Report r = TokenizerFuzz.compare(texts, broken, reference, 5);
        assertEquals(texts.size(), r.compared());
        assertEquals(expected, r.mismatches());
        assertEquals(5, r.first().size());
        String text = r.describe();
        assertTrue(text.startsWith(expected + " of " + texts.size() + " texts differ"), text);
        assertTrue(text.contains("(first 5 shown)"), text);
        for (var m : r.first()) {
            assertEquals(texts.get((int) m.index()), m.text());
            if (m.error() != null) {
                assertTrue(m.error().contains("no NUL please"), m.error());
                assertTrue(m.describe().contains("\\u{0}"), m.describe());
            } else {
                assertEquals(m.expected().length - 1, m.firstDifference());
            }
        }
        Report nul = TokenizerFuzz.compare(List.of("a\0b"), broken, reference, 5);
        assertEquals(1, nul.mismatches());
        assertTrue(nul.describe().contains("KoEmbed threw java.lang.IllegalArgumentException: no NUL please"),
                nul.describe());
    }

    @Test
    void escapeShowsInvisibleCharacters() {
        assertEquals("a\\u{0}b\\u{A0}\\u{3000}\\u{1F600}\\u{301}가\\\\\\\"<mask>",
                TokenizerFuzz.escape("a\0b\u00A0\u3000😀\u0301가\\\"<mask>"));
    }

    // ---------------------------------------------------------------------------------------------------------

    static String sha256(List<String> texts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String t : texts) {
                byte[] b = t.getBytes(StandardCharsets.UTF_8);
                md.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
                    (byte) b.length});
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
