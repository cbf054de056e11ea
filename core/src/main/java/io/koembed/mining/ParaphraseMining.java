package io.koembed.mining;

import io.koembed.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Paraphrase mining over embeddings: sentence-transformers' {@code util.paraphrase_mining_embeddings} with cosine
 * similarity, without ever holding the n×n score matrix.
 *
 * <p>What it returns, as sentence-transformers does:
 * <ol>
 *   <li>For each text i, its {@code topK + 1} most similar texts j (the +1 makes room for i itself, which is then
 *       skipped; so is any j == i).</li>
 *   <li>Each directed candidate (score, i, j) goes into a priority queue ordered by (score, i, j). Once
 *       {@code maxPairs} candidates have been added, every further one evicts the lowest, and a candidate must
 *       score above the last evicted score to get in. (A consequence of the original's bookkeeping: at most
 *       {@code maxPairs - 1} directed candidates survive, and since most pairs are found from both ends, the result
 *       then holds about {@code maxPairs / 2} distinct pairs.)</li>
 *   <li>The survivors are taken lowest first; each becomes the pair (min(i,j), max(i,j)) unless that pair is already
 *       taken (so of the two directions the lower score, or at equal scores the lower (i, j), is kept).</li>
 *   <li>The pairs are sorted by score, highest first; equal scores keep the previous order (Python's stable sort).</li>
 * </ol>
 *
 * <p><b>Chunking.</b> Scores are computed in blocks of {@code queryChunkSize × corpusChunkSize} and fed straight into
 * per-text top-k heaps, so memory is O(n·d + queryChunkSize·topK + maxPairs) and the result does not depend on the
 * chunk sizes. This is sentence-transformers' result with the whole corpus in one corpus chunk, which is what it
 * computes for up to {@code corpus_chunk_size} = 100,000 texts (its default). For larger inputs the original keeps
 * {@code topK + 1} candidates per text <em>per corpus chunk</em>, so its output depends on the chunk size; ours keeps
 * the overall best {@code topK + 1}.
 *
 * <p>Ties: torch's {@code topk} leaves the order of equal scores unspecified; here the lower index wins a tie.
 */
public final class ParaphraseMining {

    /** A mined pair: {@code i < j}, their cosine similarity as float32 (as torch computes it). */
    public record Pair(float score, int i, int j) {}

    /**
     * @param queryChunkSize  texts scored together as queries (memory: queryChunkSize × (topK + 1) candidates)
     * @param corpusChunkSize texts scored against per block (for cache locality; does not change results)
     * @param maxPairs        sentence-transformers' {@code max_pairs} (see the class comment for its exact meaning)
     * @param topK            for each text, how many other texts to consider ({@code top_k})
     */
    public record Options(int queryChunkSize, int corpusChunkSize, int maxPairs, int topK) {
        public Options {
            if (queryChunkSize < 1 || corpusChunkSize < 1) {
                throw new IllegalArgumentException("chunk sizes must be at least 1, got " + queryChunkSize + " and "
                        + corpusChunkSize);
            }
            if (maxPairs < 1) {
                throw new IllegalArgumentException("max pairs must be at least 1, got " + maxPairs);
            }
            if (topK < 1) {
                throw new IllegalArgumentException("top k must be at least 1, got " + topK);
            }
        }

        /** sentence-transformers' defaults (top_k 100, max_pairs 500,000) with memory-friendly chunk sizes. */
        public static Options defaults() {
            return new Options(1024, 512, 500_000, 100);
        }

        public Options withTopK(int topK) {
            return new Options(queryChunkSize, corpusChunkSize, maxPairs, topK);
        }

        public Options withMaxPairs(int maxPairs) {
            return new Options(queryChunkSize, corpusChunkSize, maxPairs, topK);
        }

        public Options withChunkSizes(int queryChunkSize, int corpusChunkSize) {
            return new Options(queryChunkSize, corpusChunkSize, maxPairs, topK);
        }
    }

    private ParaphraseMining() {}

    public static List<Pair> mine(float[][] embeddings) {
        return mine(embeddings, Options.defaults(), Progress.NONE);
    }

    /**
     * The mined pairs, highest score first. {@code progress} hears the number of texts whose neighbours are done.
     */
    public static List<Pair> mine(float[][] embeddings, Options options, Progress progress) {
        Vectors.checkedDimension(embeddings);
        int n = embeddings.length;
        if (n < 2) {
            return List.of();
        }
        float[][] e = Vectors.normalized(embeddings);
        int k = Math.min(options.topK() + 1, n);
        CandidateQueue queue = new CandidateQueue(options.maxPairs());
        for (int qs = 0; qs < n; qs += options.queryChunkSize()) {
            int qStart = qs;
            int qEnd = Math.min(n, qs + options.queryChunkSize());
            TopK top = new TopK(qEnd - qStart, k);
            for (int cs = 0; cs < n; cs += options.corpusChunkSize()) {
                int cStart = cs;
                int cEnd = Math.min(n, cs + options.corpusChunkSize());
                IntStream.range(qStart, qEnd).parallel().forEach(i -> {
                    float[] q = e[i];
                    int row = i - qStart;
                    for (int j = cStart; j < cEnd; j++) {
                        top.offer(row, Vectors.dot(q, e[j]), j);
                    }
                });
            }
            for (int i = qStart; i < qEnd; i++) {
                for (int p : top.sortedOrder(i - qStart)) {
                    int j = top.index(p);
                    if (i != j) {
                        queue.add(top.score(p), i, j);
                    }
                }
            }
            progress.update(qEnd, n);
        }
        return queue.pairs();
    }

    /** sentence-transformers' {@code queue.PriorityQueue} of (score, i, j) with its max_pairs bookkeeping. */
    static final class CandidateQueue {
        private final int maxPairs;
        private float[] score = new float[16];
        private int[] first = new int[16];
        private int[] second = new int[16];
        private int size;
        private long added;
        private float minScore = -1f;

        CandidateQueue(int maxPairs) {
            this.maxPairs = maxPairs;
        }

        void add(float s, int i, int j) {
            if (!(s > minScore)) {
                return;
            }
            push(s, i, j);
            added++;
            if (added >= maxPairs) {
                minScore = score[0];
                pop();
            }
        }

        /** Python tuple order: score, then i, then j. */
        private boolean less(int a, int b) {
            return score[a] < score[b] || (score[a] == score[b]
                    && (first[a] < first[b] || (first[a] == first[b] && second[a] < second[b])));
        }

        private void push(float s, int i, int j) {
            if (size == score.length) {
                int cap = size * 2;
                score = Arrays.copyOf(score, cap);
                first = Arrays.copyOf(first, cap);
                second = Arrays.copyOf(second, cap);
            }
            score[size] = s;
            first[size] = i;
            second[size] = j;
            int pos = size++;
            while (pos > 0) {
                int parent = (pos - 1) >>> 1;
                if (!less(pos, parent)) {
                    break;
                }
                swap(pos, parent);
                pos = parent;
            }
        }

        private void pop() {
            size--;
            swap(0, size);
            int pos = 0;
            while (true) {
                int child = 2 * pos + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && less(child + 1, child)) {
                    child++;
                }
                if (!less(child, pos)) {
                    break;
                }
                swap(pos, child);
                pos = child;
            }
        }

        private void swap(int a, int b) {
            float s = score[a];
            score[a] = score[b];
            score[b] = s;
            int t = first[a];
            first[a] = first[b];
            first[b] = t;
            t = second[a];
            second[a] = second[b];
            second[b] = t;
        }

        /** Drains the queue lowest first, keeps the first of each unordered pair, sorts by score descending. */
        List<Pair> pairs() {
            Integer[] order = new Integer[size];
            for (int t = 0; t < size; t++) {
                order[t] = t;
            }
            Arrays.sort(order, (a, b) -> less(a, b) ? -1 : less(b, a) ? 1 : 0);
            Set<Long> seen = new HashSet<>();
            List<Pair> out = new ArrayList<>();
            for (int t : order) {
                int a = Math.min(first[t], second[t]);
                int b = Math.max(first[t], second[t]);
                if (a != b && seen.add(((long) a << 32) | b)) {
                    out.add(new Pair(score[t], a, b));
                }
            }
            // Java's object sort is stable, as Python's sorted(..., reverse=True) is for equal keys.
            out.sort((x, y) -> y.score() > x.score() ? 1 : y.score() < x.score() ? -1 : 0);
            return out;
        }
    }
}
