package io.koembed.tokenize.normalizers;

/**
 * {@code {"type": "Lowercase"}}: Rust's per-character {@code char::to_lowercase}. Unlike
 * {@link String#toLowerCase}, it has no context rule (a final capital sigma becomes U+03C3, not U+03C2), and its
 * only one-to-many mapping is U+0130 -> "i\u0307".
 */
public final class LowercaseNormalizer implements Normalizer {

    @Override
    public String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0x130) {
                sb.append("i\u0307");
            } else {
                sb.appendCodePoint(Character.toLowerCase(cp));
            }
        });
        return sb.toString();
    }
}
