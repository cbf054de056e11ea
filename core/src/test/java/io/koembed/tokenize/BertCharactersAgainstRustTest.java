package io.koembed.tokenize;

import io.koembed.tokenize.common.BertCharacters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.koembed.tokenize.normalizers.BertNormalizer;
import io.koembed.tokenize.pretokenizers.BertPreTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code points (all that are assigned, samples of the rest) through our BertNormalizer and BertPreTokenizer and
 * through the Rust library's, each between two letters ({@code "x" + c + "x"}): the pieces must be the same
 * strings. The
 * Rust side runs behind a byte-level model whose ids are the UTF-8 bytes and whose word ids mark the pieces
 * ({@link Reference#byteLevelTokenizer}). This pins {@link BertCharacters}' tables (controls, punctuation,
 * nonspacing marks as the Rust crate classifies them) and shows where the JDK's Unicode data (NFD, lower-casing)
 * differs from Rust's.
 */
class BertCharactersAgainstRustTest {
    private static final int PER_TEXT = 64;

    /**
     * Letters that Unicode 16 (the JDK's) gives canonical decompositions and the Rust library's normalization
     * tables do not know yet (Vithkuqi, Tulu-Tigalari, Gurung Khema, Kirat Rai, ...): with strip_accents, NFD splits
     * them here and not in Rust. Nothing else differs.
     */
    private static final Set<Integer> UNICODE_16_DECOMPOSITIONS = Set.of(0x105C9, 0x105E4, 0x11383, 0x11385, 0x1138E,
            0x11391, 0x113C5, 0x113C7, 0x113C8, 0x11938, 0x16121, 0x16122, 0x16123, 0x16124, 0x16125, 0x16126, 0x16127,
            0x16128, 0x16D68, 0x16D69, 0x16D6A);

    @TempDir
    Path dir;

    @Test
    void everyCodePointIsNormalizedAndSplitAsInRust() throws Exception {
        // every step on at once: a character removed by clean_text has nothing left for the later steps to get wrong
        Path file = Reference.byteLevelTokenizer(dir.resolve("bert-chars"), Reference.parse(
                        "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
                                + "\"strip_accents\":true,\"lowercase\":true}"),
                Reference.parse("{\"type\":\"BertPreTokenizer\"}"));
        BertNormalizer normalizer = new BertNormalizer(true, true, true, true);
        BertPreTokenizer preTokenizer = new BertPreTokenizer();

        Set<Integer> differing = new TreeSet<>();
        int compared = 0;
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(false).optPadding(false).optTruncation(false).build()) {
            // Every step works character by character, so code points can share a text: "x" c1 "x" c2 "x" ...
            // A text that differs is taken apart code point by code point to name the culprits.
            List<int[]> groups = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            int[] group = new int[PER_TEXT];
            int n = 0;
            for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
                if (isCompared(cp)) {
                    group[n++] = cp;
                }
                if (n == PER_TEXT || (cp == Character.MAX_CODE_POINT && n > 0)) {
                    int[] g = Arrays.copyOf(group, n);
                    groups.add(g);
                    texts.add(between(g));
                    n = 0;
                }
            }
            Encoding[] results = rust.batchEncode(texts);
            for (int t = 0; t < texts.size(); t++) {
                compared += groups.get(t).length;
                if (!pieces(results[t]).equals(preTokenizer.preTokenize(normalizer.normalize(texts.get(t)), true))) {
                    for (int cp : groups.get(t)) {
                        String one = between(new int[] {cp});
                        if (!pieces(rust.encode(one)).equals(preTokenizer.preTokenize(normalizer.normalize(one), true))) {
                            differing.add(cp);
                        }
                    }
                }
            }
        }
        assertEquals(IntStream.rangeClosed(0, Character.MAX_CODE_POINT).filter(
                BertCharactersAgainstRustTest::isCompared).count(), compared);
        assertEquals(hex(UNICODE_16_DECOMPOSITIONS), hex(differing));
    }

    /**
     * Planes 0-3 and 14 whole (everything assigned so far, surrogates aside); of the unassigned planes 4-13 and
     * the private-use planes 15-16, every 97th code point and the last two of each plane (the Rust library passes
     * a text to the JVM token by token, so 1.1 million code points would take over a minute).
     */
    private static boolean isCompared(int cp) {
        if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
            return false;
        }
        int plane = cp >>> 16;
        return plane <= 3 || plane == 14 || cp % 97 == 0 || (cp & 0xFFFE) == 0xFFFE;
    }

    private static String between(int[] codePoints) {
        StringBuilder sb = new StringBuilder("x");
        for (int cp : codePoints) {
            sb.appendCodePoint(cp).append('x');
        }
        return sb.toString();
    }

    private static List<String> hex(Set<Integer> codePoints) {
        return new TreeSet<>(codePoints).stream().map(cp -> String.format("U+%04X", cp)).toList();
    }

    /** The Rust pieces: the bytes of each word id, decoded. */
    private static List<String> pieces(Encoding e) {
        long[] ids = e.getIds();
        long[] words = e.getWordIds();
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= ids.length; i++) {
            if (i == ids.length || words[i] != words[start]) {
                byte[] bytes = new byte[i - start];
                for (int k = start; k < i; k++) {
                    bytes[k - start] = (byte) ids[k];
                }
                out.add(new String(bytes, StandardCharsets.UTF_8));
                start = i;
            }
        }
        return out;
    }
}
