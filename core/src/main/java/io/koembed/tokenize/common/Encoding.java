package io.koembed.tokenize.common;

import java.util.Arrays;
import java.util.List;

/**
 * The tokenizer's output for one text (or one pair): what the encoder consumes. Unpadded: padding is the
 * batcher's business, never the tokenizer's, so a mask of zeros never reaches pooling by accident.
 *
 * @param ids     token ids, special tokens included
 * @param typeIds token type (segment) ids, 0 for the first sequence, 1 for the second of a pair where the
 *                post-processor says so
 * @param tokens  the vocabulary piece of each id (for display and debugging)
 */
public record Encoding(int[] ids, int[] typeIds, List<String> tokens) {

    public Encoding {
        if (ids.length != typeIds.length || ids.length != tokens.size()) {
            throw new IllegalArgumentException("ids, typeIds and tokens differ in length: "
                    + ids.length + ", " + typeIds.length + ", " + tokens.size());
        }
    }

    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds)
                && tokens.equals(e.tokens);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids);
    }
}
