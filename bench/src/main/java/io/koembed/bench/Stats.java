package io.koembed.bench;

import java.util.Arrays;

/** Order statistics of timings. */
public final class Stats {

    private Stats() {}

    /** The q-quantile (0..1) with linear interpolation between order statistics (numpy's default). */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(v.length - 1, lo + 1);
        return v[lo] + (pos - lo) * (v[hi] - v[lo]);
    }

    public static double median(double[] values) {
        return quantile(values, 0.5);
    }

    public static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
