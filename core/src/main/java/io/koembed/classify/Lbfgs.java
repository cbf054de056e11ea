package io.koembed.classify;

/**
 * Limited-memory BFGS for smooth convex objectives: the two-loop recursion over the last {@code m} steps, a
 * backtracking line search with the Armijo condition, and scipy's L-BFGS-B stopping rules as scikit-learn sets
 * them ({@code gtol}: largest gradient component; {@code ftol}: relative decrease of the objective).
 */
final class Lbfgs {

    interface Objective {
        /** Returns f(x) and writes its gradient into {@code grad}. */
        double evaluate(double[] x, double[] grad);
    }

    interface Listener {
        void iteration(int iteration, double value, double gradientMax);
    }

    /** @param converged whether a stopping rule was met (not just the iteration limit or a failed line search) */
    record Result(double[] x, double value, int iterations, boolean converged, String reason) {}

    private static final int MEMORY = 10;
    private static final double ARMIJO = 1e-4;
    private static final double FTOL = 64 * Math.ulp(1.0);

    private Lbfgs() {}

    static Result minimize(Objective objective, double[] start, int maxIter, double gtol, Listener listener) {
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double f = objective.evaluate(x, g);
        double[][] s = new double[MEMORY][];
        double[][] y = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        double[] alpha = new double[MEMORY];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        for (int it = 0; it < maxIter; it++) {
            double gmax = maxAbs(g);
            if (gmax <= gtol) {
                return new Result(x, f, it, true, "gradient below tolerance");
            }
            // d = -H g by the two-loop recursion
            for (int t = 0; t < n; t++) {
                d[t] = -g[t];
            }
            for (int c = 0; c < stored; c++) {
                int idx = Math.floorMod(newest - c, MEMORY);
                alpha[idx] = rho[idx] * dot(s[idx], d);
                axpy(-alpha[idx], y[idx], d);
            }
            double gamma = stored > 0 ? dot(s[newest], y[newest]) / dot(y[newest], y[newest])
                    : 1.0 / Math.max(norm(g), 1e-300);
            scale(d, gamma);
            for (int c = stored - 1; c >= 0; c--) {
                int idx = Math.floorMod(newest - c, MEMORY);
                double beta = rho[idx] * dot(y[idx], d);
                axpy(alpha[idx] - beta, s[idx], d);
            }
            double slope = dot(g, d);
            if (!(slope < 0)) { // not a descent direction (numerical trouble): restart from steepest descent
                stored = 0;
                for (int t = 0; t < n; t++) {
                    d[t] = -g[t] / Math.max(norm(g), 1e-300);
                }
                slope = dot(g, d);
            }
            double step = 1;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 60; ls++) {
                for (int t = 0; t < n; t++) {
                    xNew[t] = x[t] + step * d[t];
                }
                fNew = objective.evaluate(xNew, gNew);
                if (fNew <= f + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                return new Result(x, f, it, false, "line search found no decrease");
            }
            int slot = (newest + 1) % MEMORY;
            double[] sNew = new double[n];
            double[] yNew = new double[n];
            for (int t = 0; t < n; t++) {
                sNew[t] = xNew[t] - x[t];
                yNew[t] = gNew[t] - g[t];
            }
            double sy = dot(sNew, yNew);
            if (sy > 1e-12 * dot(yNew, yNew)) { // keep the curvature pair only if it keeps H positive definite
                s[slot] = sNew;
                y[slot] = yNew;
                rho[slot] = 1 / sy;
                newest = slot;
                stored = Math.min(stored + 1, MEMORY);
            }
            double fOld = f;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            f = fNew;
            listener.iteration(it + 1, f, maxAbs(g));
            if ((fOld - f) <= FTOL * Math.max(Math.max(Math.abs(fOld), Math.abs(f)), 1)) {
                return new Result(x, f, it + 1, true, "relative decrease below ftol");
            }
        }
        return new Result(x, f, maxIter, maxAbs(g) <= gtol, "iteration limit");
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int t = 0; t < a.length; t++) {
            s += a[t] * b[t];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int t = 0; t < x.length; t++) {
            y[t] += alpha * x[t];
        }
    }

    private static void scale(double[] a, double factor) {
        for (int t = 0; t < a.length; t++) {
            a[t] *= factor;
        }
    }
}
