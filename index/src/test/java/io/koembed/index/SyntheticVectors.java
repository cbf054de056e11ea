package io.koembed.index;

import java.util.SplittableRandom;

/**
 * (A copy of core's test helper io.koembed.search.SyntheticVectors: modules do not share test code.)
 *
 * Clustered random vectors with a fixed seed, for recall and memory measurements: {@code clusters} random unit
 * centers, each vector a center plus Gaussian noise, then L2-normalized (as a cosine model's outputs are). A shared
 * offset gives every dimension a non-zero mean, as real sentence embeddings have. Neighbours are then mostly
 * within a cluster but not trivially so, which keeps ANN recall meaningful.
 */
public final class SyntheticVectors {
    private final int dim;
    private final float[][] centers;
    private final float[] offset;
    private final double noise;

    public SyntheticVectors(int dim, int clusters, double noise, long seed) {
        this.dim = dim;
        this.noise = noise;
        SplittableRandom r = new SplittableRandom(seed);
        centers = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centers[c] = unit(gaussian(r, dim, 1.0));
        }
        offset = new float[dim];
        for (int d = 0; d < dim; d++) {
            offset[d] = (float) (r.nextGaussian() * 0.5 / Math.sqrt(dim));
        }
    }

    /** n vectors drawn with this seed (different seeds give disjoint draws, e.g. corpus and queries). */
    public float[][] sample(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] c = centers[r.nextInt(centers.length)];
            float[] v = gaussian(r, dim, noise / Math.sqrt(dim));
            for (int d = 0; d < dim; d++) {
                v[d] += c[d] + offset[d];
            }
            out[i] = unit(v);
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom r, int dim, double sigma) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int d = 0; d < v.length; d++) {
            v[d] *= inv;
        }
        return v;
    }
}
