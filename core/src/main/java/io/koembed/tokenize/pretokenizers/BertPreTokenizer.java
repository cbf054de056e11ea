package io.koembed.tokenize.pretokenizers;

import io.koembed.tokenize.common.BertCharacters;
import io.koembed.tokenize.common.UnicodeText;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "BertPreTokenizer"}} ({@code pre_tokenizers/bert.rs}): split on white space (dropped), then
 * around every punctuation character (each kept as a piece of its own): {@code "Hey friend!  How?!"} ->
 * {@code Hey, friend, !, How, ?, !}. White space is Unicode {@code White_Space}, punctuation the Rust library's
 * ({@link BertCharacters#isPunctuation}: ASCII punctuation, symbols such as {@code $+<=>^`|~} included, and the
 * Unicode P categories).
 */
public final class BertPreTokenizer implements PreTokenizer {

    @Override
    public List<String> preTokenize(String text, boolean atTextStart) {
        List<String> pieces = new ArrayList<>();
        int wordStart = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            boolean space = UnicodeText.isWhiteSpace(cp);
            if (space || BertCharacters.isPunctuation(cp)) {
                if (wordStart < i) {
                    pieces.add(text.substring(wordStart, i));
                }
                if (!space) {
                    pieces.add(text.substring(i, next));
                }
                wordStart = next;
            }
            i = next;
        }
        if (wordStart < text.length()) {
            pieces.add(text.substring(wordStart));
        }
        return pieces;
    }
}
