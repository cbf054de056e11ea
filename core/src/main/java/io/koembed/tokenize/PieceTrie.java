package io.koembed.tokenize;

import java.util.Arrays;

/**
 * An immutable trie over UTF-16 code units mapping strings to int values. It serves both the Unigram vocabulary
 * (every prefix of the text that is a piece) and the added-token matcher (the longest token at a position).
 * Working on UTF-16 instead of UTF-8 bytes finds the same matches: the keys are whole strings, so a key is a
 * prefix of the text in one encoding exactly when it is in the other.
 *
 * <p>The edges live in one open-addressing hash table keyed by (node, char): building is a single pass over the
 * keys (no sort, which matters cold for a 250k-piece vocabulary), a step is one hash probe, and there is nothing
 * per node but its value.
 */
final class PieceTrie {
    /** The root node, where every walk starts. */
    static final int ROOT = 0;

    private static final long EMPTY = -1L;

    private long[] edgeKeys;         // (parent << 16) | char, or EMPTY; final after construction
    private int[] edgeTargets;       // child node of each edge slot
    private int shift;               // 64 - log2(table size)
    private final int[] value;       // per node: value of the key ending there, or -1
    private final int edgeCount;

    /**
     * @param keys      the strings; empty keys are ignored (they can never match, as in the Rust tries)
     * @param values    the value of each key
     * @param keepFirst for a key given more than once, keep the value of its first occurrence (otherwise its last)
     */
    PieceTrie(String[] keys, int[] values, boolean keepFirst) {
        long totalChars = 0;
        for (String k : keys) {
            totalChars += k.length();
        }
        if (totalChars > (1 << 29)) {
            throw new IllegalArgumentException("vocabulary too large: " + totalChars + " characters");
        }
        int maxNodes = (int) totalChars + 1;
        allocate(2L * maxNodes); // sized for the worst case (no shared prefixes), shrunk below
        int[] val = new int[maxNodes];
        Arrays.fill(val, -1);
        int nodes = 1;
        for (int k = 0; k < keys.length; k++) {
            String key = keys[k];
            if (key.isEmpty()) {
                continue;
            }
            int node = ROOT;
            for (int i = 0; i < key.length(); i++) {
                long edge = ((long) node << 16) | key.charAt(i);
                int slot = findSlot(edge);
                if (edgeKeys[slot] == EMPTY) {
                    edgeKeys[slot] = edge;
                    edgeTargets[slot] = nodes++;
                }
                node = edgeTargets[slot];
            }
            if (val[node] < 0 || !keepFirst) {
                val[node] = values[k];
            }
        }
        value = Arrays.copyOf(val, nodes);
        edgeCount = nodes - 1;

        // Real vocabularies share prefixes heavily; rehash into a table at most about 2/3 full.
        long[] oldKeys = edgeKeys;
        int[] oldTargets = edgeTargets;
        allocate(edgeCount + (edgeCount >> 1) + 1);
        if (edgeKeys.length < oldKeys.length) {
            for (int slot = 0; slot < oldKeys.length; slot++) {
                if (oldKeys[slot] != EMPTY) {
                    int to = findSlot(oldKeys[slot]);
                    edgeKeys[to] = oldKeys[slot];
                    edgeTargets[to] = oldTargets[slot];
                }
            }
        } else {
            edgeKeys = oldKeys;
            edgeTargets = oldTargets;
            shift = 64 - Integer.numberOfTrailingZeros(oldKeys.length);
        }
    }

    /** An empty table of the smallest power of two holding {@code minSlots}. */
    private void allocate(long minSlots) {
        int bits = Math.max(4, 64 - Long.numberOfLeadingZeros(minSlots - 1));
        edgeKeys = new long[1 << bits];
        Arrays.fill(edgeKeys, EMPTY);
        edgeTargets = new int[1 << bits];
        shift = 64 - bits;
    }

    /** The slot holding {@code edge}, or the empty slot where it would go (linear probing). */
    private int findSlot(long edge) {
        int mask = edgeKeys.length - 1;
        int slot = slot(edge);
        while (edgeKeys[slot] != EMPTY && edgeKeys[slot] != edge) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private int slot(long edge) {
        return (int) ((edge * 0x9E3779B97F4A7C15L) >>> shift);
    }

    boolean isEmpty() {
        return edgeCount == 0;
    }

    /** The node reached from {@code node} by {@code c}, or -1 when no key continues that way. */
    int step(int node, char c) {
        long edge = ((long) node << 16) | c;
        int mask = edgeKeys.length - 1;
        for (int slot = slot(edge); ; slot = (slot + 1) & mask) {
            long k = edgeKeys[slot];
            if (k == edge) {
                return edgeTargets[slot];
            }
            if (k == EMPTY) {
                return -1;
            }
        }
    }

    /** The value of the key ending at {@code node}, or -1 when no key ends there. */
    int valueAt(int node) {
        return value[node];
    }

    /**
     * The longest key that is a prefix of {@code text.substring(from)}, packed as {@code (end << 32) | value},
     * or -1 when there is none.
     */
    long longestPrefix(CharSequence text, int from) {
        int node = ROOT;
        long best = -1;
        int n = text.length();
        for (int i = from; i < n; i++) {
            node = step(node, text.charAt(i));
            if (node < 0) {
                break;
            }
            if (value[node] >= 0) {
                best = ((long) (i + 1) << 32) | value[node];
            }
        }
        return best;
    }
}
