package io.koembed.mining;

/**
 * The k best (score, index) candidates of each of a block of rows, as one bounded min-heap per row in flat arrays.
 * Better means a higher score, and at equal scores the lower index (torch's {@code topk} leaves ties unspecified;
 * this picks one rule and keeps to it). Each row is touched by one thread only.
 */
final class TopK {
    private final int k;
    private final float[] scores;
    private final int[] indices;
    private final int[] sizes;

    TopK(int rows, int k) {
        this.k = k;
        this.scores = new float[Math.multiplyExact(rows, k)];
        this.indices = new int[rows * k];
        this.sizes = new int[rows];
    }

    /** True if (sa, ia) ranks below (sb, ib). */
    private static boolean worse(float sa, int ia, float sb, int ib) {
        return sa < sb || (sa == sb && ia > ib);
    }

    void offer(int row, float score, int index) {
        int base = row * k;
        int n = sizes[row];
        if (n < k) {
            int pos = n;
            sizes[row] = n + 1;
            while (pos > 0) {   // sift up: the root is the worst kept candidate
                int parent = (pos - 1) >>> 1;
                if (!worse(score, index, scores[base + parent], indices[base + parent])) {
                    break;
                }
                scores[base + pos] = scores[base + parent];
                indices[base + pos] = indices[base + parent];
                pos = parent;
            }
            scores[base + pos] = score;
            indices[base + pos] = index;
            return;
        }
        if (!worse(scores[base], indices[base], score, index)) {
            return;
        }
        int pos = 0;
        while (true) {   // sift down from the root
            int child = 2 * pos + 1;
            if (child >= k) {
                break;
            }
            if (child + 1 < k && worse(scores[base + child + 1], indices[base + child + 1],
                    scores[base + child], indices[base + child])) {
                child++;
            }
            if (!worse(scores[base + child], indices[base + child], score, index)) {
                break;
            }
            scores[base + pos] = scores[base + child];
            indices[base + pos] = indices[base + child];
            pos = child;
        }
        scores[base + pos] = score;
        indices[base + pos] = index;
    }

    int size(int row) {
        return sizes[row];
    }

    /** The row's candidates, best first, as positions into {@link #score} / {@link #index}. */
    int[] sortedOrder(int row) {
        int base = row * k;
        int n = sizes[row];
        Integer[] order = new Integer[n];
        for (int t = 0; t < n; t++) {
            order[t] = base + t;
        }
        java.util.Arrays.sort(order, (a, b) -> worse(scores[a], indices[a], scores[b], indices[b]) ? 1
                : worse(scores[b], indices[b], scores[a], indices[a]) ? -1 : 0);
        int[] out = new int[n];
        for (int t = 0; t < n; t++) {
            out[t] = order[t];
        }
        return out;
    }

    float score(int position) {
        return scores[position];
    }

    int index(int position) {
        return indices[position];
    }
}
