package io.koembed.mining;

import io.koembed.tensor.VectorOps;

/** Checks and the float32 arithmetic the mining code shares. */
final class Vectors {
    private static final VectorOps OPS = VectorOps.best();

    private Vectors() {}

    /** The common dimension of the rows; every row must be present, equally long and finite. */
    static int checkedDimension(float[][] x) {
        if (x == null) {
            throw new IllegalArgumentException("embeddings must not be null");
        }
        int d = -1;
        for (int i = 0; i < x.length; i++) {
            float[] row = x[i];
            if (row == null) {
                throw new IllegalArgumentException("embedding " + i + " is null");
            }
            if (d < 0) {
                d = row.length;
            } else if (row.length != d) {
                throw new IllegalArgumentException("embeddings differ in dimension: row 0 has " + d + ", row " + i
                        + " has " + row.length);
            }
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("embedding " + i + " holds a non-finite value (" + v + ")");
                }
            }
        }
        return Math.max(d, 0);
    }

    /** Each row as torch's {@code F.normalize}: what {@code cos_sim} and {@code normalize_embeddings} do first. */
    static float[][] normalized(float[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = VectorOps.l2Normalized(x[i]);
        }
        return out;
    }

    /** One dot product on the SIMD primitives. */
    static float dot(float[] a, float[] b) {
        return OPS.dot(a, 0, b, 0, a.length);
    }
}
