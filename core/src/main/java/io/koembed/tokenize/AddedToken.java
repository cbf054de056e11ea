package io.koembed.tokenize;

/**
 * A token matched in the text before the model runs (an entry of {@code added_tokens} in tokenizer.json): the
 * special tokens {@code <s>}, {@code </s>}, {@code <mask>}, ... and any user-added token.
 *
 * @param content    the literal text to find
 * @param singleWord only match when not preceded or followed by a word character
 * @param lstrip     also swallow the white space to the left of a match
 * @param rstrip     also swallow the white space to the right of a match
 * @param normalized match in the normalized text (content normalized the same way) instead of the raw text
 * @param special    a special token (skipped when decoding; for matching only its order of registration differs)
 */
public record AddedToken(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
                         boolean special) {

    public AddedToken {
        if (content == null) {
            throw new IllegalArgumentException("added token content is null");
        }
    }

    /** A special token as XLM-R declares them: matched on the raw text, no stripping. */
    public static AddedToken special(String content) {
        return new AddedToken(content, false, false, false, false, true);
    }
}
