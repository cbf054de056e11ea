package io.koembed.tokenize.normalizers;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code {"type": "Replace", "pattern": {"String": s} | {"Regex": r}, "content": c}}: replaces every
 * non-overlapping match, left to right. The Rust library compiles regex patterns with Oniguruma; KoEmbed uses
 * {@link java.util.regex}, which agrees on the simple patterns tokenizer files carry (XLM-R: {@code " {2,}"}).
 */
public final class ReplaceNormalizer implements Normalizer {
    private final String literal; // null for a regex
    private final Pattern regex;  // null for a literal
    private final String content;

    private ReplaceNormalizer(String literal, Pattern regex, String content) {
        this.literal = literal;
        this.regex = regex;
        this.content = content;
    }

    public static ReplaceNormalizer fromJson(JsonNode node, String where) {
        JsonNode pattern = node.get("pattern");
        JsonNode content = node.get("content");
        if (content == null || !content.isTextual()) {
            throw new Invalid(where + ": Replace without a string \"content\"");
        }
        if (pattern != null && pattern.isObject() && pattern.size() == 1) {
            if (pattern.path("String").isTextual()) {
                return literal(pattern.get("String").asText(), content.asText());
            }
            if (pattern.path("Regex").isTextual()) {
                try {
                    return regex(pattern.get("Regex").asText(), content.asText());
                } catch (IllegalArgumentException e) {
                    throw new Invalid(where + ": " + e.getMessage());
                }
            }
        }
        throw new Invalid(where + ": Replace \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
    }

    /** Replaces occurrences of the literal string {@code pattern}. An empty pattern matches nothing. */
    public static ReplaceNormalizer literal(String pattern, String content) {
        return new ReplaceNormalizer(pattern, null, content);
    }

    /** Replaces matches of the regular expression {@code pattern}. */
    public static ReplaceNormalizer regex(String pattern, String content) {
        try {
            return new ReplaceNormalizer(null, Pattern.compile(pattern), content);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad Replace regex " + pattern + ": " + e.getDescription(), e);
        }
    }

    @Override
    public String normalize(String text) {
        if (literal != null) {
            return literal.isEmpty() ? text : text.replace(literal, content);
        }
        return regex.matcher(text).replaceAll(Matcher.quoteReplacement(content));
    }
}
