package io.koembed.search;

import java.util.ArrayList;
import java.util.List;

/**
 * The k best (score, id) pairs seen so far, in a binary heap whose root is the worst kept. The order is total:
 * higher score first; equal scores by lower corpus id first; NaN above everything (as torch.topk ranks it). So the
 * result never depends on the order pairs arrive in, nor on how the corpus was chunked or split across threads.
 */
final class TopK {
    private final int k;
    private final float[] scores;
    private final int[] ids;
    private int size;

    TopK(int k) {
        this.k = k;
        this.scores = new float[k];
        this.ids = new int[k];
    }

    /** Negative if (sa, ia) ranks below (sb, ib). */
    static int compare(float sa, int ia, float sb, int ib) {
        if (sa != sb) {
            boolean na = Float.isNaN(sa);
            boolean nb = Float.isNaN(sb);
            if (na || nb) {
                if (na && nb) {
                    return Integer.compare(ib, ia);
                }
                return na ? 1 : -1;
            }
            return sa < sb ? -1 : 1;
        }
        return Integer.compare(ib, ia); // equal scores (0.0 == -0.0 too): the lower id ranks higher
    }

    /** The score a new pair must beat to enter once full (for a cheap first test). */
    float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : scores[0];
    }

    boolean full() {
        return size == k;
    }

    void offer(float score, int id) {
        if (size < k) {
            int i = size++;
            scores[i] = score;
            ids[i] = id;
            siftUp(i);
        } else if (k > 0 && compare(score, id, scores[0], ids[0]) > 0) {
            scores[0] = score;
            ids[0] = id;
            siftDown(0);
        }
    }

    void offerAll(TopK other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.scores[i], other.ids[i]);
        }
    }

    /** The kept pairs, best first. */
    List<Hit> sorted() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> compare(scores[b], ids[b], scores[a], ids[a]));
        List<Hit> out = new ArrayList<>(size);
        for (int i : order) {
            out.add(new Hit(ids[i], scores[i]));
        }
        return out;
    }

    int[] ids() {
        return java.util.Arrays.copyOf(ids, size);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (compare(scores[i], ids[i], scores[parent], ids[parent]) >= 0) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int r = l + 1;
            int worst = r < size && compare(scores[r], ids[r], scores[l], ids[l]) < 0 ? r : l;
            if (compare(scores[worst], ids[worst], scores[i], ids[i]) >= 0) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        float s = scores[a];
        scores[a] = scores[b];
        scores[b] = s;
        int t = ids[a];
        ids[a] = ids[b];
        ids[b] = t;
    }
}
