package io.koembed.train;

/**
 * Cosine similarity as sentence-transformers computes it (each vector divided by {@code max(‖x‖, 1e-12)}, as
 * torch's {@code normalize}, then a dot product) and the way back from a gradient with respect to the unit
 * vectors to one with respect to the vectors. In double.
 */
final class Cosines {

    private Cosines() {
    }

    static double norm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.max(Math.sqrt(s), 1e-12);
    }

    static double[] unit(float[] x) {
        double n = norm(x);
        double[] u = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            u[i] = x[i] / n;
        }
        return u;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** {@code into = d(x / ‖x‖)ᵀ dUnit = (dUnit - u (u · dUnit)) / ‖x‖}, written as float. */
    static void backToVector(double[] dUnit, double[] u, float[] x, float[] into) {
        double n = norm(x), dot = dot(u, dUnit);
        for (int i = 0; i < u.length; i++) {
            into[i] = (float) ((dUnit[i] - u[i] * dot) / n);
        }
    }

    /** {@code into += s · v}. */
    static void addScaled(double[] into, double s, double[] v) {
        for (int i = 0; i < v.length; i++) {
            into[i] += s * v[i];
        }
    }
}
