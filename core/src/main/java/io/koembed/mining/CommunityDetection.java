package io.koembed.mining;

import io.koembed.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Fast community detection over embeddings: sentence-transformers' {@code util.community_detection}.
 *
 * <p>The algorithm, as the original (CPU branch) does it:
 * <ol>
 *   <li>Normalize the embeddings; cosine similarity is then a dot product. Scores are float32 and compared with the
 *       threshold rounded to float32 (the original makes the threshold a float32 tensor).</li>
 *   <li>For each text i in order: if at least {@code minCommunitySize} texts (i itself included) score
 *       {@code >= threshold} with it, its candidate community is all of them, most similar first (so i, or a
 *       duplicate of it, comes first: "the central point").</li>
 *   <li>Sort the candidates by size, largest first, stably (equal sizes keep text order).</li>
 *   <li>Walk them in that order, dropping members already taken by an earlier community; keep what is left if it
 *       still has at least {@code minCommunitySize} members, and mark those members taken.</li>
 *   <li>Sort the kept communities by size again (stably), largest first.</li>
 * </ol>
 * {@code minCommunitySize} is capped at the number of texts, as in the original. Texts in no community are simply
 * absent from the result.
 *
 * <p>Differences: the original finds the members of a row with {@code topk(sort_max_size)} and widens that window
 * while its last value is strictly above the threshold; when a score equals the threshold exactly at the window's
 * edge it can stop early and miss equal scores beyond it. Here every score {@code >= threshold} is taken. Equal
 * scores inside a community are ordered by lower index first (torch leaves that unspecified). Memory is a row of n
 * scores per worker thread plus the candidate communities.
 */
public final class CommunityDetection {

    private CommunityDetection() {}

    /** With sentence-transformers' defaults: threshold 0.75, minimum community size 10, batch size 1024. */
    public static List<int[]> detect(float[][] embeddings) {
        return detect(embeddings, 0.75f, 10, 1024, Progress.NONE);
    }

    /**
     * The communities, largest first; each lists text indices, its central point first.
     *
     * @param threshold        minimum cosine similarity for two texts to be close
     * @param minCommunitySize communities smaller than this (after overlap removal) are dropped; at least 1
     * @param batchSize        rows scored at a time (memory only; does not change results)
     * @param progress         hears the number of rows scored
     */
    public static List<int[]> detect(float[][] embeddings, float threshold, int minCommunitySize, int batchSize,
                                     Progress progress) {
        if (minCommunitySize < 1) {
            throw new IllegalArgumentException("minimum community size must be at least 1, got " + minCommunitySize);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (Float.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must be a number");
        }
        Vectors.checkedDimension(embeddings);
        int n = embeddings.length;
        if (n == 0) {
            return List.of();
        }
        float[][] e = Vectors.normalized(embeddings);
        int minSize = Math.min(minCommunitySize, n);

        int[][] candidate = new int[n][];
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            IntStream.range(start, end).parallel().forEach(i -> candidate[i] = closeTo(e, i, threshold, minSize));
            progress.update(end, n);
        }

        List<int[]> extracted = new ArrayList<>();
        for (int[] c : candidate) {
            if (c != null) {
                extracted.add(c);
            }
        }
        Comparator<int[]> largestFirst = (a, b) -> Integer.compare(b.length, a.length);
        extracted.sort(largestFirst); // stable

        boolean[] taken = new boolean[n];
        List<int[]> unique = new ArrayList<>();
        for (int[] community : extracted) {
            int[] rest = Arrays.stream(community).filter(idx -> !taken[idx]).toArray();
            if (rest.length >= minSize) {
                unique.add(rest);
                for (int idx : rest) {
                    taken[idx] = true;
                }
            }
        }
        unique.sort(largestFirst);
        return unique;
    }

    /** All j with score(i, j) >= threshold, most similar first, or null if fewer than minSize. */
    private static int[] closeTo(float[][] e, int i, float threshold, int minSize) {
        int n = e.length;
        float[] q = e[i];
        float[] scores = new float[n];
        int count = 0;
        for (int j = 0; j < n; j++) {
            float s = Vectors.dot(q, e[j]);
            scores[j] = s;
            if (s >= threshold) {
                count++;
            }
        }
        if (count < minSize) {
            return null;
        }
        // sort keys: higher score first, then lower index; a primitive sort (communities can be large)
        long[] keys = new long[count];
        int m = 0;
        for (int j = 0; j < n; j++) {
            if (scores[j] >= threshold) {
                keys[m++] = ((long) ~ascendingBits(scores[j]) << 32) | j;
            }
        }
        Arrays.sort(keys);
        int[] out = new int[count];
        for (int t = 0; t < count; t++) {
            out[t] = (int) keys[t];
        }
        return out;
    }

    /** An int whose signed order is the float's numeric order (-0.0 counts as 0.0; no NaN here). */
    static int ascendingBits(float f) {
        int bits = Float.floatToIntBits(f + 0.0f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }
}
