package io.koembed.tokenize;

import io.koembed.tokenize.common.ComponentJson;

import com.fasterxml.jackson.databind.JsonNode;

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

    /**
     * An entry of tokenizer.json's {@code added_tokens}: {@code content} is required, the flags default to false
     * ({@code normalized}: to true unless the token is special).
     */
    static AddedToken fromJson(JsonNode node, String where) {
        JsonNode content = node.get("content");
        if (content == null || !content.isTextual()) {
            throw new ComponentJson.Invalid(where + " has no string \"content\"");
        }
        boolean special = node.path("special").asBoolean(false);
        return new AddedToken(content.asText(), node.path("single_word").asBoolean(false),
                node.path("lstrip").asBoolean(false), node.path("rstrip").asBoolean(false),
                node.path("normalized").asBoolean(!special), special);
    }

    /** A special token as XLM-R declares them: matched on the raw text, no stripping. */
    public static AddedToken special(String content) {
        return new AddedToken(content, false, false, false, false, true);
    }
}
