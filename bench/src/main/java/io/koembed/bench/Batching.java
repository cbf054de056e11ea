package io.koembed.bench;

import java.util.Arrays;
import java.util.Comparator;

/** How sentence-transformers (and so KoEmbed's SentenceTransformer.encode) orders texts into batches. */
public final class Batching {

    private Batching() {}

    /**
     * Indices of the texts, longest first; ties keep input order (a stable sort, as KoEmbed's
     * {@code SentenceTransformer} does it). Consecutive runs of {@code batchSize} indices form the batches.
     */
    public static int[] longestFirst(int[] lengths) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -lengths[i]));
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
