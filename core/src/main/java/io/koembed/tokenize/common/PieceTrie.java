package io.koembed.tokenize.common;

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
 *
 * <p>Public for the models ({@code io.koembed.tokenize.models}); not part of KoEmbed's API.
 */
public final class PieceTrie {
    /** The root node, where every walk starts. */
    public static final int ROOT = 0;

    private final EdgeTable edges;
    private final int[] value; // per node: value of the key ending there, or -1
    private final int keyCount;

    /**
     * @param keys      the strings; empty keys are ignored (they can never match, as in the Rust tries)
     * @param values    the value of each key
     * @param keepFirst for a key given more than once, keep the value of its first occurrence (otherwise its last)
     */
    public PieceTrie(String[] keys, int[] values, boolean keepFirst) {
        long totalChars = 0;
        for (String k : keys) {
            totalChars += k.length();
        }
        if (totalChars > (1 << 27)) { // keeps the edge table's array (2 longs a slot) within Java's array size
            throw new IllegalArgumentException("vocabulary too large: " + totalChars + " characters");
        }
        int maxNodes = (int) totalChars + 1;
        // Sized for an edge per two characters (a synthetic 250,002-piece vocabulary had 0.57), grown when fuller than
        // 2/3: sizing for the worst case (no shared prefixes) allocated and filled twice the memory, then shrank.
        EdgeTable table = new EdgeTable(3 * totalChars / 4 + 16);
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
                long edge = EdgeTable.edge(node, key.charAt(i));
                int at = table.find(edge);
                if (table.entries[at] == EdgeTable.EMPTY) {
                    table.entries[at] = edge;
                    table.entries[at + 1] = nodes;
                    node = nodes++;
                    if (nodes - 1 > table.slots() * 2 / 3) {
                        table = table.resizedTo(2L * table.slots());
                    }
                } else {
                    node = (int) table.entries[at + 1];
                }
            }
            if (val[node] < 0 || !keepFirst) {
                val[node] = values[k];
            }
        }
        value = Arrays.copyOf(val, nodes);
        int distinct = 0;
        for (int v : value) {
            distinct += v >= 0 ? 1 : 0;
        }
        keyCount = distinct;
        edges = table.shrunkTo(nodes - 1); // real vocabularies share prefixes heavily
    }

    public boolean isEmpty() {
        return value.length == 1;
    }

    /** The node reached from {@code node} by {@code c}, or -1 when no key continues that way. */
    public int step(int node, char c) {
        long edge = EdgeTable.edge(node, c);
        int at = edges.find(edge);
        return edges.entries[at] == edge ? (int) edges.entries[at + 1] : -1;
    }

    /** How many distinct (non-empty) keys there are. */
    public int keyCount() {
        return keyCount;
    }

    /** The value of the key {@code text[from, to)}, or -1 when it is not a key (the empty string never is). */
    public int get(CharSequence text, int from, int to) {
        int node = ROOT;
        for (int i = from; i < to && node >= 0; i++) {
            node = step(node, text.charAt(i));
        }
        return node > ROOT ? value[node] : -1;
    }

    /** The value of the key ending at {@code node}, or -1 when no key ends there. */
    public int valueAt(int node) {
        return value[node];
    }

    /**
     * The longest key that is a prefix of {@code text.substring(from)}, packed as {@code (end << 32) | value},
     * or -1 when there is none.
     */
    public long longestPrefix(CharSequence text, int from) {
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

    /**
     * Linear-probing hash table from edge keys {@code (parent << 16) | char} to child nodes. Key and child sit side
     * by side in one array, so that a probe costs one cache miss, not one in a key array and another in a target
     * array: a 250,002-piece vocabulary makes a table of tens of MB, and building its trie was mostly those misses.
     */
    private static final class EdgeTable {
        static final long EMPTY = -1L;

        /** Per slot s: the edge key at [2s], the child node at [2s + 1]. */
        final long[] entries;
        private final int shift; // 64 - log2(slots)

        /** An empty table of the smallest power of two of slots holding {@code minSlots}. */
        EdgeTable(long minSlots) {
            int bits = Math.max(4, 64 - Long.numberOfLeadingZeros(minSlots - 1));
            entries = new long[2 << bits];
            for (int at = 0; at < entries.length; at += 2) {
                entries[at] = EMPTY;
            }
            shift = 64 - bits;
        }

        static long edge(int node, char c) {
            return ((long) node << 16) | c;
        }

        /** The index in {@link #entries} of the slot holding {@code edge}, or of the empty slot where it would go. */
        int find(long edge) {
            int mask = entries.length - 1;
            int at = (int) ((edge * 0x9E3779B97F4A7C15L) >>> shift) << 1;
            while (entries[at] != EMPTY && entries[at] != edge) {
                at = (at + 2) & mask;
            }
            return at;
        }

        int slots() {
            return entries.length >> 1;
        }

        /** This table, or a copy at most about 2/3 full when that is smaller. */
        EdgeTable shrunkTo(int edgeCount) {
            long minSlots = edgeCount + (edgeCount >> 1) + 1L;
            return minSlots <= slots() / 2 ? resizedTo(minSlots) : this;
        }

        /** A copy of this table with at least {@code minSlots} slots. */
        EdgeTable resizedTo(long minSlots) {
            EdgeTable copy = new EdgeTable(minSlots);
            for (int at = 0; at < entries.length; at += 2) {
                if (entries[at] != EMPTY) {
                    int to = copy.find(entries[at]);
                    copy.entries[to] = entries[at];
                    copy.entries[to + 1] = entries[at + 1];
                }
            }
            return copy;
        }
    }
}
