package io.koembed.eval;

import io.koembed.tensor.VectorOps;

/**
 * The predicted score of every pair under each similarity function of sentence-transformers 3.0.1's
 * {@code EmbeddingSimilarityEvaluator}, as doubles:
 *
 * <ul>
 *   <li>cosine: {@code 1 - paired_cosine_distances(e1, e2)}, i.e. {@code 1 - ||x/|x| - y/|y|||^2 / 2}, where
 *       a zero vector is left as it is rather than divided by its norm (as sklearn's {@code normalize});</li>
 *   <li>manhattan: {@code -paired_manhattan_distances}, the negated L1 distance;</li>
 *   <li>euclidean: {@code -paired_euclidean_distances}, the negated L2 distance;</li>
 *   <li>dot: {@code np.dot(e1[i], e2[i])}.</li>
 * </ul>
 *
 * The products and distances come from {@link VectorOps} (float32, as sentence-transformers' numpy arrays); the
 * cosine is {@code x·y / (|x||y|)}, which equals sklearn's formula but for rounding, with sklearn's answers for
 * zero vectors (0.5 against a non-zero vector, 1 between two zero vectors).
 */
public record PairScores(double[] cosine, double[] manhattan, double[] euclidean, double[] dot) {
    private static final VectorOps OPS = VectorOps.best();

    /** The four scores of each pair (e1[i], e2[i]). */
    public static PairScores of(float[][] e1, float[][] e2) {
        if (e1.length != e2.length) {
            throw new IllegalArgumentException("embeddings1 and embeddings2 differ in count: " + e1.length
                    + " vs " + e2.length);
        }
        int n = e1.length;
        double[] cosine = new double[n];
        double[] manhattan = new double[n];
        double[] euclidean = new double[n];
        double[] dot = new double[n];
        for (int i = 0; i < n; i++) {
            float[] a = e1[i];
            float[] b = e2[i];
            if (a.length != b.length) {
                throw new IllegalArgumentException("pair " + i + ": embeddings differ in length: " + a.length
                        + " vs " + b.length);
            }
            double ab = OPS.dot(a, b);
            double na = VectorOps.norm(a);
            double nb = VectorOps.norm(b);
            // sklearn.preprocessing.normalize leaves a zero row as it is, so ||x/|x| - y/|y|||^2 / 2 counts each
            // zero vector as 1/2 instead of the 1 - cos of two unit vectors
            cosine[i] = na > 0 && nb > 0 ? ab / (na * nb) : 1 - 0.5 * ((na > 0 ? 1 : 0) + (nb > 0 ? 1 : 0));
            manhattan[i] = -OPS.l1Distance(a, b);
            euclidean[i] = -Math.sqrt(OPS.squareDistance(a, b));
            dot[i] = ab;
        }
        return new PairScores(cosine, manhattan, euclidean, dot);
    }

    /** Number of pairs. */
    public int size() {
        return cosine.length;
    }
}
