package io.koembed.tokenize.normalizers;

import java.text.Normalizer.Form;

/**
 * {@code {"type": "NFC" | "NFD" | "NFKC" | "NFKD"}} through {@link java.text.Normalizer}. The JDK and Rust's
 * {@code unicode-normalization} crate may sit on different Unicode versions; characters added in between are
 * the only ones that can differ.
 */
public final class UnicodeFormNormalizer implements Normalizer {
    private final Form form;

    public UnicodeFormNormalizer(Form form) {
        this.form = form;
    }

    @Override
    public String normalize(String text) {
        return java.text.Normalizer.normalize(text, form);
    }
}
