package io.koembed.eval;

import java.util.Arrays;

/**
 * Pearson and Spearman correlation in double precision, as {@code scipy.stats.pearsonr} and
 * {@code scipy.stats.spearmanr} compute them for two 1-D samples (the statistic only, no p-value).
 *
 * <ul>
 *   <li>Pearson: both samples centred on their means, each divided by its norm, then the dot product, clipped
 *       to [-1, 1].</li>
 *   <li>Spearman: Pearson of the ranks, ties getting the average of the ranks they span (as
 *       {@code scipy.stats.rankdata(method="average")}; STS gold scores have many ties).</li>
 *   <li>As scipy (with its default {@code nan_policy="propagate"}): a sample that is constant, or holds a NaN,
 *       gives NaN; fewer than two values, or samples of different lengths, are an error.</li>
 * </ul>
 *
 * Sums are compensated (Neumaier), so results agree with scipy's to about 1e-15.
 */
public final class Correlation {
    private Correlation() {}

    /** Pearson's r of x and y. */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        if (hasNaN(x) || hasNaN(y) || isConstant(x) || isConstant(y)) {
            return Double.NaN;
        }
        return centredCorrelation(x, y);
    }

    /** Spearman's rho of x and y: Pearson's r of their average ranks. */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        if (hasNaN(x) || hasNaN(y) || isConstant(x) || isConstant(y)) {
            return Double.NaN;
        }
        return centredCorrelation(rank(x), rank(y));
    }

    /**
     * 1-based ranks of the values, tied values getting the mean of the ranks they span (scipy's
     * {@code rankdata(a, method="average")}), e.g. [10, 20, 10, 30] gives [1.5, 3, 1.5, 4].
     */
    public static double[] rank(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double[] ranks = new double[n];
        int start = 0;
        while (start < n) {
            int end = start; // the tie group is order[start..end]
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double average = (start + 1 + end + 1) / 2.0;
            for (int k = start; k <= end; k++) {
                ranks[order[k]] = average;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double centredCorrelation(double[] x, double[] y) {
        int n = x.length;
        double mx = sum(x) / n;
        double my = sum(y) / n;
        double[] xm = new double[n];
        double[] ym = new double[n];
        for (int i = 0; i < n; i++) {
            xm[i] = x[i] - mx;
            ym[i] = y[i] - my;
        }
        double nx = Math.sqrt(dot(xm, xm));
        double ny = Math.sqrt(dot(ym, ym));
        for (int i = 0; i < n; i++) {
            xm[i] /= nx;
            ym[i] /= ny;
        }
        double r = dot(xm, ym);
        return Math.max(-1.0, Math.min(1.0, r));
    }

    private static double sum(double[] v) {
        double s = 0;
        double c = 0;
        for (double d : v) {
            double t = s + d;
            c += Math.abs(s) >= Math.abs(d) ? (s - t) + d : (d - t) + s;
            s = t;
        }
        return s + c;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        double c = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] * b[i];
            double t = s + d;
            c += Math.abs(s) >= Math.abs(d) ? (s - t) + d : (d - t) + s;
            s = t;
        }
        return s + c;
    }

    private static void check(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("samples differ in length: " + x.length + " vs " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("a correlation needs at least 2 pairs, got " + x.length);
        }
    }

    private static boolean hasNaN(double[] v) {
        for (double d : v) {
            if (Double.isNaN(d)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isConstant(double[] v) {
        for (double d : v) {
            if (d != v[0]) {
                return false;
            }
        }
        return true;
    }
}
