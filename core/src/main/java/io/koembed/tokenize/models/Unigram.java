package io.koembed.tokenize.models;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import io.koembed.tokenize.common.IntList;
import io.koembed.tokenize.common.PieceTrie;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * The SentencePiece Unigram model as the Rust {@code tokenizers} library runs it ({@code models/unigram/model.rs},
 * {@code encode_optimized}): a Viterbi pass over the text choosing the segmentation into vocabulary pieces with
 * the highest sum of piece scores (log probabilities).
 *
 * <p>Details copied on purpose because they decide ids:
 * <ul>
 *   <li>A character no piece of exactly its length covers gets an unknown node scored {@code minScore - 10}
 *       (SentencePiece's {@code kUnkPenalty}), {@code minScore} being the lowest score of the whole vocabulary.</li>
 *   <li>Candidates are tried shortest first and replace the current best only when strictly better, so ties keep
 *       the earliest (shortest) candidate that reached the position.</li>
 *   <li>Consecutive unknown nodes are fused into one string ({@code fuse_unk}, always on for Unigram); every result
 *       string is then looked up again, and a string missing from the vocabulary becomes {@code unkId}. A vocabulary
 *       piece that happens to be the unknown piece itself (the text "&lt;unk&gt;") fuses the same way.</li>
 *   <li>When a piece appears twice in the vocabulary, the later id wins (a hash map insert in Rust).</li>
 *   <li>With byte fallback ({@code "byte_fallback": true}), a fused unknown string that is not a piece becomes the
 *       pieces {@code <0xXX>} of its UTF-8 bytes, in order, but only when the vocabulary has all of them; when one
 *       is missing the string stays a single {@code unkId} (Rust's {@code tokenize}). Only unknown strings fall
 *       back: the lattice itself never changes, so the segmentation of known text is the same either way.</li>
 * </ul>
 * Scores are doubles summed in the same order as Rust ({@code score + best_so_far}).
 *
 * <p>Immutable and thread safe.
 */
public final class Unigram implements TokenizerModel {
    private static final double UNK_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final int unkId;
    private final double unkScore;
    private final int emptyPieceId; // the trie holds no empty key; a vocabulary may (-1: it does not)
    private final PieceTrie trie;  // piece -> id, for the lattice's prefixes and for lookups
    private final int[] byteIds;   // byte fallback: id of <0xXX> for byte XX, -1 when missing; null when off

    /** A model without byte fallback: see {@link #Unigram(List, double[], int, boolean)}. */
    public Unigram(List<String> pieces, double[] scores, int unkId) {
        this(pieces, scores, unkId, false);
    }

    /**
     * @param pieces       the vocabulary, id = index
     * @param scores       the score (log probability) of each piece
     * @param unkId        index of the unknown piece (required: KoEmbed refuses to fail on unseen characters)
     * @param byteFallback spell unknown text as its UTF-8 bytes, pieces {@code <0x00>} to {@code <0xFF>}, where the
     *                     vocabulary has them
     */
    public Unigram(List<String> pieces, double[] scores, int unkId, boolean byteFallback) {
        if (pieces.size() != scores.length) {
            throw new IllegalArgumentException("pieces and scores differ in length: " + pieces.size() + " vs "
                    + scores.length);
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary is empty");
        }
        if (unkId < 0 || unkId >= pieces.size()) {
            throw new IllegalArgumentException("unk id " + unkId + " is outside the vocabulary of size "
                    + pieces.size());
        }
        this.pieces = pieces.toArray(String[]::new);
        this.scores = scores.clone();
        this.unkId = unkId;
        double min = Double.POSITIVE_INFINITY;
        int empty = -1;
        int[] values = new int[this.pieces.length];
        for (int i = 0; i < this.pieces.length; i++) {
            if (this.pieces[i] == null) {
                throw new IllegalArgumentException("piece " + i + " is null");
            }
            empty = this.pieces[i].isEmpty() ? i : empty;
            values[i] = i;
            if (this.scores[i] < min) {
                min = this.scores[i];
            }
        }
        this.emptyPieceId = empty;
        this.unkScore = min - UNK_PENALTY;
        this.trie = new PieceTrie(this.pieces, values, false); // a later duplicate wins, as in Rust's id map
        this.byteIds = byteFallback ? byteIds(trie) : null;
    }

    /** The id of each byte's piece {@code <0xXX>} (upper-case hex, as Rust formats it), -1 where there is none. */
    private static int[] byteIds(PieceTrie trie) {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            String piece = String.format("<0x%02X>", b);
            ids[b] = trie.get(piece, 0, piece.length());
        }
        return ids;
    }

    /** A vocabulary read from a token stream (see {@link #readVocab}): pieces and their scores, id = index. */
    public record Vocab(List<String> pieces, double[] scores) {}

    /**
     * {@code "vocab"}'s list of [piece, score] pairs, read from {@code parser} positioned on the list's
     * START_ARRAY, up to and including its END_ARRAY: each entry a [string, number] pair, without
     * a tree of 750,000 nodes for a 250,002-piece vocabulary.
     */
    public static Vocab readVocab(JsonParser parser) throws IOException {
        List<String> pieces = new ArrayList<>();
        double[] scores = new double[1024];
        int i = 0;
        for (JsonToken t; (t = parser.nextToken()) != JsonToken.END_ARRAY; i++) {
            String piece = null;
            double score = 0;
            boolean pair = t == JsonToken.START_ARRAY && parser.nextToken() == JsonToken.VALUE_STRING;
            if (pair) {
                piece = parser.getText();
                JsonToken number = parser.nextToken();
                pair = number != null && number.isNumeric();
                score = pair ? parser.getDoubleValue() : 0;
                pair = pair && parser.nextToken() == JsonToken.END_ARRAY;
            }
            if (!pair) {
                throw new Invalid("model.vocab[" + i + "] is not a [piece, score] pair");
            }
            if (i == scores.length) {
                scores = Arrays.copyOf(scores, 2 * i);
            }
            pieces.add(piece);
            scores[i] = score;
        }
        return new Vocab(pieces, Arrays.copyOf(scores, i));
    }

    /**
     * {@code {"type": "Unigram", "unk_id": n, "vocab": [[piece, score], ...]}}, its vocabulary list read from the
     * stream by {@link #readVocab} (null when the model had none), and {@code "byte_fallback"} (default false).
     */
    public static Unigram fromJson(JsonNode node, Vocab vocab) {
        JsonNode byteFallback = node.path("byte_fallback");
        if (!byteFallback.isMissingNode() && !byteFallback.isNull() && !byteFallback.isBoolean()) {
            throw new Invalid("the Unigram model's \"byte_fallback\" is not true or false: " + byteFallback);
        }
        JsonNode unk = node.get("unk_id");
        if (unk == null || !unk.canConvertToInt()) {
            throw new Invalid("the Unigram model has no integer \"unk_id\" (KoEmbed needs one for unseen characters)");
        }
        if (vocab == null) {
            throw new Invalid("the Unigram model has no \"vocab\" list");
        }
        try {
            return new Unigram(vocab.pieces(), vocab.scores(), unk.asInt(), byteFallback.asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new Invalid("bad Unigram model: " + e.getMessage());
        }
    }

    @Override
    public int size() {
        return pieces.length;
    }

    public int unkId() {
        return unkId;
    }

    /** The piece of {@code id}, or null when the id is outside the vocabulary. */
    @Override
    public String piece(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    public double score(int id) {
        return scores[id];
    }

    @Override
    public OptionalInt id(String piece) {
        int id = piece.isEmpty() ? emptyPieceId : trie.get(piece, 0, piece.length());
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int distinctPieceCount() {
        return trie.keyCount() + (emptyPieceId >= 0 ? 1 : 0);
    }

    @Override
    public void encode(String text, IntList out) {
        int n = text.length();
        if (n == 0) {
            return;
        }
        double[] best = new double[n + 1];
        int[] startsAt = new int[n + 1];
        int[] nodeId = new int[n + 1];
        Arrays.fill(startsAt, -1);
        int pos = 0;
        while (pos < n) {
            double base = best[pos];
            int charLen = Character.charCount(text.codePointAt(pos));
            boolean hasSingle = false;
            int node = PieceTrie.ROOT;
            for (int i = pos; i < n; i++) {
                node = trie.step(node, text.charAt(i));
                if (node < 0) {
                    break;
                }
                int id = trie.valueAt(node);
                int end = i + 1;
                if (id < 0 || splitsSurrogatePair(text, end)) {
                    continue;
                }
                double candidate = scores[id] + base;
                if (startsAt[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    startsAt[end] = pos;
                    nodeId[end] = id;
                }
                if (end - pos == charLen) {
                    hasSingle = true;
                }
            }
            if (!hasSingle) {
                int end = pos + charLen;
                double candidate = unkScore + base;
                if (startsAt[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    startsAt[end] = pos;
                    nodeId[end] = unkId;
                }
            }
            pos += charLen;
        }

        // Backtrack. Segments come out last to first; collect them, then emit in order.
        IntList segmentIds = new IntList();
        int end = n;
        while (end > 0) {
            int start = startsAt[end];
            if (nodeId[end] == unkId) {
                // Fuse a run of unknown nodes into one string, then look the string up like Rust does.
                int runEnd = end;
                while (end > 0 && nodeId[end] == unkId) {
                    end = startsAt[end];
                }
                int id = trie.get(text, end, runEnd);
                if (id >= 0) {
                    segmentIds.add(id);
                } else if (!addBytesReversed(text.substring(end, runEnd), segmentIds)) {
                    segmentIds.add(unkId);
                }
            } else {
                segmentIds.add(nodeId[end]);
                end = start;
            }
        }
        for (int k = segmentIds.size() - 1; k >= 0; k--) {
            out.add(segmentIds.get(k));
        }
    }

    /**
     * Byte fallback for an unknown string: adds its byte pieces last to first (the caller reverses the list) and
     * returns true, or returns false and adds nothing when byte fallback is off or a byte has no piece.
     */
    private boolean addBytesReversed(String unknown, IntList segmentIdsReversed) {
        if (byteIds == null) {
            return false;
        }
        byte[] utf8 = unknown.getBytes(StandardCharsets.UTF_8); // no lone surrogates: Tokenizer replaced them
        for (byte b : utf8) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (int k = utf8.length - 1; k >= 0; k--) {
            segmentIdsReversed.add(byteIds[utf8[k] & 0xFF]);
        }
        return true;
    }

    /** A piece containing an unpaired surrogate must not cut a pair that Rust would see as one character. */
    private static boolean splitsSurrogatePair(String text, int end) {
        return end < text.length() && Character.isLowSurrogate(text.charAt(end))
                && Character.isHighSurrogate(text.charAt(end - 1));
    }
}
