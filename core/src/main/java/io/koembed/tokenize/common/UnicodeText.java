package io.koembed.tokenize.common;

/**
 * The few Unicode character predicates the pipeline needs, spelled out once so every component agrees with the
 * Rust library: Rust's {@code char::is_whitespace} and the regex crate's {@code \s} are the Unicode
 * {@code White_Space} property (which {@link Character#isWhitespace} is not: it rejects U+00A0/U+2007/U+202F and
 * accepts U+001C..U+001F), and the regex crate's Unicode {@code \w} is Alphabetic + marks + decimal digits +
 * connector punctuation + Join_Control. Public for the stage packages; not part of KoEmbed's API.
 */
public final class UnicodeText {
    private UnicodeText() {}

    /** Unicode {@code White_Space} (PropList.txt), the set Rust's {@code char::is_whitespace} tests. */
    public static boolean isWhiteSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** The regex crate's Unicode-aware {@code \w} (UTS #18 "word" definition). */
    public static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D; // Join_Control
        };
    }

    /**
     * Replaces every unpaired surrogate by U+FFFD. Java strings may hold them, but the Rust library only ever
     * sees valid UTF-8 (Python refuses to encode a lone surrogate), so there is no reference behaviour to copy;
     * U+FFFD is what any lenient UTF-8 round trip of such a string would hand it. Returns {@code s} itself when
     * it is already well formed (the common case, no copy).
     */
    public static String replaceLoneSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n);
        sb.append(s, 0, i);
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(i + 1));
                i += 2;
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
                i++;
            }
        }
        return sb.toString();
    }
}
