package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;

import java.util.List;

/**
 * The Rust library's {@code truncate_encodings} for {@code LongestFirst}, direction right, stride 0
 * ({@code utils/truncation.rs}), applied to the model's output before the special tokens are added. Overflowing
 * tokens are dropped: KoEmbed embeds one window per text.
 */
final class Truncation {
    private Truncation() {}

    /** Returns the kept lengths {@code [n1]} or {@code [n1, n2]} for content lengths under {@code maxLength}. */
    static int[] longestFirst(int len1, int len2OrMinus1, int maxLength) {
        if (len2OrMinus1 < 0) {
            return new int[] {Math.min(len1, maxLength)};
        }
        if (maxLength == 0) {
            return new int[] {0, 0};
        }
        if (len1 + len2OrMinus1 <= maxLength) {
            return new int[] {len1, len2OrMinus1};
        }
        int n1 = len1;
        int n2 = len2OrMinus1;
        boolean swap = n1 > n2;
        if (swap) { // n1 is the shorter one from here on
            int t = n1;
            n1 = n2;
            n2 = t;
        }
        n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
        if (n1 + n2 > maxLength) {
            n1 = maxLength / 2;
            n2 = n1 + maxLength % 2;
        }
        return swap ? new int[] {Math.min(len1, n2), Math.min(len2OrMinus1, n1)}
                : new int[] {Math.min(len1, n1), Math.min(len2OrMinus1, n2)};
    }

    /** The first {@code n} tokens of {@code e} (Rust's {@code Encoding::truncate}, direction right). */
    static Encoding keep(Encoding e, int n) {
        if (n >= e.length()) {
            return e;
        }
        return new Encoding(java.util.Arrays.copyOf(e.ids(), n), java.util.Arrays.copyOf(e.typeIds(), n),
                List.copyOf(e.tokens().subList(0, n)));
    }
}
