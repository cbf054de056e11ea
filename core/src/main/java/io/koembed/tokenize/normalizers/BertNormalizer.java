package io.koembed.tokenize.normalizers;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.BertCharacters;
import io.koembed.tokenize.common.ComponentJson;
import io.koembed.tokenize.common.ComponentJson.Invalid;

/**
 * {@code {"type": "BertNormalizer"}} ({@code normalizers/bert.rs}), its four steps in the Rust order:
 * <ol>
 *   <li>{@code clean_text}: drop NUL, U+FFFD and control/format/private-use characters (tab, line feed and carriage
 *       return excepted), then turn every white space character into an ASCII space;</li>
 *   <li>{@code handle_chinese_chars}: put a space on both sides of every CJK ideograph, so each becomes a word;</li>
 *   <li>{@code strip_accents}: NFD, then drop the nonspacing marks;</li>
 *   <li>{@code lowercase}: Rust's per-character lower-casing ({@link LowercaseNormalizer}).</li>
 * </ol>
 * The character classes are the Rust library's own ({@link BertCharacters}). A {@code strip_accents} of null in
 * tokenizer.json means "as {@code lowercase}", as in the original BERT.
 */
public final class BertNormalizer implements Normalizer {
    private static final LowercaseNormalizer LOWERCASE = new LowercaseNormalizer();

    private final boolean cleanText;
    private final boolean handleChineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;

    /**
     * @param stripAccents whether to strip accents, or null to follow {@code lowercase}
     */
    public BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents == null ? lowercase : stripAccents;
        this.lowercase = lowercase;
    }

    /** Fields left out take the Python constructor's defaults: true, true, null (= as lowercase), true. */
    public static BertNormalizer fromJson(JsonNode node, String where) {
        JsonNode strip = node.get("strip_accents");
        if (strip != null && !strip.isNull() && !strip.isBoolean()) {
            throw new Invalid(where + ": \"strip_accents\" is not true, false or null");
        }
        return new BertNormalizer(ComponentJson.boolOrTrue(node, "clean_text", where),
                ComponentJson.boolOrTrue(node, "handle_chinese_chars", where),
                strip == null || strip.isNull() ? null : strip.asBoolean(),
                ComponentJson.boolOrTrue(node, "lowercase", where));
    }

    @Override
    public String normalize(String text) {
        String s = text;
        if (cleanText || handleChineseChars) {
            StringBuilder sb = new StringBuilder(s.length() + 8);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (cleanText) {
                    if (BertCharacters.isRemovedByCleanText(cp)) {
                        continue;
                    }
                    if (BertCharacters.isCleanTextSpace(cp)) {
                        cp = ' ';
                    }
                }
                if (handleChineseChars && BertCharacters.isChinese(cp)) {
                    sb.append(' ').appendCodePoint(cp).append(' ');
                } else {
                    sb.appendCodePoint(cp);
                }
            }
            s = sb.toString();
        }
        if (stripAccents) {
            String nfd = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
            StringBuilder sb = new StringBuilder(nfd.length());
            nfd.codePoints().filter(cp -> !BertCharacters.isNonspacingMark(cp)).forEach(sb::appendCodePoint);
            s = sb.toString();
        }
        return lowercase ? LOWERCASE.normalize(s) : s;
    }

    /** A copy with transformers' {@code do_lower_case}, {@code strip_accents} and {@code tokenize_chinese_chars}. */
    public BertNormalizer withOptions(boolean newLowercase, Boolean newStripAccents, boolean newHandleChineseChars) {
        return new BertNormalizer(cleanText, newHandleChineseChars, newStripAccents, newLowercase);
    }

    @Override
    public String toString() {
        return "BertNormalizer[clean_text=" + cleanText + ", handle_chinese_chars=" + handleChineseChars
                + ", strip_accents=" + stripAccents + ", lowercase=" + lowercase + "]";
    }
}
