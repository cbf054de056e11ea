package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Differential fuzzing of a tokenizer against the Rust Hugging Face {@code tokenizers} library (through DJL's
 * JNI binding): a seeded generator of hostile strings, the reference tokenizer set up the way a plain
 * {@code tokenizer(text)} call encodes (special tokens on, no truncation, no padding), and a comparison that
 * reports the texts whose ids differ.
 *
 * <p>{@link #compare} takes any {@code Function<String, int[]>}; KoEmbed's side is
 * {@code text -> Tokenizer.fromTokenizerJson(path).encode(text).ids()} (see {@link #main} and
 * {@code TokenizerDifferentialTest}).
 *
 * <h2>Long runs</h2>
 * From the repository root, in bash ({@code bin/find-jdk} sets {@code JAVA_HOME} to a JDK 25):
 * <pre>
 * . bin/find-jdk
 * ./mvnw -q -ntp -pl core test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/test-classpath.txt
 * "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp core/target/classes:core/target/test-classes:$(cat core/target/test-classpath.txt) \
 *     io.koembed.tokenize.TokenizerFuzz --tokenizer testdata/fixtures/tiny-xlmr-ko/tokenizer.json \
 *     --count 1000000 --seed 7
 * </pre>
 * Exit status 0: no mismatch; 1: mismatches (the first {@code --show} are printed); 2: bad arguments.
 *
 * <h2>What the generator never makes, and why</h2>
 * Unpaired surrogates: Python cannot hand them to the Rust tokenizer at all, and DJL silently drops or replaces
 * them on the way into Rust (checked: "a", U+D800, "b" encodes like "a b"), so there is no reference
 * behaviour to compare with. Everything else passes through DJL intact, NUL and supplementary characters
 * included (TokenizerFuzzTest checks every generated string byte for byte through a byte-level tokenizer).
 */
public final class TokenizerFuzz {

    private TokenizerFuzz() {}

    // ================================================================================================================
    // Generator

    /** The kinds of segment a generated string is made of. */
    public enum Category {
        HANGUL, HANGUL_JAMO, LATIN_COMBINING, CJK, JAPANESE, ARABIC_HEBREW, INDIC_THAI, EMOJI, ANY_PLANE,
        WHITESPACE, CONTROL, NFKC_COMPAT, SPECIAL_TOKEN, PUNCT_RUN, LONG_WORD, ASCII
    }

    /** A generated text and the categories of the segments it was built from. */
    public record Sample(String text, Set<Category> categories) {}

    /** Deterministic for a seed on every JVM: java.util.Random's algorithm is specified; no hash ordering used. */
    public static List<String> generate(long seed, int count) {
        return generateSamples(seed, count).stream().map(Sample::text).toList();
    }

    public static List<Sample> generateSamples(long seed, int count) {
        Generator g = new Generator(seed);
        List<Sample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(g.next());
        }
        return out;
    }

    /** Hand-picked inputs every run should include (empty, whitespace-only, lone specials, boundaries, ...). */
    public static List<String> edgeCases() {
        return List.of("", " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "\u2028", "\u0085", "\u200B", "\uFEFF",
                "\u180E", "\u0000", "a\u0000b", "\u001C\u001D\u001E\u001F", "\u007F", " \u0000 ",
                "<s>", "</s>", "<pad>", "<unk>", "<mask>", " <mask>", "<mask> ", "  <mask>  ", "a<mask>b", "a <mask> b",
                "<s></s>", "<s> </s>", "<ma", "</s", "<mask", "mask>", "<<mask>>", "<MASK>", "\u2581", "\u2581\u2581",
                " \u2581 ", "\u2581<mask>", "가", " 가", "가 ", "가  나", "가\u3000나", "ㄱ", "\u1100\u1161", "\u1100\u1161\u11A8",
                "가\u11A8", "\u115F\u1160", "\u3164", "①", "㎏", "ﬁ", "ｶﾞ", "\uFDFA", "\uD835\uDC00",
                "😀", "👍🏽", "👨\u200D👩\u200D👧\u200D👦", "🇰🇷", "🇰", "1\uFE0F\u20E3",
                "\uD83C\uDFF4\uDB40\uDC67\uDB40\uDC62\uDB40\uDC65\uDB40\uDC6E\uDB40\uDC67\uDB40\uDC7F",
                "\uDBFF\uDFFF", "\uDB80\uDC00", "\uFFFF", "\uFFFD", "e\u0301", "\u0301", "a".repeat(1000),
                "가".repeat(500), "가 ".repeat(600), "!".repeat(300), "안녕하세요. 반갑습니다!");
    }

    /** Makes one hostile string per {@link #next()}; the same seed gives the same sequence. */
    public static final class Generator {
        private static final Category[] CATEGORIES = Category.values();
        // relative weights, in Category order
        private static final int[] WEIGHTS = {20, 8, 6, 5, 5, 4, 4, 8, 5, 6, 5, 8, 8, 5, 2, 10};
        private static final int TOTAL_WEIGHT = Arrays.stream(WEIGHTS).sum();

        private final Random r;

        public Generator(long seed) {
            r = new Random(seed);
        }

        public Sample next() {
            EnumSet<Category> used = EnumSet.noneOf(Category.class);
            StringBuilder sb = new StringBuilder();
            int roll = r.nextInt(100);
            if (roll == 0) {
                return new Sample("", Set.of());
            }
            if (roll == 1) {
                whitespace(sb);
                return new Sample(sb.toString(), Collections.unmodifiableSet(EnumSet.of(Category.WHITESPACE)));
            }
            if (chance(0.1)) {
                whitespace(sb);
                used.add(Category.WHITESPACE);
            }
            int segments = 1 + r.nextInt(3) + (chance(0.3) ? r.nextInt(4) : 0);
            for (int i = 0; i < segments; i++) {
                if (i > 0) {
                    int j = r.nextInt(10);
                    if (j < 5) {
                        sb.append(' ');
                    } else if (j < 8) {
                        // nothing: segments touch
                    } else {
                        whitespace(sb);
                        used.add(Category.WHITESPACE);
                    }
                }
                Category c = pickCategory();
                used.add(c);
                segment(c, sb);
            }
            if (chance(0.1)) {
                whitespace(sb);
                used.add(Category.WHITESPACE);
            }
            return new Sample(sb.toString(), Collections.unmodifiableSet(used));
        }

        private Category pickCategory() {
            int x = r.nextInt(TOTAL_WEIGHT);
            for (int i = 0; i < WEIGHTS.length; i++) {
                x -= WEIGHTS[i];
                if (x < 0) {
                    return CATEGORIES[i];
                }
            }
            throw new AssertionError();
        }

        private void segment(Category c, StringBuilder sb) {
            switch (c) {
                case HANGUL -> hangul(sb);
                case HANGUL_JAMO -> jamo(sb);
                case LATIN_COMBINING -> latinCombining(sb);
                case CJK -> cjk(sb);
                case JAPANESE -> japanese(sb);
                case ARABIC_HEBREW -> arabicHebrew(sb);
                case INDIC_THAI -> indicThai(sb);
                case EMOJI -> emoji(sb);
                case ANY_PLANE -> anyPlane(sb);
                case WHITESPACE -> whitespace(sb);
                case CONTROL -> control(sb);
                case NFKC_COMPAT -> compat(sb);
                case SPECIAL_TOKEN -> specialToken(sb);
                case PUNCT_RUN -> punctRun(sb);
                case LONG_WORD -> longWord(sb);
                case ASCII -> ascii(sb);
            }
        }

        // ---- helpers

        private boolean chance(double p) {
            return r.nextDouble() < p;
        }

        /** Uniform in [lo, hi], both inclusive. */
        private int between(int lo, int hi) {
            return lo + r.nextInt(hi - lo + 1);
        }

        private String pick(String[] a) {
            return a[r.nextInt(a.length)];
        }

        /** A code point from one of the inclusive ranges {lo0, hi0, lo1, hi1, ...}, the ranges equally likely. */
        private int fromRanges(int... ranges) {
            int k = r.nextInt(ranges.length / 2);
            return between(ranges[2 * k], ranges[2 * k + 1]);
        }

        private void cp(StringBuilder sb, int codePoint) {
            if (codePoint >= 0xD800 && codePoint <= 0xDFFF) {
                throw new AssertionError("surrogate " + Integer.toHexString(codePoint));
            }
            sb.appendCodePoint(codePoint);
        }

        // ---- categories

        private static final String[] PARTICLES = {"은", "는", "이", "가", "을", "를", "에", "에서", "으로", "의", "도",
            "와", "과", "하다", "했습니다", "입니다", "요"};
        private static final String[] SENTENCE_END = {".", "?", "!", "...", "~", "!!", "?!", "", ""};

        /** Frequent syllables, so that words often have several segmentations in the vocabulary. */
        private static final String COMMON_SYLLABLES = "가나다라마바사아자차카타파하고는은이을를의에서로도와과한"
                + "대전국인일사람시간것수있없하다되었습니다그리고지기리정제부주장상성자학생회사문화경제정치"
                + "서울한국우리나라오늘내일어제좋아요많이너무정말조금영화음식여행친구가족남자여자아이";

        private void hangul(StringBuilder sb) {
            int words = 1 + r.nextInt(4);
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    sb.append(' ');
                }
                int n = 1 + r.nextInt(6);
                boolean common = chance(0.6);
                for (int i = 0; i < n; i++) {
                    if (common) {
                        sb.append(COMMON_SYLLABLES.charAt(r.nextInt(COMMON_SYLLABLES.length())));
                    } else {
                        cp(sb, 0xAC00 + r.nextInt(11172));
                    }
                }
                if (chance(0.4)) {
                    sb.append(pick(PARTICLES));
                }
                if (chance(0.1)) {
                    sb.append(between(0, 2024));
                }
            }
            sb.append(pick(SENTENCE_END));
        }

        private void jamo(StringBuilder sb) {
            int n = 1 + r.nextInt(5);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(10)) {
                    case 0, 1 -> { // conjoining L V (T): NFKC composes it into a syllable
                        cp(sb, between(0x1100, 0x1112));
                        cp(sb, between(0x1161, 0x1175));
                        if (chance(0.5)) {
                            cp(sb, between(0x11A8, 0x11C2));
                        }
                    }
                    case 2 -> { // an LV syllable followed by a conjoining T: composes into LVT
                        cp(sb, 0xAC00 + 28 * r.nextInt(399));
                        cp(sb, between(0x11A8, 0x11C2));
                    }
                    case 3 -> cp(sb, fromRanges(0x1100, 0x1112, 0x1161, 0x1175, 0x11A8, 0x11C2)); // lone jamo
                    case 4 -> cp(sb, fromRanges(0x1113, 0x115E, 0x1176, 0x11A7, 0x11C3, 0x11FF, 0xA960, 0xA97C,
                            0xD7B0, 0xD7C6, 0xD7CB, 0xD7FB)); // archaic jamo
                    case 5 -> cp(sb, new int[] {0x115F, 0x1160, 0x3164, 0xFFA0}[r.nextInt(4)]); // fillers
                    case 6, 7 -> { // compatibility jamo, often repeated (ㅋㅋㅋ, ㅠㅠ)
                        int c = between(0x3131, 0x318E);
                        int k = chance(0.5) ? 1 : between(2, 8);
                        for (int j = 0; j < k; j++) {
                            cp(sb, c);
                        }
                    }
                    case 8 -> cp(sb, fromRanges(0xFFA1, 0xFFBE, 0xFFC2, 0xFFC7, 0xFFCA, 0xFFCF, 0xFFD2, 0xFFD7,
                            0xFFDA, 0xFFDC)); // halfwidth jamo
                    default -> cp(sb, fromRanges(0x3200, 0x321E, 0x3260, 0x327E)); // parenthesized/circled Hangul
                }
            }
        }

        private void latinCombining(StringBuilder sb) {
            if (chance(0.1)) {
                cp(sb, between(0x0300, 0x036F)); // a mark with nothing to attach to
            }
            int n = 1 + r.nextInt(8);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(6)) {
                    case 0, 1, 2 -> cp(sb, chance(0.5) ? between('a', 'z') : between('A', 'Z'));
                    case 3 -> {
                        int c;
                        do {
                            c = between(0x00C0, 0x00FF);
                        } while (c == 0xD7 || c == 0xF7);
                        cp(sb, c);
                    }
                    case 4 -> cp(sb, fromRanges(0x0100, 0x017F, 0x1E00, 0x1EFF, 0x0180, 0x024F));
                    default -> cp(sb, new int[] {0xDF, 0x1E9E, 0x1C5, 0x130, 0x131, 0x149, 0x1F0}[r.nextInt(7)]);
                }
                if (chance(0.3)) {
                    int marks = 1 + r.nextInt(3);
                    for (int m = 0; m < marks; m++) {
                        cp(sb, fromRanges(0x0300, 0x036F, 0x0300, 0x036F, 0x1AB0, 0x1ACE, 0x1DC0, 0x1DFF, 0x20D0,
                                0x20F0));
                    }
                }
            }
        }

        private void cjk(StringBuilder sb) {
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(10);
                if (k < 5) {
                    cp(sb, between(0x4E00, 0x9FFF));
                } else {
                    cp(sb, switch (k) {
                        case 5 -> between(0x3400, 0x4DBF); // extension A
                        case 6 -> fromRanges(0x20000, 0x2A6DF, 0x2A700, 0x2EBE0, 0x30000, 0x3134A); // B..G
                        case 7 -> fromRanges(0xF900, 0xFAD9, 0x2F800, 0x2FA1D); // compatibility ideographs
                        case 8 -> between(0x2F00, 0x2FD5); // Kangxi radicals
                        default -> fromRanges(0x3001, 0x303F, 0xFF5F, 0xFF65); // CJK punctuation
                    });
                }
            }
        }

        private void japanese(StringBuilder sb) {
            int n = 1 + r.nextInt(8);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(8)) {
                    case 0, 1, 2 -> cp(sb, between(0x3041, 0x3096)); // hiragana
                    case 3, 4 -> cp(sb, between(0x30A1, 0x30FA)); // katakana
                    case 5 -> cp(sb, new int[] {0x30FC, 0x3099, 0x309A, 0x309B, 0x309C, 0x30FB}[r.nextInt(6)]);
                    case 6 -> { // halfwidth katakana, sometimes with a halfwidth (semi-)voiced mark
                        cp(sb, between(0xFF66, 0xFF9D));
                        if (chance(0.4)) {
                            cp(sb, chance(0.5) ? 0xFF9E : 0xFF9F);
                        }
                    }
                    default -> cp(sb, between(0x4E00, 0x9FFF));
                }
            }
        }

        private void arabicHebrew(StringBuilder sb) {
            int n = 1 + r.nextInt(8);
            boolean arabic = r.nextBoolean();
            for (int i = 0; i < n; i++) {
                if (arabic) {
                    switch (r.nextInt(8)) {
                        case 0, 1, 2, 3 -> cp(sb, between(0x0621, 0x064A));
                        case 4 -> cp(sb, between(0x064B, 0x0652)); // harakat
                        case 5 -> cp(sb, fromRanges(0x0660, 0x0669, 0x06F0, 0x06F9)); // digits
                        case 6 -> cp(sb, fromRanges(0xFB50, 0xFDFF, 0xFE70, 0xFEFC)); // presentation forms
                        default -> cp(sb, new int[] {0x0640, 0x061C, 0x200E, 0x200F, 0x202E, 0x202C, 0x060C,
                            0x061F}[r.nextInt(8)]);
                    }
                } else {
                    switch (r.nextInt(6)) {
                        case 0, 1, 2 -> cp(sb, between(0x05D0, 0x05EA));
                        case 3 -> cp(sb, between(0x05B0, 0x05C7)); // points
                        case 4 -> cp(sb, fromRanges(0xFB1D, 0xFB4F)); // presentation forms
                        default -> cp(sb, new int[] {0x200E, 0x200F, 0x05BE, 0x05F3, 0x05F4}[r.nextInt(5)]);
                    }
                }
            }
        }

        private void indicThai(StringBuilder sb) {
            int n = 1 + r.nextInt(8);
            boolean devanagari = r.nextBoolean();
            for (int i = 0; i < n; i++) {
                if (devanagari) {
                    switch (r.nextInt(9)) {
                        case 0, 1, 2 -> cp(sb, between(0x0915, 0x0939));
                        case 3 -> cp(sb, between(0x0905, 0x0914));
                        case 4 -> cp(sb, between(0x093E, 0x094C)); // matras
                        case 5 -> { // virama, sometimes with ZWJ/ZWNJ
                            cp(sb, 0x094D);
                            if (chance(0.5)) {
                                cp(sb, chance(0.5) ? 0x200D : 0x200C);
                            }
                        }
                        case 6 -> cp(sb, new int[] {0x093C, 0x0902, 0x0901, 0x0903, 0x0964}[r.nextInt(5)]);
                        case 7 -> cp(sb, between(0x0966, 0x096F));
                        default -> cp(sb, between(0x0958, 0x095F)); // NFC-excluded nukta letters
                    }
                } else {
                    switch (r.nextInt(6)) {
                        case 0, 1, 2 -> cp(sb, between(0x0E01, 0x0E2E));
                        case 3 -> cp(sb, fromRanges(0x0E30, 0x0E3A, 0x0E40, 0x0E45));
                        case 4 -> cp(sb, between(0x0E48, 0x0E4B)); // tone marks
                        default -> cp(sb, fromRanges(0x0E50, 0x0E59, 0x0E33, 0x0E33)); // digits, SARA AM
                    }
                }
            }
        }

        private void emoji(StringBuilder sb) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(9)) {
                    case 0, 1 -> cp(sb, fromRanges(0x1F600, 0x1F64F, 0x1F300, 0x1F5FF, 0x1F680, 0x1F6FF, 0x1F900,
                            0x1F9FF));
                    case 2 -> { // BMP symbols with or without a variation selector
                        cp(sb, between(0x2600, 0x27BF));
                        if (chance(0.5)) {
                            cp(sb, chance(0.7) ? 0xFE0F : 0xFE0E);
                        }
                    }
                    case 3 -> { // skin tones
                        cp(sb, fromRanges(0x1F44A, 0x1F450, 0x1F466, 0x1F469, 0x270A, 0x270D));
                        cp(sb, between(0x1F3FB, 0x1F3FF));
                    }
                    case 4 -> { // ZWJ sequences: families, professions, rainbow flag
                        int k = 2 + r.nextInt(3);
                        for (int j = 0; j < k; j++) {
                            if (j > 0) {
                                cp(sb, 0x200D);
                            }
                            cp(sb, fromRanges(0x1F466, 0x1F469, 0x1F4BB, 0x1F4BB, 0x1F308, 0x1F308, 0x2764, 0x2764));
                            if (chance(0.3)) {
                                cp(sb, chance(0.5) ? 0xFE0F : between(0x1F3FB, 0x1F3FF));
                            }
                        }
                    }
                    case 5 -> { // flags: regional indicator pairs (sometimes a lone one, or KR)
                        int k = chance(0.2) ? 1 : 2;
                        if (chance(0.3)) {
                            cp(sb, 0x1F1F0);
                            cp(sb, 0x1F1F7);
                        } else {
                            for (int j = 0; j < k; j++) {
                                cp(sb, between(0x1F1E6, 0x1F1FF));
                            }
                        }
                    }
                    case 6 -> { // keycaps
                        cp(sb, "0123456789#*".charAt(r.nextInt(12)));
                        if (chance(0.7)) {
                            cp(sb, 0xFE0F);
                        }
                        cp(sb, 0x20E3);
                    }
                    case 7 -> { // tag sequence (subdivision flags)
                        cp(sb, 0x1F3F4);
                        for (char ch : (chance(0.5) ? "gbeng" : "gbsct").toCharArray()) {
                            cp(sb, 0xE0000 + ch);
                        }
                        cp(sb, 0xE007F);
                    }
                    default -> { // emoji glued to Hangul
                        cp(sb, 0xAC00 + r.nextInt(11172));
                        cp(sb, between(0x1F600, 0x1F64F));
                    }
                }
            }
        }

        private void anyPlane(StringBuilder sb) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                int c;
                switch (r.nextInt(10)) {
                    case 0, 1 -> { // anywhere at all (planes 0..16)
                        do {
                            c = r.nextInt(0x110000);
                        } while (c >= 0xD800 && c <= 0xDFFF);
                    }
                    case 2 -> c = between(0x0000, 0xFFFF); // the BMP (a surrogate is moved out of the way below)
                    case 3 -> c = between(0x10000, 0x1FFFF); // SMP
                    case 4 -> c = between(0x20000, 0x3FFFF); // SIP, TIP
                    case 5 -> c = between(0x40000, 0xDFFFF); // unassigned planes 4..13
                    case 6 -> c = fromRanges(0xE0000, 0xE007F, 0xE0100, 0xE01EF); // tags, variation selectors
                    case 7 -> c = fromRanges(0xE000, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD); // private use
                    case 8 -> c = new int[] {0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x10FFFF, 0xFDD0, 0xFDEF, 0xFFFD,
                        0x0378, 0x0379, 0x0530, 0x2FE0, 0x2FEF, 0xFFF0, 0x1E7FF}[r.nextInt(15)]; // nonchar/unassigned
                    default -> c = fromRanges(0xFDD0, 0xFDEF, 0x2FE0, 0x2FEF, 0x0870, 0x089F);
                }
                if (c >= 0xD800 && c <= 0xDFFF) {
                    c = 0xFFFD - (c & 0xFF);
                }
                cp(sb, c);
            }
        }

        private static final String[] SPACES = {"\t", "\n", "\r", "\r\n", "\u000B", "\u000C", "\u00A0", "\u1680",
            "\u2000", "\u2002", "\u2003", "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000",
            "\u0085", "\u200B", "\uFEFF", "\u180E", "\u2060", "\u001C", "\u001D", "\u001E", "\u001F"};

        private void whitespace(StringBuilder sb) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                if (chance(0.4)) {
                    sb.append(" ".repeat(1 + r.nextInt(chance(0.2) ? 20 : 4)));
                } else {
                    sb.append(pick(SPACES));
                }
            }
        }

        private void control(StringBuilder sb) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                cp(sb, switch (r.nextInt(8)) {
                    case 0 -> 0x0000;
                    case 1 -> between(0x001C, 0x001F);
                    case 2 -> between(0x0001, 0x001F);
                    case 3 -> 0x007F;
                    case 4 -> between(0x0080, 0x009F);
                    case 5 -> new int[] {0x00AD, 0x034F, 0x061C, 0x200C, 0x200D, 0x200E, 0x200F, 0x2066, 0x2069,
                        0x202A, 0x202E, 0xFFF9, 0xFFFB, 0xE0001}[r.nextInt(14)];
                    case 6 -> between(0x2060, 0x2064);
                    default -> between(0x0000, 0x0008);
                });
                if (chance(0.5)) {
                    sb.append(chance(0.5) ? "a" : "가");
                }
            }
        }

        private static final String[] COMPAT = {"①", "②", "⑳", "⑴", "⒜", "Ⓐ", "ⓐ", "㎏", "㎡", "㎞", "㎖", "㏈", "㏂",
            "ﬁ", "ﬂ", "ﬀ", "ﬃ", "ﬅ", "ｶ", "ﾞ", "ｶﾞ", "ﾊﾟ", "ｱｲｳ", "Ａ", "ｚ", "０", "９", "！", "？", "（", "）", "～",
            "￦", "￥", "￠", "²", "³", "¹", "ⁿ", "₂", "Ⅻ", "ⅷ", "㈜", "㈱", "㉠", "㉮", "㊀", "㊙", "℃", "℉", "™", "℡",
            "\u212B", "\u2126", "\u212A", "½", "¼", "⅓", "‥", "…", "ſ", "ǆ", "Ǳ", "µ", "ㄱ", "ㅎ", "ㆍ", "︵", "﹏", "﹙",
            "︰", "ℌ", "\uD835\uDC00", "\uD835\uDFD8", "ｈｅｌｌｏ", "㍻", "㋿", "㌀", "\uFDFA", "\uFDFB", "ㄽ", "ㅥ",
            "\u1E9B\u0323", "\u0385", "\u2019", "\u201C", "\u2033", "\u00B4", "\u02DC", "\u00A8", "\u00AF", "\u2474",
            "\u3392", "\u33FF", "\uFF0E", "\uFE52", "\u2024", "\u00BE", "\uFB01x", "\u01C4", "\u0132", "\u2160"};

        private void compat(StringBuilder sb) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                if (chance(0.2)) {
                    int k = 1 + r.nextInt(6);
                    for (int j = 0; j < k; j++) {
                        cp(sb, between(0xFF01, 0xFF5E)); // fullwidth ASCII
                    }
                } else {
                    sb.append(pick(COMPAT));
                }
            }
        }

        private static final String[] SPECIALS = {"<s>", "</s>", "<pad>", "<unk>", "<mask>", "<mask>", "<mask>",
            "<ma", "</s", "<s", "s>", "mask>", "<mask", "<MASK>", "< s>", "<s >", "<<s>>", "<s></s>",
            "<mask><mask>", "<pad><pad>", "</s></s>", "<unk>x", "<", ">", "</", "/>", "<m", "<pad", "unk>", "<\u2581>"};

        private void specialToken(StringBuilder sb) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                spacesAround(sb);
                if (chance(0.2)) {
                    cp(sb, 0xAC00 + r.nextInt(11172));
                }
                sb.append(pick(SPECIALS));
                if (chance(0.2)) {
                    cp(sb, 0xAC00 + r.nextInt(11172));
                }
                spacesAround(sb);
            }
        }

        private void spacesAround(StringBuilder sb) {
            switch (r.nextInt(6)) {
                case 0 -> sb.append(' ');
                case 1 -> sb.append(" ".repeat(2 + r.nextInt(3)));
                case 2 -> sb.append(pick(SPACES));
                default -> { } // none
            }
        }

        private static final String[] PUNCT = {"!", "?", ".", ",", "~", "-", "_", "=", "+", "*", "#", "@", "$", "%",
            "^", "&", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "|", ":", ";", "'", "\"", "`", "…", "·",
            "•", "—", "–", "ㅋ", "ㅎ", "ㅠ", "ㅜ", "^^", "。", "、", "！", "？", "♡", "♥", "★", "▁"};

        private void punctRun(StringBuilder sb) {
            if (chance(0.6)) {
                sb.append(pick(PUNCT).repeat(2 + r.nextInt(chance(0.2) ? 60 : 8)));
            } else {
                int n = 2 + r.nextInt(30);
                for (int i = 0; i < n; i++) {
                    sb.append(pick(PUNCT));
                }
            }
        }

        private void longWord(StringBuilder sb) {
            int n = 50 + r.nextInt(350);
            switch (r.nextInt(7)) {
                case 0 -> {
                    for (int i = 0; i < n; i++) {
                        cp(sb, 0xAC00 + r.nextInt(11172));
                    }
                }
                case 1 -> {
                    for (int i = 0; i < n; i++) {
                        cp(sb, between('a', 'z'));
                    }
                }
                case 2 -> {
                    for (int i = 0; i < n; i++) {
                        cp(sb, between('0', '9'));
                    }
                }
                case 3 -> sb.append(pick(new String[] {"a", "가", "ㅋ", "x", "é", "😀"}).repeat(n));
                case 4 -> {
                    sb.append("https://example.com/");
                    for (int i = 0; i < n; i++) {
                        sb.append("abcdefghijklmnopqrstuvwxyz0123456789/-_.?=&%가나다".charAt(r.nextInt(47)));
                    }
                }
                case 5 -> {
                    for (int i = 0; i < n; i++) {
                        int k = r.nextInt(3);
                        cp(sb, k == 0 ? 0xAC00 + r.nextInt(11172) : k == 1 ? between('a', 'z') : between('0', '9'));
                    }
                }
                default -> {
                    for (int i = 0; i < n / 4; i++) {
                        cp(sb, between(0x4E00, 0x9FFF));
                        cp(sb, between(0x3041, 0x3096));
                    }
                }
            }
        }

        private static final String[] WORDS = {"the", "a", "Hello", "world", "KoEmbed", "Java", "e5", "base",
            "korean", "XLM-R", "iPhone", "COVID-19", "don't", "U.S.A.", "e-mail", "test@example.com", "3.14", "1,000",
            "100%", "$5", "#tag", "@user", "C++", "naïve", "OK"};

        private void ascii(StringBuilder sb) {
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                switch (r.nextInt(4)) {
                    case 0 -> sb.append(pick(WORDS));
                    case 1 -> sb.append(r.nextInt(chance(0.3) ? 1_000_000 : 100));
                    default -> {
                        int len = 1 + r.nextInt(10);
                        for (int j = 0; j < len; j++) {
                            cp(sb, chance(0.8) ? between('a', 'z') : between('A', 'Z'));
                        }
                    }
                }
                if (chance(0.2)) {
                    sb.append(pick(new String[] {",", ".", "!", "?", ":", ";", "'s"}));
                }
            }
        }
    }

    // ================================================================================================================
    // Reference (Rust HF tokenizers through DJL)

    /**
     * The Rust tokenizer for a tokenizer.json, set up as a plain {@code tokenizer(text)} call encodes: special
     * tokens added, no truncation, no padding. DJL's own defaults are NOT that: it truncates to 512 tokens
     * (LONGEST_FIRST with its modelMaxLength 512 when the file sets no truncation) and pads batches to the longest,
     * so both are switched off explicitly and checked.
     */
    public static HuggingFaceTokenizer reference(Path tokenizerJson) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("no tokenizer.json at " + tokenizerJson);
        }
        HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerJson)
                .optAddSpecialTokens(true)
                .optTruncation(false)
                .optPadding(false)
                .build();
        if (!t.getTruncation().equals("DO_NOT_TRUNCATE") || !t.getPadding().equals("DO_NOT_PAD")) {
            String state = t.getTruncation() + "/" + t.getPadding();
            t.close();
            throw new IllegalStateException("DJL did not switch truncation and padding off: " + state);
        }
        return t;
    }

    /** The reference ids of one text. */
    public static int[] referenceIds(HuggingFaceTokenizer reference, String text) {
        return toInts(reference.encode(text).getIds());
    }

    static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    // ================================================================================================================
    // Comparison

    /**
     * One text whose ids differ, or where a side threw.
     *
     * @param index          the text's position in the compared sequence
     * @param expected       the reference ids (null when the reference threw)
     * @param expectedTokens the reference's token strings (null when it threw)
     * @param actual         our ids (null when we threw)
     * @param error          what was thrown, or null
     */
    public record Mismatch(long index, String text, int[] expected, String[] expectedTokens, int[] actual,
                           String error) {
        /** The first position where the id arrays differ (the shorter length when one is a prefix), or -1. */
        public int firstDifference() {
            if (expected == null || actual == null) {
                return -1;
            }
            int d = Arrays.mismatch(expected, actual);
            return d;
        }

        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append('#').append(index).append(" text=\"").append(escape(text)).append("\" (")
                    .append(text.codePointCount(0, text.length())).append(" code points)\n");
            if (error != null) {
                sb.append("    error: ").append(error).append('\n');
            }
            int d = firstDifference();
            int from = d < 0 ? 0 : Math.max(0, d - 8);
            if (expected != null) {
                sb.append("    rust   ").append(window(expected, from)).append('\n');
            }
            if (actual != null) {
                sb.append("    koembed").append(window(actual, from)).append('\n');
            }
            if (expectedTokens != null && d >= 0 && d < expectedTokens.length) {
                sb.append("    first difference at position ").append(d).append(", rust token there: \"")
                        .append(escape(expectedTokens[d])).append("\"\n");
            } else if (d >= 0) {
                sb.append("    first difference at position ").append(d).append('\n');
            }
            return sb.toString();
        }

        private static String window(int[] ids, int from) {
            int to = Math.min(ids.length, from + 40);
            StringBuilder sb = new StringBuilder(" (" + ids.length + " ids) [");
            if (from > 0) {
                sb.append("... ");
            }
            for (int i = from; i < to; i++) {
                sb.append(i > from ? ", " : "").append(ids[i]);
            }
            return sb.append(to < ids.length ? " ...]" : "]").toString();
        }
    }

    /**
     * The outcome of a comparison.
     *
     * @param compared   how many texts were compared
     * @param mismatches how many differed (or threw)
     * @param first      the first mismatches, at most as many as asked for
     */
    public record Report(long compared, long mismatches, List<Mismatch> first) {
        public boolean ok() {
            return mismatches == 0;
        }

        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(mismatches).append(" of ").append(compared).append(" texts differ from the Rust tokenizer");
            if (mismatches > first.size()) {
                sb.append(" (first ").append(first.size()).append(" shown)");
            }
            sb.append('\n');
            for (Mismatch m : first) {
                sb.append(m.describe());
            }
            return sb.toString();
        }

        /** This report followed by another over later texts. */
        public Report plus(Report later, int keep) {
            List<Mismatch> all = new ArrayList<>(first);
            for (Mismatch m : later.first) {
                if (all.size() < keep) {
                    all.add(m);
                }
            }
            return new Report(compared + later.compared, mismatches + later.mismatches, List.copyOf(all));
        }
    }

    /** Compares ids text by text; keeps the first {@code keep} mismatches. Never stops at an exception. */
    public static Report compare(List<String> texts, Function<String, int[]> ours, HuggingFaceTokenizer reference,
                                 int keep) {
        return compare(texts, 0, ours, reference, keep);
    }

    /** As {@link #compare(List, Function, HuggingFaceTokenizer, int)}, numbering the texts from {@code firstIndex}. */
    public static Report compare(List<String> texts, long firstIndex, Function<String, int[]> ours,
                                 HuggingFaceTokenizer reference, int keep) {
        List<Mismatch> first = new ArrayList<>();
        long mismatches = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int[] expected = null, actual = null;
            String[] tokens = null;
            String error = null;
            try {
                ai.djl.huggingface.tokenizers.Encoding e = reference.encode(text);
                expected = toInts(e.getIds());
                tokens = e.getTokens();
            } catch (RuntimeException | Error e) {
                error = "the Rust tokenizer threw " + e;
            }
            try {
                actual = ours.apply(text);
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                error = (error == null ? "" : error + "; ") + "KoEmbed threw " + e;
            }
            if (error != null || !Arrays.equals(expected, actual)) {
                mismatches++;
                if (first.size() < keep) {
                    first.add(new Mismatch(firstIndex + i, text, expected, tokens, actual, error));
                }
            }
        }
        return new Report(texts.size(), mismatches, List.copyOf(first));
    }

    /**
     * A text as one line of printable ASCII plus Hangul syllables: everything else, and backslash and quote, as
     * {@code \\u{HEX}} / {@code \\\\} / {@code \\"}, so invisible, combining and whitespace characters show.
     */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(c -> {
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '"') {
                sb.append("\\\"");
            } else if ((c >= 0x20 && c < 0x7F) || (c >= 0xAC00 && c <= 0xD7A3)) {
                sb.append((char) c);
            } else {
                sb.append("\\u{").append(Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)).append('}');
            }
        });
        return sb.toString();
    }

    // ================================================================================================================
    // Long runs

    public static void main(String[] args) throws IOException {
        Path tokenizer = null;
        long count = 100_000, seed = 1;
        int show = 20;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--tokenizer" -> tokenizer = Path.of(args[++i]);
                    case "--count" -> count = Long.parseLong(args[++i]);
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--show" -> show = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (tokenizer == null) {
                throw new IllegalArgumentException("--tokenizer is required");
            }
        } catch (RuntimeException e) {
            System.err.println(e.getMessage() + "\nusage: TokenizerFuzz --tokenizer PATH/tokenizer.json"
                    + " [--count N (100000)] [--seed S (1)] [--show K (20)]");
            System.exit(2);
            return;
        }

        Tokenizer koembed = Tokenizer.fromTokenizerJson(tokenizer);
        Function<String, int[]> ours = text -> koembed.encode(text).ids();
        long start = System.nanoTime();
        try (HuggingFaceTokenizer reference = reference(tokenizer)) {
            Report total = compare(edgeCases(), -edgeCases().size(), ours, reference, show);
            System.out.printf("edge cases: %d of %d differ%n", total.mismatches(), total.compared());
            Generator g = new Generator(seed);
            long done = 0;
            while (done < count) {
                int n = (int) Math.min(10_000, count - done);
                List<String> chunk = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    chunk.add(g.next().text());
                }
                total = total.plus(compare(chunk, done, ours, reference, show), show);
                done += n;
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf("seed %d: %d / %d generated texts compared, %d mismatches so far (%.0f texts/s)%n",
                        seed, done, count, total.mismatches(), done / secs);
            }
            System.out.println("(edge cases are numbered from -" + edgeCases().size() + ", generated texts from 0)");
            System.out.print(total.describe());
            System.exit(total.ok() ? 0 : 1);
        }
    }
}
