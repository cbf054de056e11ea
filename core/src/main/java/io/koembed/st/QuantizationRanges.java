package io.koembed.st;

import java.util.Arrays;

/**
 * The per-dimension calibration ranges of int8/uint8 quantization: {@code ranges} in sentence-transformers'
 * {@code quantize_embeddings}, the [2, dim] array of per-dimension minimum and maximum of the calibration
 * embeddings.
 *
 * @param min per-dimension minimum ({@code ranges[0]})
 * @param max per-dimension maximum ({@code ranges[1]})
 */
public record QuantizationRanges(float[] min, float[] max) {

    public QuantizationRanges {
        if (min.length != max.length) {
            throw new IllegalArgumentException("ranges differ in length: " + min.length + " vs " + max.length);
        }
        if (min.length == 0) {
            throw new IllegalArgumentException("ranges must cover at least one dimension");
        }
        min = min.clone();
        max = max.clone();
    }

    /**
     * The ranges of a calibration set: per-dimension min and max over its rows
     * ({@code np.vstack((np.min(calibration, axis=0), np.max(calibration, axis=0)))}).
     */
    public static QuantizationRanges of(float[][] calibration) {
        if (calibration.length == 0) {
            throw new IllegalArgumentException("calibration set is empty");
        }
        int dim = calibration[0].length;
        float[] lo = calibration[0].clone();
        float[] hi = calibration[0].clone();
        for (float[] row : calibration) {
            if (row.length != dim) {
                throw new IllegalArgumentException("calibration rows differ in length: " + row.length + " vs " + dim);
            }
            for (int d = 0; d < dim; d++) {
                float v = row[d];
                // np.min/np.max propagate NaN; so do we.
                if (v < lo[d] || Float.isNaN(v)) {
                    lo[d] = v;
                }
                if (v > hi[d] || Float.isNaN(v)) {
                    hi[d] = v;
                }
            }
        }
        return new QuantizationRanges(lo, hi);
    }

    public int dimension() {
        return min.length;
    }

    @Override
    public float[] min() {
        return min.clone();
    }

    @Override
    public float[] max() {
        return max.clone();
    }

    float minAt(int d) {
        return min[d];
    }

    float maxAt(int d) {
        return max[d];
    }

    /** The bucket width of dimension d: {@code (max - min) / 255} in float32, as numpy computes it. */
    public float step(int d) {
        return (max[d] - min[d]) / 255f;
    }

    /** The first {@code dim} dimensions (for Matryoshka-truncated vectors). */
    public QuantizationRanges truncate(int dim) {
        return new QuantizationRanges(Arrays.copyOf(min, dim), Arrays.copyOf(max, dim));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizationRanges r && Arrays.equals(min, r.min) && Arrays.equals(max, r.max);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(min) + Arrays.hashCode(max);
    }

    @Override
    public String toString() {
        return "QuantizationRanges[dim=" + min.length + "]";
    }
}
