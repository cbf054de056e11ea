package io.koembed.tokenize.models;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import io.koembed.tokenize.common.IntList;
import io.koembed.tokenize.common.PieceTrie;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The WordPiece model of BERT vocabularies as the Rust {@code tokenizers} library (0.21) runs it
 * ({@code models/wordpiece}): greedy longest match from the left. A word is cut into the longest vocabulary entry
 * that starts it, then the longest entry of the form {@code ##rest} that continues it, and so on; if some position
 * has no match, or the word is longer than {@code maxInputCharsPerWord} code points, the whole word becomes the
 * unknown token. {@code "unaffable"} -> {@code un, ##aff, ##able}.
 *
 * <p>Immutable and thread safe.
 */
public final class WordPiece implements TokenizerModel {
    private final Map<String, Integer> vocab;
    private final Map<Integer, String> pieces;
    private final PieceTrie trie;
    private final int continuationNode; // trie node after the continuing-subword prefix, or -1
    private final String unkToken;
    private final int unkId;
    private final int maxInputCharsPerWord;

    /**
     * @param vocab                   entry -> id
     * @param unkToken                the entry unknown words become; it must be in {@code vocab}
     * @param continuingSubwordPrefix what marks a piece that continues a word ({@code ##})
     * @param maxInputCharsPerWord    longer words (in code points) are unknown as a whole
     * @throws IllegalArgumentException when the unknown token is not in the vocabulary
     */
    public WordPiece(Map<String, Integer> vocab, String unkToken, String continuingSubwordPrefix,
                     int maxInputCharsPerWord) {
        this.vocab = Map.copyOf(vocab);
        this.unkToken = unkToken;
        Integer unk = this.vocab.get(unkToken);
        if (unk == null) {
            throw new IllegalArgumentException("the unknown token \"" + unkToken + "\" is not in the vocabulary");
        }
        this.unkId = unk;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        Map<Integer, String> byId = HashMap.newHashMap(this.vocab.size());
        String[] keys = new String[this.vocab.size()];
        int[] values = new int[keys.length];
        int k = 0;
        for (Map.Entry<String, Integer> e : this.vocab.entrySet()) {
            byId.put(e.getValue(), e.getKey());
            keys[k] = e.getKey();
            values[k++] = e.getValue();
        }
        this.pieces = byId;
        this.trie = new PieceTrie(keys, values, true);
        int node = PieceTrie.ROOT;
        for (int i = 0; i < continuingSubwordPrefix.length() && node >= 0; i++) {
            node = trie.step(node, continuingSubwordPrefix.charAt(i));
        }
        this.continuationNode = node;
    }

    /**
     * {@code {"type": "WordPiece", "vocab": {entry: id, ...}, "unk_token", "continuing_subword_prefix",
     * "max_input_chars_per_word"}}.
     */
    public static WordPiece fromJson(JsonNode node) {
        JsonNode vocab = node.get("vocab");
        if (vocab == null || !vocab.isObject()) {
            throw new Invalid("model (WordPiece) has no \"vocab\" object");
        }
        for (String field : List.of("unk_token", "continuing_subword_prefix")) {
            if (!node.path(field).isTextual()) {
                throw new Invalid("model (WordPiece) has no string \"" + field + "\"");
            }
        }
        JsonNode max = node.get("max_input_chars_per_word");
        if (max == null || !max.canConvertToInt() || max.asInt() < 0) {
            throw new Invalid("model (WordPiece) \"max_input_chars_per_word\" is not a non-negative integer");
        }
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new Invalid("model.vocab[\"" + e.getKey() + "\"] is not a non-negative integer id");
            }
            entries.put(e.getKey(), e.getValue().asInt());
        }
        try {
            return new WordPiece(entries, node.get("unk_token").asText(),
                    node.get("continuing_subword_prefix").asText(), max.asInt());
        } catch (IllegalArgumentException e) {
            throw new Invalid("bad WordPiece model: " + e.getMessage());
        }
    }

    public String unkToken() {
        return unkToken;
    }

    @Override
    public int size() {
        return vocab.size();
    }

    @Override
    public OptionalInt id(String piece) {
        Integer id = vocab.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String piece(int id) {
        return pieces.get(id);
    }

    @Override
    public int distinctPieceCount() {
        return vocab.size();
    }

    @Override
    public void encode(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            // the longest entry (prefixed after the first piece) matching at start, ending on a code point boundary
            int node = start == 0 ? PieceTrie.ROOT : continuationNode;
            int bestEnd = -1;
            int bestId = -1;
            for (int i = start; i < word.length() && node >= 0; i++) {
                node = trie.step(node, word.charAt(i));
                int end = i + 1;
                if (node >= 0 && trie.valueAt(node) >= 0 && !splitsSurrogatePair(word, end)) {
                    bestEnd = end;
                    bestId = trie.valueAt(node);
                }
            }
            if (bestEnd < 0) {
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(bestId);
            start = bestEnd;
        }
    }

    private static boolean splitsSurrogatePair(String text, int end) {
        return end < text.length() && Character.isLowSurrogate(text.charAt(end))
                && Character.isHighSurrogate(text.charAt(end - 1));
    }
}
