package io.koembed.classify;

import io.koembed.Progress;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * L2-regularised logistic regression, as scikit-learn's {@code LogisticRegression(penalty="l2", solver="lbfgs")}
 * behind a {@code StandardScaler}: the optimum of
 * <pre>  Σᵢ −log p(yᵢ | xᵢ) + ‖W‖² / (2C)</pre>
 * (intercepts not penalised), over standardized features (each feature minus its training mean, divided by its
 * population standard deviation; constant features are only centred).
 *
 * <ul>
 *   <li>Three or more classes: multinomial (softmax), one weight row and intercept per class.</li>
 *   <li>Two classes: one weight row for the second class against the first (scikit-learn's binary case, whose
 *       probabilities differ from a two-class multinomial model under the same C).</li>
 * </ul>
 *
 * The problem is strictly convex in the weights, so any solver that converges finds the same probabilities:
 * the tests compare them with scikit-learn's. The solver is L-BFGS ({@link Lbfgs}); {@code tol} bounds the largest
 * component of the gradient of the objective divided by the number of samples, as scikit-learn's {@code tol} does.
 */
public final class LogisticRegression {

    /**
     * @param c           inverse regularisation strength (scikit-learn's {@code C}, default 1)
     * @param maxIter     L-BFGS iterations at most
     * @param tol         stop when the largest gradient component is at most this (scikit-learn's {@code tol})
     * @param standardize standardize the features with the training mean and deviation first
     */
    public record Options(double c, int maxIter, double tol, boolean standardize) {
        public Options {
            if (!(c > 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("C must be a positive number, got " + c);
            }
            if (maxIter < 1) {
                throw new IllegalArgumentException("max iterations must be at least 1, got " + maxIter);
            }
            if (!(tol >= 0)) {
                throw new IllegalArgumentException("tol must be >= 0, got " + tol);
            }
        }

        /**
         * C = 1 as scikit-learn; tol = 1e-6 and up to 1000 iterations, tighter than scikit-learn's 1e-4 and 100 (which
         * can stop with probabilities ~1e-2 away from the optimum on embedding features); standardized.
         */
        public static Options defaults() {
            return new Options(1.0, 1000, 1e-6, true);
        }

        public Options withC(double c) {
            return new Options(c, maxIter, tol, standardize);
        }

        public Options withMaxIter(int maxIter) {
            return new Options(c, maxIter, tol, standardize);
        }

        public Options withTol(double tol) {
            return new Options(c, maxIter, tol, standardize);
        }
    }

    /** How the fit ended: iterations used, whether a stopping rule was met, the final objective (per sample). */
    public record FitInfo(int iterations, boolean converged, String reason, double objective) {}

    private static final int CHUNKS = 16;

    private final int numClasses;
    private final int dim;
    private final double[] mean;
    private final double[] scale;
    private final double[][] weights;
    private final double[] intercepts;
    private final FitInfo info;

    private LogisticRegression(int numClasses, double[] mean, double[] scale, double[][] weights, double[] intercepts,
                               FitInfo info) {
        this.numClasses = numClasses;
        this.dim = mean.length;
        this.mean = mean;
        this.scale = scale;
        this.weights = weights;
        this.intercepts = intercepts;
        this.info = info;
    }

    /**
     * A model from stored parameters: {@code weights} has one row per class (or one row for two classes, the second
     * class against the first), each of length {@code mean.length}; features are mapped to
     * {@code (x - mean) / scale} first.
     */
    public static LogisticRegression of(int numClasses, double[] mean, double[] scale, double[][] weights,
                                        double[] intercepts, FitInfo info) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        }
        int rows = numClasses == 2 ? 1 : numClasses;
        if (weights.length != rows || intercepts.length != rows || scale.length != mean.length) {
            throw new IllegalArgumentException("parameter shapes do not fit " + numClasses + " classes: "
                    + weights.length + " weight rows, " + intercepts.length + " intercepts");
        }
        for (double[] w : weights) {
            if (w.length != mean.length) {
                throw new IllegalArgumentException("weight rows must have " + mean.length + " values, found "
                        + w.length);
            }
        }
        for (double v : scale) {
            if (!(v > 0)) {
                throw new IllegalArgumentException("feature scales must be positive, found " + v);
            }
        }
        return new LogisticRegression(numClasses, mean.clone(), scale.clone(), deepCopy(weights), intercepts.clone(),
                info);
    }

    /**
     * Fits the model. {@code y[i]} is the class of row i, in [0, numClasses); every class should occur.
     * {@code progress} hears the iteration count against {@code maxIter}.
     */
    public static LogisticRegression fit(double[][] x, int[] y, int numClasses, Options options, Progress progress) {
        int n = x.length;
        if (n == 0 || y.length != n) {
            throw new IllegalArgumentException("need as many labels as rows (and at least one row): " + n + " rows, "
                    + y.length + " labels");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        }
        int d = x[0].length;
        for (int i = 0; i < n; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " features, row 0 has " + d);
            }
            if (y[i] < 0 || y[i] >= numClasses) {
                throw new IllegalArgumentException("label " + y[i] + " of row " + i + " is not in [0, " + numClasses
                        + ")");
            }
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("row " + i + " holds a non-finite feature (" + v + ")");
                }
            }
        }
        double[] mean = new double[d];
        double[] scale = new double[d];
        Arrays.fill(scale, 1);
        if (options.standardize()) {
            standardScaler(x, mean, scale);
        }
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < d; t++) {
                z[i][t] = (x[i][t] - mean[t]) / scale[t];
            }
        }
        int rows = numClasses == 2 ? 1 : numClasses;
        double invC = 1 / options.c();
        Lbfgs.Objective objective = (theta, grad) -> lossAndGradient(z, y, numClasses, rows, d, invC, theta, grad);
        Lbfgs.Result r = Lbfgs.minimize(objective, new double[rows * (d + 1)], options.maxIter(), options.tol(),
                (it, value, gmax) -> progress.update(it, options.maxIter()));
        double[][] w = new double[rows][d];
        double[] b = new double[rows];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(r.x(), row * (d + 1), w[row], 0, d);
            b[row] = r.x()[row * (d + 1) + d];
        }
        return new LogisticRegression(numClasses, mean, scale, w, b,
                new FitInfo(r.iterations(), r.converged(), r.reason(), r.value()));
    }

    /** scikit-learn's StandardScaler: mean and population deviation; a zero deviation becomes 1. */
    private static void standardScaler(double[][] x, double[] mean, double[] scale) {
        int n = x.length;
        int d = mean.length;
        for (double[] row : x) {
            for (int t = 0; t < d; t++) {
                mean[t] += row[t];
            }
        }
        for (int t = 0; t < d; t++) {
            mean[t] /= n;
        }
        double[] var = new double[d];
        for (double[] row : x) {
            for (int t = 0; t < d; t++) {
                double dev = row[t] - mean[t];
                var[t] += dev * dev;
            }
        }
        for (int t = 0; t < d; t++) {
            double sd = Math.sqrt(var[t] / n);
            // a (numerically) constant feature is only centred, as scikit-learn does
            boolean constant = sd <= 10 * Math.ulp(1.0) * Math.max(Math.abs(mean[t]), Double.MIN_NORMAL);
            scale[t] = constant ? 1 : sd;
        }
    }

    /**
     * The objective divided by n, and its gradient. theta holds, per weight row, d weights then the intercept.
     * Rows of samples are summed in fixed chunks, in chunk order, so the result does not depend on threads.
     */
    private static double lossAndGradient(double[][] z, int[] y, int k, int rows, int d, double invC, double[] theta,
                                          double[] grad) {
        int n = z.length;
        int chunks = Math.min(CHUNKS, n);
        double[][] partialGrad = new double[chunks][theta.length];
        double[] partialLoss = new double[chunks];
        IntStream.range(0, chunks).parallel().forEach(ch -> {
            int from = (int) ((long) n * ch / chunks);
            int to = (int) ((long) n * (ch + 1) / chunks);
            double[] g = partialGrad[ch];
            double[] logits = new double[k];
            double loss = 0;
            for (int i = from; i < to; i++) {
                double[] xi = z[i];
                logitsOf(xi, theta, k, rows, d, logits);
                double max = Double.NEGATIVE_INFINITY;
                for (double v : logits) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    sum += Math.exp(logits[c] - max);
                }
                double lse = max + Math.log(sum);
                loss += lse - logits[y[i]];
                for (int row = 0; row < rows; row++) {
                    int c = k == 2 ? 1 : row;
                    double residual = Math.exp(logits[c] - lse) - (y[i] == c ? 1 : 0);
                    int base = row * (d + 1);
                    for (int t = 0; t < d; t++) {
                        g[base + t] += residual * xi[t];
                    }
                    g[base + d] += residual;
                }
            }
            partialLoss[ch] = loss;
        });
        Arrays.fill(grad, 0);
        double loss = 0;
        for (int ch = 0; ch < chunks; ch++) {
            loss += partialLoss[ch];
            double[] g = partialGrad[ch];
            for (int t = 0; t < grad.length; t++) {
                grad[t] += g[t];
            }
        }
        double penalty = 0;
        for (int row = 0; row < rows; row++) {
            int base = row * (d + 1);
            for (int t = 0; t < d; t++) {
                double w = theta[base + t];
                penalty += w * w;
                grad[base + t] += invC * w;
            }
        }
        for (int t = 0; t < grad.length; t++) {
            grad[t] /= n;
        }
        return (loss + 0.5 * invC * penalty) / n;
    }

    /** Logits of one standardized row; for two classes the first class is pinned at 0. */
    private static void logitsOf(double[] xi, double[] theta, int k, int rows, int d, double[] logits) {
        if (k == 2) {
            logits[0] = 0;
        }
        for (int row = 0; row < rows; row++) {
            int base = row * (d + 1);
            double s = theta[base + d];
            for (int t = 0; t < d; t++) {
                s += theta[base + t] * xi[t];
            }
            logits[k == 2 ? 1 : row] = s;
        }
    }

    /** Class probabilities of one (raw, unstandardized) feature row; they sum to 1. */
    public double[] probabilities(double[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("expected " + dim + " features, got " + x.length);
        }
        double[] z = new double[dim];
        for (int t = 0; t < dim; t++) {
            z[t] = (x[t] - mean[t]) / scale[t];
        }
        int rows = weights.length;
        double[] theta = new double[rows * (dim + 1)];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(weights[row], 0, theta, row * (dim + 1), dim);
            theta[row * (dim + 1) + dim] = intercepts[row];
        }
        double[] logits = new double[numClasses];
        logitsOf(z, theta, numClasses, rows, dim, logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            p[c] = Math.exp(logits[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < numClasses; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** The most probable class (the lowest index on a tie, as numpy's argmax). */
    public int predict(double[] x) {
        return argmax(probabilities(x));
    }

    static int argmax(double[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    public int numClasses() {
        return numClasses;
    }

    public int dimension() {
        return dim;
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] scale() {
        return scale.clone();
    }

    /** One row per class, or for two classes one row (the second class against the first), over standardized features. */
    public double[][] weights() {
        return deepCopy(weights);
    }

    public double[] intercepts() {
        return intercepts.clone();
    }

    /** How the fit ended; null for a model made with {@link #of} without it. */
    public FitInfo info() {
        return info;
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }
}
