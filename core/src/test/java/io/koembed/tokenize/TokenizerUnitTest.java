package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.common.IntList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;
import io.koembed.tokenize.models.TokenizerModel;
import io.koembed.tokenize.models.Unigram;
import io.koembed.tokenize.normalizers.LowercaseNormalizer;
import io.koembed.tokenize.normalizers.PrecompiledCharsmap;
import io.koembed.tokenize.normalizers.StripNormalizer;
import io.koembed.tokenize.pretokenizers.MetaspacePreTokenizer;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pieces small enough to check by hand (expected values from the Rust sources' own examples where they exist). */
class TokenizerUnitTest {
    private static Tokenizer xlmr;

    @BeforeAll
    static void load() {
        xlmr = Tokenizer.fromTokenizerJson(Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json"));
    }

    /** The ids a model alone gives one pre-tokenized word. */
    static int[] modelIds(TokenizerModel model, String text) {
        IntList out = new IntList();
        model.encode(text, out);
        return out.toArray();
    }

    @Test
    void unigramPicksTheBestSegmentationAndFusesUnknowns() {
        // The example of Unigram::encode's documentation: "abcdacdxx" -> ["abcd", "a", "cd", "xx"].
        Unigram model = new Unigram(List.of("<unk>", "a", "b", "c", "d", "cd", "ab", "abc", "abcd"),
                new double[] {0, 0, 0, 0, 0, 1, 2, 5, 10}, 0);
        assertArrayEquals(new int[] {8, 1, 5, 0}, modelIds(model, "abcdacdxx"));
        // Unknown runs fuse across their whole length, and again after known text.
        assertArrayEquals(new int[] {0, 1, 0}, modelIds(model, "xyzaxy"));
        // A supplementary character is one unknown, not two.
        assertArrayEquals(new int[] {1, 0, 2}, modelIds(model, "a\ud83d\ude00b"));
    }

    @Test
    void unigramByteFallbackSpellsAnUnknownRunInUtf8Bytes() {
        // ids: <unk> 0, a 1, <0x78> 2 ('x'), <0xE2> 3, <0x98> 4, <0x83> 5 (the bytes of U+2603 SNOWMAN)
        List<String> pieces = List.of("<unk>", "a", "<0x78>", "<0xE2>", "<0x98>", "<0x83>");
        double[] scores = {0, -1, 0, 0, 0, 0};
        Unigram fallback = new Unigram(pieces, scores, 0, true);
        // "x☃" is one fused unknown run: bytes 78 E2 98 83, in order, around the known "a"s.
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 1}, modelIds(fallback, "ax\u2603a"));
        // "y" (0x79) has no byte piece, so its whole run stays one <unk>, as without fallback.
        assertArrayEquals(new int[] {1, 0}, modelIds(fallback, "a\u2603y"));
        assertArrayEquals(new int[] {1, 0, 1}, modelIds(new Unigram(pieces, scores, 0), "ax\u2603a"));
    }

    @Test
    void unigramKeepsTheFirstCandidateOnTies() {
        // "ab" can be a+b (0 + 0) or ab (0). Start positions are visited left to right, so "ab" (from 0) reaches
        // position 2 before "b" (from 1), and an equal score does not replace it.
        Unigram model = new Unigram(List.of("<unk>", "a", "b", "ab"), new double[] {-1, 0, 0, 0}, 0);
        assertArrayEquals(new int[] {3}, modelIds(model, "ab"));
        // Strictly better wins: with "b" at +1, a+b beats ab.
        Unigram better = new Unigram(List.of("<unk>", "a", "b", "ab"), new double[] {-1, 0, 1, 0}, 0);
        assertArrayEquals(new int[] {1, 2}, modelIds(better, "ab"));
    }

    @Test
    void unigramLooksPiecesUpAsRustsIdMapDoes() {
        // A piece given twice keeps its later id (a HashMap insert in Rust) and counts once; the empty piece is a
        // vocabulary entry like any other, though it never matches inside text.
        Unigram model = new Unigram(List.of("<unk>", "a", "ab", "a", ""), new double[] {-1, 0, 0, 0, 0}, 0);
        assertEquals(OptionalInt.of(3), model.id("a"));
        assertEquals(OptionalInt.of(2), model.id("ab"));
        assertEquals(OptionalInt.of(4), model.id(""));
        assertEquals(OptionalInt.empty(), model.id("b"));
        assertEquals(OptionalInt.empty(), model.id("abc"));
        assertEquals(4, model.distinctPieceCount()); // <unk>, a, ab, ""
    }

    @Test
    void unknownCharactersBecomeOneUnk() {
        Encoding e = xlmr.encode("龘龘龘");
        assertArrayEquals(new int[] {0, 4, 3, 2}, e.ids()); // <s> ▁ <unk> </s>
        assertEquals(List.of("<s>", "\u2581", "<unk>", "</s>"), e.tokens());
        // An unknown between known pieces: "가" + unk run + "나" (no "▁" inside a word).
        Encoding mixed = xlmr.encode("가龘龘나");
        assertEquals(3, mixed.ids()[mixed.length() - 3]);
        assertEquals(1, countOf(mixed.ids(), 3));
    }

    @Test
    void maskSwallowsTheWhiteSpaceToItsLeft() {
        int mask = xlmr.tokenToId("<mask>").orElseThrow();
        assertEquals(8001, mask);
        // "앞   <mask>   뒤": lstrip eats the three spaces before <mask>; the ones after become "▁" of "▁뒤".
        assertArrayEquals(new int[] {0, 877, mask, 2001, 2}, xlmr.encode("앞   <mask>   뒤").ids());
        assertArrayEquals(xlmr.encode("앞<mask> 뒤").ids(), xlmr.encode("앞 \t <mask> 뒤").ids());
        // Special tokens are matched on the raw text, anywhere, and the text after them gets its own "▁".
        assertArrayEquals(new int[] {0, 0, 2, 2}, xlmr.encode("<s></s>").ids());
    }

    @Test
    void singleWordAndStripFlagsFollowTheRustRules() {
        // Rust's test_single_word_is_correct: only whole-word "<mask>"s are extracted.
        Unigram model = new Unigram(List.of("<unk>"), new double[] {0}, 0);
        AddedVocabulary vocab = new AddedVocabulary(
                List.of(new AddedToken("<mask>", true, false, false, false, false)), model, null);
        String text = "<mask> My name <mask> A<mask> <mask>ony <mask>";
        List<String> parts = vocab.splitRaw(text).stream()
                .map(s -> (s.isToken() ? "T:" : "") + text.substring(s.start(), s.end())).toList();
        assertEquals(List.of("T:<mask>", " My name ", "T:<mask>", " A<mask> <mask>ony ", "T:<mask>"), parts);

        // Rust's test_lstrip_unicode_space: lstrip/rstrip take any Unicode white space, never overlapping.
        AddedVocabulary strip = new AddedVocabulary(
                List.of(new AddedToken("<mask>", true, true, true, false, false)), model, null);
        String t2 = "Hi <mask> there\t<mask>\t<mask>\u2000";
        List<String> parts2 = strip.splitRaw(t2).stream()
                .map(s -> (s.isToken() ? "T:" : "") + t2.substring(s.start(), s.end())).toList();
        assertEquals(List.of("Hi", "T: <mask> ", "there", "T:\t<mask>\t", "T:<mask>\u2000"), parts2);
    }

    @Test
    void addedTokenIdsFollowRegistration() {
        Unigram model = new Unigram(List.of("<unk>", "a", "b"), new double[] {0, -1, -1}, 0);
        Tokenizer t = new Tokenizer(null, null, model, List.of(AddedToken.special("<s>"), AddedToken.special("b"),
                AddedToken.special("</s>")), null, "<pad>");
        assertEquals(OptionalInt.of(3), t.tokenToId("<s>"));  // new: the model size
        assertEquals(OptionalInt.of(2), t.tokenToId("b"));    // a model piece keeps its id
        assertEquals(OptionalInt.of(4), t.tokenToId("</s>")); // one past the largest added id
        assertEquals(5, t.vocabSize());
        assertEquals(-1, t.padId());                         // "<pad>" exists nowhere
        assertArrayEquals(new int[] {1, 3, 2, 0}, t.encode("a<s>bz").ids());
    }

    @Test
    void pairTruncationIsLongestFirst() {
        // Rust's truncate_encodings_longest_first table, max_length 7 (content lengths 0/2/4/8).
        int[][] cases = {{0, 8, 0, 7}, {2, 8, 2, 5}, {4, 4, 3, 4}, {4, 8, 3, 4}, {8, 2, 5, 2}, {8, 4, 4, 3},
            {8, 8, 3, 4}, {2, 4, 2, 4}, {8, 0, 7, 0}};
        for (int[] c : cases) {
            assertArrayEquals(new int[] {c[2], c[3]}, Truncation.longestFirst(c[0], c[1], 7),
                    c[0] + "+" + c[1]);
        }
        assertArrayEquals(new int[] {0, 0}, Truncation.longestFirst(3, 5, 0));

        // Through the tokenizer: 10 total - 4 special tokens leaves 6 content tokens, 3 and 3.
        String a = "가 나 다 라 마 바";   // 6 content pieces: ▁가 ▁나 ...
        String b = "하나 둘";
        Encoding full = xlmr.encodePair(a, b);
        Encoding cut = xlmr.encodePair(a, b, 10);
        assertEquals(10, cut.length());
        int[] f = full.ids();
        int aLen = xlmr.encode(a, false).length();
        int bLen = xlmr.encode(b, false).length();
        assertEquals(aLen + bLen + 4, full.length());
        int keepB = Math.min(bLen, 3);
        int keepA = 6 - keepB;
        int[] expected = new int[10];
        expected[0] = 0;
        System.arraycopy(f, 1, expected, 1, keepA);
        expected[1 + keepA] = 2;
        expected[2 + keepA] = 2;
        System.arraycopy(f, 3 + aLen, expected, 3 + keepA, keepB);
        expected[9] = 2;
        assertArrayEquals(expected, cut.ids());
        assertThrows(IllegalArgumentException.class, () -> xlmr.encodePair(a, b, 3));
        assertThrows(IllegalArgumentException.class, () -> xlmr.encode(a, 1));
        assertArrayEquals(new int[] {0, 2}, xlmr.encode(a, 2).ids());
    }

    @Test
    void metaspaceMergesEachReplacementWithWhatFollows() {
        var always = new MetaspacePreTokenizer('\u2581', MetaspacePreTokenizer.PrependScheme.ALWAYS, true);
        // Rust's multiple_spaces test.
        assertEquals(List.of("\u2581Hey", "\u2581", "\u2581", "\u2581friend!"), always.preTokenize("Hey   friend!", true));
        assertEquals(List.of("\u2581a", "\u2581", "\u2581b"), always.preTokenize("\u2581a\u2581\u2581b", false));
        var first = new MetaspacePreTokenizer('\u2581', MetaspacePreTokenizer.PrependScheme.FIRST, true);
        assertEquals(List.of("how", "\u2581are"), first.preTokenize("how are", false));
        assertEquals(List.of("\u2581how", "\u2581are"), first.preTokenize("how are", true));
        var never = new MetaspacePreTokenizer('\u2581', MetaspacePreTokenizer.PrependScheme.NEVER, false);
        assertEquals(List.of("how\u2581are\u2581"), never.preTokenize("how are ", true));
    }

    @Test
    void precompiledCharsmapUsesTheShortestRuleForShortClusters() throws Exception {
        var root = Reference.fixtureTokenizerJson("tiny-xlmr-ko");
        byte[] bytes = java.util.Base64.getDecoder().decode(
                root.get("normalizer").get("normalizers").get(0).get("precompiled_charsmap").asText());
        PrecompiledCharsmap map = new PrecompiledCharsmap(bytes);
        assertEquals("1", map.transform("\u2460"));           // NFKC of ①
        assertEquals("A", map.normalize("\uff21"));           // fullwidth A
        assertEquals("1", map.normalize("\u2460\u0301"));     // 5-byte cluster: the accent goes with it
        assertEquals("kg", map.normalize("\u338f\u0308"));     // ㎏ + diaeresis: 5 bytes, same story
assertEquals("\u00e9", map.normalize("e\u0301"));      // a 3-byte cluster with its own rule: composed
        assertEquals("e\u0301\u0301\u0301", map.normalize("e\u0301\u0301\u0301")); // 7 bytes: per character
        assertEquals("\u0000", map.normalize("\u0000"));      // NUL stops the lookup: kept
        assertEquals("", map.normalize(""));
        assertThrows(IllegalArgumentException.class, () -> new PrecompiledCharsmap(new byte[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> new PrecompiledCharsmap(new byte[] {8, 0, 0, 0, 1}));
    }

    @Test
    void lowercaseIsPerCharacter() {
        assertEquals("i\u0307\u03c3\u03c3", new LowercaseNormalizer().normalize("\u0130\u03a3\u03a3"));
    }

    @Test
    void stripUsesUnicodeWhiteSpace() {
        var strip = new StripNormalizer(true, true);
        assertEquals("\u200bx\ufeff", strip.normalize("\u3000\u00a0 \u200bx\ufeff\u2028\u0085"));
        assertEquals("x\u001c", strip.normalize("x\u001c")); // Java's isWhitespace would strip U+001C
    }

    @Test
    void publicLookups() {
        assertEquals(1, xlmr.padId());
        assertEquals(8002, xlmr.vocabSize());
        assertEquals(OptionalInt.of(4), xlmr.tokenToId("\u2581"));
        assertEquals(OptionalInt.empty(), xlmr.tokenToId("no such piece"));
        assertEquals("<mask>", xlmr.idToToken(8001));
        assertEquals("\u2581", xlmr.idToToken(4));
        assertNull(xlmr.idToToken(8002));
        assertNull(xlmr.idToToken(-1));
        Encoding plain = xlmr.encode("안녕", false);
        assertTrue(plain.ids()[0] != 0 && plain.ids()[plain.length() - 1] != 2);
        assertArrayEquals(new int[0], xlmr.encode("", false).ids());
    }

    private static int countOf(int[] values, int v) {
        int n = 0;
        for (int x : values) {
            if (x == v) {
                n++;
            }
        }
        return n;
    }
}
