package io.koembed.tokenize.normalizers;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson;
import io.koembed.tokenize.common.UnicodeText;

/**
 * {@code {"type": "Strip", "strip_left": .., "strip_right": ..}}: removes leading and/or trailing white space,
 * white space being Unicode {@code White_Space} as in Rust's {@code str::trim} (so U+00A0 and U+3000 go, U+200B
 * and U+FEFF stay).
 */
public final class StripNormalizer implements Normalizer {
    private final boolean left;
    private final boolean right;

    public StripNormalizer(boolean left, boolean right) {
        this.left = left;
        this.right = right;
    }

    public static StripNormalizer fromJson(JsonNode node, String where) {
        return new StripNormalizer(ComponentJson.bool(node, "strip_left", where),
                ComponentJson.bool(node, "strip_right", where));
    }

    @Override
    public String normalize(String text) {
        int start = left ? leadingWhiteSpaceEnd(text) : 0;
        int end = text.length();
        if (right) {
            while (end > start) {
                int cp = text.codePointBefore(end);
                if (!UnicodeText.isWhiteSpace(cp)) {
                    break;
                }
                end -= Character.charCount(cp);
            }
        }
        return text.substring(start, end);
    }

    @Override
    public boolean movesStart(String text) {
        return left && leadingWhiteSpaceEnd(text) > 0;
    }

    private static int leadingWhiteSpaceEnd(String text) {
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!UnicodeText.isWhiteSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }
}
