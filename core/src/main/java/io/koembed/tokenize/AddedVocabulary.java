package io.koembed.tokenize;

import io.koembed.tokenize.common.UnicodeText;
import io.koembed.tokenize.common.PieceTrie;

import io.koembed.tokenize.models.TokenizerModel;
import io.koembed.tokenize.normalizers.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The added tokens and how the Rust library ({@code tokenizer/added_vocabulary.rs}) finds them in a text.
 *
 * <p>Ids: tokens are registered one by one in file order, as Rust's deserializer does. A token whose content is
 * already known (added before, or a model piece) takes that id; a new one takes the model size, or one past the
 * largest added id once that is at or beyond the model size. The {@code id} written in tokenizer.json is not
 * consulted - Rust only warns when it differs.
 *
 * <p>Matching: two matchers, one over the contents of the {@code normalized=false} tokens (run on the raw text)
 * and one over the normalized contents of the {@code normalized=true} tokens (run on each normalized section).
 * Each scans leftmost-longest, non-overlapping (Aho-Corasick {@code LeftmostLongest}). A {@code single_word}
 * match next to a word character is dropped (the scan still resumes after it); {@code lstrip} extends a match
 * over the white space before it (never into the previous match), {@code rstrip} over the white space after it.
 * The flags come from the token registered under the matched id.
 */
final class AddedVocabulary {

    /** A piece of a text: either an added token's span ({@code id >= 0}) or plain text between tokens. */
    record Split(int start, int end, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private final Map<String, Integer> tokenToId = new HashMap<>();
    private final Map<Integer, AddedToken> idToToken = new HashMap<>();
    private final PieceTrie rawMatcher;
    private final PieceTrie normalizedMatcher;

    /**
     * @param tokens     the added tokens in file order
     * @param model      the model, whose pieces give existing ids
     * @param normalizer the tokenizer's normalizer (for {@code normalized=true} contents), or null
     */
    AddedVocabulary(List<AddedToken> tokens, TokenizerModel model, Normalizer normalizer) {
        List<AddedToken> specialTokens = new ArrayList<>();
        Set<String> specialContents = new HashSet<>();
        List<AddedToken> classicTokens = new ArrayList<>();
        for (AddedToken token : tokens) {
            if (token.special() && !token.content().isEmpty() && specialContents.add(token.content())) {
                specialTokens.add(token);
            }
            if (token.content().isEmpty() || idToToken.containsValue(token)) {
                continue;
            }
            OptionalInt known = tokenToId(token.content(), model);
            int id;
            if (known.isPresent()) {
                id = known.getAsInt();
            } else if (tokenToId.isEmpty()) {
                id = model.size();
            } else {
                int max = tokenToId.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
                id = max >= model.size() || model.size() == 0 ? max + 1 : model.size();
            }
            tokenToId.put(token.content(), id);
            idToToken.put(id, token);
            if (!specialContents.contains(token.content())) {
                classicTokens.add(token);
            }
        }

        // Rust rebuilds its matchers from the special tokens first, then the others, split on `normalized`.
        List<String> rawKeys = new ArrayList<>();
        List<Integer> rawIds = new ArrayList<>();
        List<String> normKeys = new ArrayList<>();
        List<Integer> normIds = new ArrayList<>();
        List<AddedToken> all = new ArrayList<>(specialTokens);
        all.addAll(classicTokens);
        for (AddedToken token : all) {
            int id = tokenToId(token.content(), model).orElseThrow();
            if (token.normalized()) {
                normKeys.add(normalizer == null ? token.content() : normalizer.normalize(token.content()));
                normIds.add(id);
            } else {
                rawKeys.add(token.content());
                rawIds.add(id);
            }
        }
        // Among identical patterns Aho-Corasick reports the first registered one.
        rawMatcher = new PieceTrie(rawKeys.toArray(String[]::new),
                rawIds.stream().mapToInt(Integer::intValue).toArray(), true);
        normalizedMatcher = new PieceTrie(normKeys.toArray(String[]::new),
                normIds.stream().mapToInt(Integer::intValue).toArray(), true);
    }

    private OptionalInt tokenToId(String content, TokenizerModel model) {
        Integer id = tokenToId.get(content);
        return id != null ? OptionalInt.of(id) : model.id(content);
    }

    /** The id of an added token's content, if it is one. */
    OptionalInt id(String content) {
        Integer id = tokenToId.get(content);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The content registered under {@code id}, or null. */
    String content(int id) {
        AddedToken t = idToToken.get(id);
        return t == null ? null : t.content();
    }

    /** Whether {@code id} is an added token marked special ({@code <s>}, {@code </s>}, {@code <pad>}, ...). */
    boolean isSpecial(int id) {
        AddedToken t = idToToken.get(id);
        return t != null && t.special();
    }

    Set<String> contents() {
        return tokenToId.keySet();
    }

    /** Splits raw text on the {@code normalized=false} tokens. */
    List<Split> splitRaw(String text) {
        return split(text, rawMatcher);
    }

    /** Splits normalized text on the {@code normalized=true} tokens. */
    List<Split> splitNormalized(String text) {
        return split(text, normalizedMatcher);
    }

    /** {@code find_matches}: covers the whole text with token and non-token splits, in order. */
    private List<Split> split(String text, PieceTrie matcher) {
        List<Split> splits = new ArrayList<>(2);
        int n = text.length();
        if (matcher.isEmpty() || n == 0) {
            splits.add(new Split(0, n, -1));
            return splits;
        }
        int startOffset = 0;
        int i = 0;
        while (i < n) {
            long match = matcher.longestPrefix(text, i);
            if (match < 0) {
                i++;
                continue;
            }
            int start = i;
            int stop = (int) (match >>> 32);
            int id = (int) match;
            i = stop; // the scan resumes after the match proper, whatever the flags do below
            AddedToken token = idToToken.get(id);
            if (token.singleWord()) {
                boolean spaceBefore = start == 0 || !UnicodeText.isWordChar(text.codePointBefore(start));
                boolean spaceAfter = stop == n || !UnicodeText.isWordChar(text.codePointAt(stop));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > 0) {
                    int cp = text.codePointBefore(newStart);
                    if (!UnicodeText.isWhiteSpace(cp)) {
                        break;
                    }
                    newStart -= Character.charCount(cp);
                }
                start = Math.max(newStart, startOffset);
            }
            if (token.rstrip()) {
                while (stop < n) {
                    int cp = text.codePointAt(stop);
                    if (!UnicodeText.isWhiteSpace(cp)) {
                        break;
                    }
                    stop += Character.charCount(cp);
                }
            }
            if (startOffset < start) {
                splits.add(new Split(startOffset, start, -1));
            }
            splits.add(new Split(start, stop, id));
            startOffset = stop;
        }
        if (startOffset != n) {
            splits.add(new Split(startOffset, n, -1));
        }
        return splits;
    }
}
