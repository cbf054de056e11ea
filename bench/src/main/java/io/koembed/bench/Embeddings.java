package io.koembed.bench;

/** Comparison of embeddings. */
public final class Embeddings {

    private Embeddings() {}

    /** The largest |a - b| over all entries; infinite if the shapes differ or a value is NaN. */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, maxAbsDiff(a[i], b[i]));
        }
        return worst;
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a == null || b == null || a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= worst)) {           // also catches NaN
                worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return worst;
    }

    /** Index of the row of a where |a - b| is largest, for error messages. */
    public static int worstRow(float[][] a, float[][] b) {
        int worst = 0;
        double w = -1;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            double d = maxAbsDiff(a[i], b[i]);
            if (d > w) {
                w = d;
                worst = i;
            }
        }
        return worst;
    }

    /** Cosine similarity of each row of a with the same row of b (in double precision). */
    public static double[] rowCosines(float[][] a, float[][] b) {
        double[] cos = new double[Math.min(a.length, b.length)];
        for (int i = 0; i < cos.length; i++) {
            double dot = 0, na = 0, nb = 0;
            for (int j = 0; j < a[i].length; j++) {
                dot += (double) a[i][j] * b[i][j];
                na += (double) a[i][j] * a[i][j];
                nb += (double) b[i][j] * b[i][j];
            }
            cos[i] = dot / Math.sqrt(na * nb);
        }
        return cos;
    }
}
