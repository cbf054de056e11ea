package io.koembed.mining;

import io.koembed.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * k-means as scikit-learn's {@code KMeans(init="k-means++", algorithm="lloyd")} does it, deterministic from a seed.
 *
 * <ul>
 *   <li><b>Initialisation:</b> greedy k-means++: the first centre is a uniformly random point; each further centre
 *       is the best (lowest resulting inertia) of {@code 2 + floor(ln k)} points sampled with probability
 *       proportional to their squared distance to the nearest centre so far.</li>
 *   <li><b>Lloyd iterations:</b> assign each point to its nearest centre (lowest index on ties), move each centre to
 *       the mean of its points; an empty cluster takes the point farthest from its centre. Stop when the
 *       assignment no longer changes, or when the summed squared centre shift is at most
 *       {@code tol × mean per-feature variance} of the data, or after {@code maxIter} iterations (then the
 *       points are assigned once more to the final centres, so labels and centres agree).</li>
 *   <li><b>{@code nInit} runs:</b> the result with the lowest inertia (sum of squared distances to the assigned
 *       centre) wins; a run that finds the same partition again does not replace the earlier one.</li>
 * </ul>
 *
 * The random numbers come from {@link SplittableRandom}, not NumPy, so the same seed picks other initial centres
 * than scikit-learn; Lloyd from the same initial centres gives the same result (see the tests). Arithmetic is in
 * double. For cosine k-means on sentence embeddings, normalize the vectors first (the CLI does that by default).
 */
public final class KMeans {

    /**
     * @param k       number of clusters, at least 1 and at most the number of points
     * @param seed    seeds the k-means++ initialisations
     * @param nInit   number of initialisations; the lowest inertia wins (scikit-learn's classic default 10)
     * @param maxIter Lloyd iterations per run at most (scikit-learn: 300)
     * @param tol     relative tolerance on the centre shift (scikit-learn: 1e-4)
     */
    public record Options(int k, long seed, int nInit, int maxIter, double tol) {
        public Options {
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, got " + k);
            }
            if (nInit < 1 || maxIter < 1) {
                throw new IllegalArgumentException("n_init and max_iter must be at least 1, got " + nInit + " and "
                        + maxIter);
            }
            if (!(tol >= 0)) {
                throw new IllegalArgumentException("tol must be >= 0, got " + tol);
            }
        }

        public static Options of(int k, long seed) {
            return new Options(k, seed, 10, 300, 1e-4);
        }

        public Options withNInit(int nInit) {
            return new Options(k, seed, nInit, maxIter, tol);
        }
    }

    /**
     * A clustering.
     *
     * @param labels     the cluster of each point
     * @param centers    [k][d] cluster centres
     * @param inertia    sum of squared distances of the points to their centres
     * @param iterations Lloyd iterations of the run that produced this result
     */
    public record Result(int[] labels, double[][] centers, double inertia, int iterations) {
        /** The members of each cluster, in index order. */
        public List<int[]> clusters() {
            int[] counts = new int[centers.length];
            for (int l : labels) {
                counts[l]++;
            }
            List<int[]> out = new ArrayList<>();
            int[] fill = new int[centers.length];
            for (int c = 0; c < centers.length; c++) {
                out.add(new int[counts[c]]);
            }
            for (int i = 0; i < labels.length; i++) {
                out.get(labels[i])[fill[labels[i]]++] = i;
            }
            return out;
        }
    }

    private KMeans() {}

    /**
     * Clusters the points. The clusters of the result are numbered by size, largest first (equal sizes: the one
     * holding the lowest index first), so the numbering does not depend on which initialisation won.
     * {@code progress} hears the number of initialisations done.
     */
    public static Result fit(float[][] points, Options options, Progress progress) {
        int d = Vectors.checkedDimension(points);
        int n = points.length;
        if (options.k() > n) {
            throw new IllegalArgumentException("k = " + options.k() + " clusters need at least as many points, got "
                    + n);
        }
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < d; t++) {
                x[i][t] = points[i][t];
            }
        }
        double tol = absoluteTolerance(x, options.tol());
        SplittableRandom seeds = new SplittableRandom(options.seed());
        Result best = null;
        for (int run = 0; run < options.nInit(); run++) {
            SplittableRandom rng = new SplittableRandom(seeds.nextLong());
            Result r = lloydAbsolute(x, kMeansPlusPlus(x, options.k(), rng), options.maxIter(), tol);
            if (best == null || (r.inertia() < best.inertia() && !samePartition(r.labels(), best.labels(),
                    options.k()))) {
                best = r;
            }
            progress.update(run + 1, options.nInit());
        }
        return renumbered(best);
    }

    /**
     * Lloyd iterations from the given initial centres (scikit-learn's {@code KMeans(init=centers, n_init=1,
     * algorithm="lloyd")}); {@code tol} is relative, as there. Clusters keep the numbering of the initial centres.
     */
    public static Result lloyd(double[][] x, double[][] initialCenters, int maxIter, double tol) {
        if (initialCenters.length < 1 || initialCenters.length > x.length) {
            throw new IllegalArgumentException("need between 1 and " + x.length + " initial centres, got "
                    + initialCenters.length);
        }
        double[][] init = new double[initialCenters.length][];
        for (int c = 0; c < init.length; c++) {
            init[c] = initialCenters[c].clone();
        }
        return lloydAbsolute(x, init, maxIter, absoluteTolerance(x, tol));
    }

    /** scikit-learn's {@code _tolerance}: tol times the mean of the per-feature variances. */
    static double absoluteTolerance(double[][] x, double tol) {
        if (tol == 0 || x.length == 0) {
            return 0;
        }
        int d = x[0].length;
        double sum = 0;
        for (int t = 0; t < d; t++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[t];
            }
            mean /= x.length;
            double var = 0;
            for (double[] row : x) {
                double dev = row[t] - mean;
                var += dev * dev;
            }
            sum += var / x.length;
        }
        return d == 0 ? 0 : sum / d * tol;
    }

    static double[][] kMeansPlusPlus(double[][] x, int k, SplittableRandom rng) {
        int n = x.length;
        int trials = 2 + (int) Math.log(k);
        double[][] centers = new double[k][];
        int first = rng.nextInt(n);
        centers[0] = x[first].clone();
        double[] closest = new double[n];
        double pot = 0;
        for (int i = 0; i < n; i++) {
            closest[i] = squaredDistance(x[i], centers[0]);
            pot += closest[i];
        }
        double[] cumulative = new double[n];
        for (int c = 1; c < k; c++) {
            double acc = 0;
            for (int i = 0; i < n; i++) {
                acc += closest[i];
                cumulative[i] = acc;
            }
            int bestCandidate = -1;
            double bestPot = Double.POSITIVE_INFINITY;
            double[] bestDistances = null;
            for (int t = 0; t < trials; t++) {
                double r = rng.nextDouble() * pot;
                int candidate = searchLeft(cumulative, r);
                double[] dist = new double[n];
                double candidatePot = 0;
                for (int i = 0; i < n; i++) {
                    dist[i] = Math.min(closest[i], squaredDistance(x[i], x[candidate]));
                    candidatePot += dist[i];
                }
                if (candidatePot < bestPot) {
                    bestPot = candidatePot;
                    bestCandidate = candidate;
                    bestDistances = dist;
                }
            }
            if (bestCandidate < 0) { // only if every potential is NaN, which checked input rules out
                throw new IllegalStateException("k-means++ found no candidate");
            }
            centers[c] = x[bestCandidate].clone();
            closest = bestDistances;
            pot = bestPot;
        }
        return centers;
    }

    /** numpy's {@code searchsorted(a, v, side="left")}, clipped to the last index. */
    private static int searchLeft(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return Math.min(lo, sorted.length - 1);
    }

    private static Result lloydAbsolute(double[][] x, double[][] centers, int maxIter, double tol) {
        int n = x.length;
        int k = centers.length;
        int d = x[0].length;
        int[] labels = new int[n];
        int[] labelsOld = new int[n];
        Arrays.fill(labels, -1);
        Arrays.fill(labelsOld, -1);
        boolean strict = false;
        int iterations = 0;
        for (int it = 0; it < maxIter; it++) {
            iterations = it + 1;
            assign(x, centers, labels);
            double[][] moved = means(x, centers, labels, k, d);
            double shift = 0;
            for (int c = 0; c < k; c++) {
                shift += squaredDistance(moved[c], centers[c]);
            }
            centers = moved;
            if (Arrays.equals(labels, labelsOld)) {
                strict = true;
                break;
            }
            if (shift <= tol) {
                break;
            }
            System.arraycopy(labels, 0, labelsOld, 0, n);
        }
        if (!strict) {
            assign(x, centers, labels);
        }
        double inertia = 0;
        for (int i = 0; i < n; i++) {
            inertia += squaredDistance(x[i], centers[labels[i]]);
        }
        return new Result(labels, centers, inertia, iterations);
    }

    private static void assign(double[][] x, double[][] centers, int[] labels) {
        IntStream.range(0, x.length).parallel().forEach(i -> {
            int best = 0;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int c = 0; c < centers.length; c++) {
                double dist = squaredDistance(x[i], centers[c]);
                if (dist < bestDistance) {
                    bestDistance = dist;
                    best = c;
                }
            }
            labels[i] = best;
        });
    }

    /**
     * The new centres: the mean of each cluster's points. Empty clusters are handed the points farthest from their
     * (old) centres, farthest first, as scikit-learn's {@code _relocate_empty_clusters_dense} does.
     */
    private static double[][] means(double[][] x, double[][] old, int[] labels, int k, int d) {
        double[][] sums = new double[k][d];
        double[] counts = new double[k];
        for (int i = 0; i < x.length; i++) {
            double[] s = sums[labels[i]];
            for (int t = 0; t < d; t++) {
                s[t] += x[i][t];
            }
            counts[labels[i]]++;
        }
        int[] empty = IntStream.range(0, k).filter(c -> counts[c] == 0).toArray();
        if (empty.length > 0) {
            double[] far = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                far[i] = squaredDistance(x[i], old[labels[i]]);
            }
            Integer[] order = new Integer[x.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> far[a] > far[b] ? -1 : far[a] < far[b] ? 1 : Integer.compare(a, b));
            for (int e = 0; e < empty.length; e++) {
                int p = order[e];
                int from = labels[p];
                for (int t = 0; t < d; t++) {
                    sums[from][t] -= x[p][t];
                }
                counts[from]--;
                sums[empty[e]] = x[p].clone();
                counts[empty[e]] = 1;
            }
        }
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                for (int t = 0; t < d; t++) {
                    sums[c][t] /= counts[c];
                }
            }
        }
        return sums;
    }

    static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int t = 0; t < a.length; t++) {
            double diff = a[t] - b[t];
            s += diff * diff;
        }
        return s;
    }

    /** scikit-learn's {@code _is_same_clustering}: the two labelings are the same up to renaming the clusters. */
    static boolean samePartition(int[] a, int[] b, int k) {
        int[] map = new int[k];
        Arrays.fill(map, -1);
        for (int i = 0; i < a.length; i++) {
            if (map[a[i]] == -1) {
                map[a[i]] = b[i];
            } else if (map[a[i]] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** Clusters numbered largest first; equal sizes by their lowest member index. */
    private static Result renumbered(Result r) {
        int k = r.centers().length;
        int[] size = new int[k];
        int[] firstMember = new int[k];
        Arrays.fill(firstMember, Integer.MAX_VALUE);
        for (int i = 0; i < r.labels().length; i++) {
            int c = r.labels()[i];
            size[c]++;
            firstMember[c] = Math.min(firstMember[c], i);
        }
        Integer[] order = new Integer[k];
        for (int c = 0; c < k; c++) {
            order[c] = c;
        }
        Arrays.sort(order, (a, b) -> size[a] != size[b] ? Integer.compare(size[b], size[a])
                : Integer.compare(firstMember[a], firstMember[b]));
        int[] newId = new int[k];
        double[][] centers = new double[k][];
        for (int rank = 0; rank < k; rank++) {
            newId[order[rank]] = rank;
            centers[rank] = r.centers()[order[rank]];
        }
        int[] labels = new int[r.labels().length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = newId[r.labels()[i]];
        }
        return new Result(labels, centers, r.inertia(), r.iterations());
    }
}
