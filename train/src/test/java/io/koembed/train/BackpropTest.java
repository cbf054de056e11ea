package io.koembed.train;

import io.koembed.model.PackedBatch;
import io.koembed.tensor.Erf;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.TensorOps;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each layer's backward pass on its own against central finite differences of a plain double-precision forward of
 * the same layer written here. The loss is always {@code L = Σ y · R} for a fixed random R, so {@code dL/dy = R}. The
 * double forward's differences ({@code h = 1e-4}) are exact to about 1e-9; what is left is the float32 rounding of the
 * backward pass, so every entry is checked to {@code 1e-4 · (largest gradient of that tensor) + 1e-4 · |entry|}.
 * Shapes are odd on purpose: no multiple of the kernels' vector width or panel.
 */
class BackpropTest {

    private static final double H = 1e-4;
    private static final ParallelOps KERNELS = ParallelOps.shared();

    @Test
    void linear() {
        int T = 9, in = 37, out = 50;
        float[] x = random(T * in, 1), w = random(out * in, 2), b = random(out, 3), r = random(T * out, 4);
        float[] dW = random(out * in, 5), dB = random(out, 6); // backward adds into what is there
        float[] dW0 = dW.clone(), dB0 = dB.clone();
        PackedMatrix wT = KERNELS.packTransposed(w, out, in);
        float[] dX = new float[T * in];
        Backprop.linearBackward(KERNELS, r.clone(), T, x, in, out, wT, dW, dB, dX, new Backprop.Scratch(0));

        Function<double[][], double[]> f = p -> linear(p[0], p[1], p[2], T, in, out);
        double[][] at = {toDouble(x), toDouble(w), toDouble(b)};
        check("dX", dX, numeric(f, at, 0, r));
        check("dW", minus(dW, dW0), numeric(f, at, 1, r));
        check("db", minus(dB, dB0), numeric(f, at, 2, r));
    }

    @Test
    void layerNormWithResidual() {
        int rows = 6, cols = 50;
        float eps = 1e-5f;
        float[] x = random(rows * cols, 1), res = random(rows * cols, 2), r = random(rows * cols, 3);
        float[] gamma = random(cols, 4), beta = random(cols, 5);
        for (int i = 0; i < x.length; i++) {
            x[i] = 3 * x[i] + 1; // an offset and a spread for the normalization to remove
        }
        float[] y = x.clone(), xhat = new float[rows * cols], rstd = new float[rows];
        Backprop.layerNorm(KERNELS, y, res, rows, cols, gamma, beta, eps, xhat, rstd);
        // the forward value is the inference kernel's, bit for bit
        float[] inference = x.clone();
        TensorOps ops = KERNELS.ops();
        for (int row = 0; row < rows; row++) {
            ops.layerNorm(inference, row * cols, res, row * cols, cols, gamma, beta, eps);
        }
        assertArrayEquals(inference, y);

        float[] dX = new float[rows * cols], dGamma = new float[cols], dBeta = new float[cols];
        Backprop.layerNormBackward(KERNELS.parallel(), r.clone(), xhat, rstd, rows, cols, gamma, dX, dGamma, dBeta);
        Function<double[][], double[]> f = p -> layerNorm(p[0], p[1], p[2], p[3], rows, cols, eps);
        double[][] at = {toDouble(x), toDouble(res), toDouble(gamma), toDouble(beta)};
        check("dX", dX, numeric(f, at, 0, r));
        check("dResidual (the same)", dX, numeric(f, at, 1, r));
        check("dGamma", dGamma, numeric(f, at, 2, r));
        check("dBeta", dBeta, numeric(f, at, 3, r));
    }

    @Test
    void gelu() {
        int n = 401;
        float[] u = new float[n];
        for (int i = 0; i < n; i++) {
            u[i] = -10f + 20f * i / (n - 1); // -10 .. 10 through 0 and both pieces of erf
        }
        float[] g = new float[n];
        Backprop.gelu(KERNELS, u, g, n);
        float[] d = new float[n];
        java.util.Arrays.fill(d, 1f);
        Backprop.geluBackward(KERNELS.parallel(), u, g, d, n);
        for (int i = 0; i < n; i++) {
            double x = u[i];
            assertEquals(gelu(x), g[i], 2e-6 * Math.max(1, Math.abs(x)), "gelu(" + x + ")");
            double numeric = (gelu(x + H) - gelu(x - H)) / (2 * H);
            assertEquals(numeric, d[i], 1e-5, "gelu'(" + x + ")");
        }
    }

    @Test
    void attentionWithoutDropoutIsTheInferenceKernelsAndBackwardMatches() {
        attention(0f);
    }

    @Test
    void attentionWithDropout() {
        attention(0.3f);
    }

    /** Three sequences (1, 4 and 7 tokens) packed end to end, 3 heads of 5: each attends only to itself. */
    private static void attention(float p) {
        int[] starts = {0, 1, 5, 12};
        int T = 12, hidden = 15, heads = 3;
        long seed = 42;
        int[] offsets = Backprop.probabilityOffsets(starts, heads);
        float[] qkv = random(T * 3 * hidden, 1), r = random(T * hidden, 2);
        float[] probs = new float[offsets[offsets.length - 1]], ctx = new float[T * hidden];
        Backprop.attention(KERNELS.parallel(), qkv, starts, hidden, heads, offsets, probs, ctx, seed, p);
        double[] expected = attention(toDouble(qkv), starts, hidden, heads, offsets, seed, p);
        for (int i = 0; i < ctx.length; i++) {
            assertEquals(expected[i], ctx[i], 1e-5, "context " + i);
        }
        if (p == 0) {
            float[] kernel = new float[T * hidden];
            KERNELS.attention(qkv, kernel, hidden, heads, starts);
            for (int i = 0; i < ctx.length; i++) {
                assertEquals(kernel[i], ctx[i], 1e-6, "the inference kernel's context " + i);
            }
        }
        float[] dQkv = new float[T * 3 * hidden];
        Backprop.attentionBackward(KERNELS.parallel(), qkv, starts, hidden, heads, offsets, probs, r, dQkv, seed, p);
        double[] numeric = numeric(a -> attention(a[0], starts, hidden, heads, offsets, seed, p),
                new double[][] {toDouble(qkv)}, 0, r);
        check("dQkv", dQkv, numeric);
    }

    @Test
    void dropoutKeepsAboutOneMinusPScaledAndTheSameMaskOnAnyNumberOfThreads() {
        int n = 100_000;
        float p = 0.1f;
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        float[] two = ones.clone(), one = ones.clone();
        try (Parallel single = new Parallel(1); Parallel pair = new Parallel(2)) {
            Dropout.apply(single, one, n, 7, p);
            Dropout.apply(pair, two, n, 7, p);
        }
        assertArrayEquals(one, two);
        int kept = 0;
        for (float v : one) {
            assertTrue(v == 0f || v == 1f / (1f - p), "a kept value is scaled by 1 / (1 - p): " + v);
            kept += v == 0f ? 0 : 1;
        }
        // binomial(100000, 0.9): standard deviation 95
        assertEquals(0.9 * n, kept, 500, "kept");
        float[] other = ones.clone();
        Dropout.apply(KERNELS.parallel(), other, n, 8, p);
        assertTrue(!java.util.Arrays.equals(one, other), "another seed, another mask");
    }

    @Test
    void embeddingsScatterIntoTheRowsTheBatchUsedAndNeverThePaddingRow() {
        int H = 19, vocab = 11, positions = 9, types = 2, pad = 1;
        // two sequences; token id 4 twice, one padding id; RoBERTa-style positions from pad + 1
        int[] ids = {0, 4, 1, 2, 4, 6}, typeIds = {0, 0, 1, 0, 1, 1}, pos = {2, 3, 4, 2, 3, 4};
        PackedBatch batch = new PackedBatch(ids, typeIds, pos, new int[] {0, 3, 6});
        float[] word = random(vocab * H, 1), position = random(positions * H, 2), type = random(types * H, 3);
        float[] r = random(ids.length * H, 4);
        float[] dWord = new float[vocab * H], dPos = new float[positions * H], dType = new float[types * H];
        Backprop.embeddingBackward(KERNELS.parallel(), r, batch, H, pad, true, dWord, dPos, dType);

        Function<double[][], double[]> f = p -> {
            double[] y = new double[ids.length * H];
            for (int t = 0; t < ids.length; t++) {
                for (int i = 0; i < H; i++) {
                    y[t * H + i] = p[0][ids[t] * H + i] + p[1][pos[t] * H + i] + p[2][typeIds[t] * H + i];
                }
            }
            return y;
        };
        double[][] at = {toDouble(word), toDouble(position), toDouble(type)};
        double[] numericWord = numeric(f, at, 0, r);
        for (int i = 0; i < H; i++) {
            numericWord[pad * H + i] = 0; // nn.Embedding(padding_idx) leaves it: no gradient
        }
        check("dWord", dWord, numericWord);
        check("dPosition", dPos, numeric(f, at, 1, r));
        check("dType", dType, numeric(f, at, 2, r));
        assertTrue(dWord[4 * H] != 0 && dWord[5 * H] == 0, "a used row has a gradient, an unused one none");
    }

    // ---- the double-precision forward passes

    private static double[] linear(double[] x, double[] w, double[] b, int T, int in, int out) {
        double[] y = new double[T * out];
        for (int t = 0; t < T; t++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += x[t * in + i] * w[o * in + i];
                }
                y[t * out + o] = s;
            }
        }
        return y;
    }

    private static double[] layerNorm(double[] x, double[] res, double[] gamma, double[] beta, int rows, int cols,
                                      double eps) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < cols; i++) {
                mean += x[r * cols + i] + res[r * cols + i];
            }
            mean /= cols;
            for (int i = 0; i < cols; i++) {
                double d = x[r * cols + i] + res[r * cols + i] - mean;
                var += d * d;
            }
            double rstd = 1 / Math.sqrt(var / cols + eps);
            for (int i = 0; i < cols; i++) {
                y[r * cols + i] = (x[r * cols + i] + res[r * cols + i] - mean) * rstd * gamma[i] + beta[i];
            }
        }
        return y;
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + ReferenceEncoder.erf(x / Math.sqrt(2)));
    }

    /** softmax(q kᵀ / √d) with dropout on the probabilities, times v, per sequence and head. */
    private static double[] attention(double[] qkv, int[] starts, int hidden, int heads, int[] offsets, long seed,
                                      float p) {
        int d = hidden / heads, stride = 3 * hidden, T = starts[starts.length - 1];
        double[] ctx = new double[T * hidden];
        for (int s = 0; s + 1 < starts.length; s++) {
            int start = starts[s], len = starts[s + 1] - start;
            for (int h = 0; h < heads; h++) {
                int base = offsets[s * heads + h];
                for (int i = 0; i < len; i++) {
                    double[] e = new double[len];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < len; j++) {
                        for (int c = 0; c < d; c++) {
                            e[j] += qkv[(start + i) * stride + h * d + c] * qkv[(start + j) * stride + hidden + h * d + c];
                        }
                        e[j] /= Math.sqrt(d);
                        max = Math.max(max, e[j]);
                    }
                    for (int j = 0; j < len; j++) {
                        e[j] = Math.exp(e[j] - max);
                        sum += e[j];
                    }
                    for (int j = 0; j < len; j++) {
                        double pij = e[j] / sum;
                        if (p > 0) {
                            pij = Dropout.keep(seed, base + i * len + j, p) ? pij / (1 - p) : 0;
                        }
                        for (int c = 0; c < d; c++) {
                            ctx[(start + i) * hidden + h * d + c] += pij * qkv[(start + j) * stride + 2 * hidden + h * d + c];
                        }
                    }
                }
            }
        }
        return ctx;
    }

    // ---- finite differences and helpers

    /** d(Σ f(at) · r) / d(at[which]) by central differences, every entry. */
    private static double[] numeric(Function<double[][], double[]> f, double[][] at, int which, float[] r) {
        double[] x = at[which], grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            double up = dot(f.apply(at), r);
            x[i] = keep - H;
            double down = dot(f.apply(at), r);
            x[i] = keep;
            grad[i] = (up - down) / (2 * H);
        }
        return grad;
    }

    private static void check(String what, float[] actual, double[] expected) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * scale + 1e-4 * Math.abs(expected[i]), what + "[" + i + "]");
        }
    }

    private static double dot(double[] y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * r[i];
        }
        return s;
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }
}
