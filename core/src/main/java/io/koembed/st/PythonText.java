package io.koembed.st;

/**
 * Python's {@code str} semantics where sentence-transformers applies them to a text before tokenizing.
 * Java's {@link String#strip()} uses {@link Character#isWhitespace}, which differs from Python's
 * {@code str.isspace()}: Python strips U+00A0, U+2007, U+202F and U+0085 (Java does not), and both keep
 * U+200B and U+FEFF. Getting this wrong changes the token ids of texts that start or end with such characters.
 */
final class PythonText {
    private PythonText() {}

    /** {@code str.isspace()} for one code point: bidirectional class WS, B or S, or general category Zs. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D,     // tab, line feed, vertical tab, form feed, carriage return
                 0x1C, 0x1D, 0x1E, 0x1F,           // information separators (bidi class B / S)
                 0x20, 0x85, 0xA0, 0x1680,
                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** {@code str.strip()} with no arguments. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = s.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    /** {@code str.lower()}: full Unicode lower-casing without locale rules (Java's ROOT locale matches it). */
    static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }
}
