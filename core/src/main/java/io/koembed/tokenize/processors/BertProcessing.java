package io.koembed.tokenize.processors;

import io.koembed.tokenize.Encoding;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "BertProcessing", "sep": [token, id], "cls": [token, id]}} ({@code processors/bert.rs}):
 * {@code cls A sep} with type ids 0, and for a pair {@code B sep} after it with type ids 1 (the second
 * sequence's own type ids, which are 1, plus 1 for its {@code sep}).
 */
public record BertProcessing(String cls, int clsId, String sep, int sepId) implements PostProcessor {

    @Override
    public int addedTokens(boolean pair) {
        return pair ? 3 : 2;
    }

    @Override
    public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
        if (!addSpecialTokens) {
            return encodings;
        }
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (int i = 0; i < encodings.size(); i++) {
            Encoding e = encodings.get(i);
            out.add(i == 0 ? wrap(cls, clsId, 0, e, sep, sepId, 0) : wrap(null, 0, 0, e, sep, sepId, 1));
        }
        return out;
    }

    /** {@code [before] e after}, the added tokens with the given type ids; {@code before} may be null. */
    static Encoding wrap(String before, int beforeId, int beforeType, Encoding e, String after, int afterId,
                         int afterType) {
        int head = before == null ? 0 : 1;
        int n = e.length() + head + 1;
        int[] ids = new int[n];
        int[] types = new int[n];
        List<String> tokens = new ArrayList<>(n);
        if (before != null) {
            ids[0] = beforeId;
            types[0] = beforeType;
            tokens.add(before);
        }
        System.arraycopy(e.ids(), 0, ids, head, e.length());
        System.arraycopy(e.typeIds(), 0, types, head, e.length());
        tokens.addAll(e.tokens());
        ids[n - 1] = afterId;
        types[n - 1] = afterType;
        tokens.add(after);
        return new Encoding(ids, types, tokens);
    }
}
