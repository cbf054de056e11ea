package io.koembed.eval;

/**
 * The predicted score of every pair under each similarity function of sentence-transformers 3.0.1's
 * {@code EmbeddingSimilarityEvaluator}, in double precision:
 *
 * <ul>
 *   <li>cosine: {@code 1 - paired_cosine_distances(e1, e2)}, i.e. {@code 1 - ||x/|x| - y/|y|||^2 / 2}, where
 *       a zero vector is left as it is rather than divided by its norm (as sklearn's {@code normalize});</li>
 *   <li>manhattan: {@code -paired_manhattan_distances}, the negated L1 distance;</li>
 *   <li>euclidean: {@code -paired_euclidean_distances}, the negated L2 distance;</li>
 *   <li>dot: {@code np.dot(e1[i], e2[i])}.</li>
 * </ul>
 *
 * sentence-transformers does this arithmetic on float32 arrays; here it is done in double from the float32
 * embeddings, so values differ from its by float32 rounding (about 1e-7), which moves correlations by far less
 * than the embeddings themselves differ between implementations.
 */
public record PairScores(double[] cosine, double[] manhattan, double[] euclidean, double[] dot) {

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
            double na = norm(a);
            double nb = norm(b);
            double sa = na == 0 ? 1 : na; // sklearn.preprocessing.normalize leaves zero rows unchanged
            double sb = nb == 0 ? 1 : nb;
            double cos = 0;
            double l1 = 0;
            double l2 = 0;
            double d = 0;
            for (int k = 0; k < a.length; k++) {
                double x = a[k];
                double y = b[k];
                double u = x / sa - y / sb;
                cos += u * u;
                l1 += Math.abs(x - y);
                l2 += (x - y) * (x - y);
                d += x * y;
            }
            cosine[i] = 1 - 0.5 * cos;
            manhattan[i] = -l1;
            euclidean[i] = -Math.sqrt(l2);
            dot[i] = d;
        }
        return new PairScores(cosine, manhattan, euclidean, dot);
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** Number of pairs. */
    public int size() {
        return cosine.length;
    }
}
