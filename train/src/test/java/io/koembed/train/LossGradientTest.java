package io.koembed.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each loss's gradient against central finite differences of a plain double-precision
 * reference written here (h = 1e-6, so the differences are good to about 1e-9); tolerance 1e-5 of the largest
 * gradient, the float32 rounding of the code under test. The head's gradients are checked in {@link TrainableHeadTest}.
 */
class LossGradientTest {

    private static final int N = 5, D = 7;

    private static float[][][] random(int columns, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][][] e = new float[columns][N][D];
        for (float[][] c : e) {
            for (float[] v : c) {
                for (int i = 0; i < D; i++) {
                    v[i] = (float) r.nextGaussian();
                }
            }
        }
        return e;
    }

    private static double[][][] toDouble(float[][][] e) {
        double[][][] d = new double[e.length][][];
        for (int c = 0; c < e.length; c++) {
            d[c] = new double[e[c].length][];
            for (int i = 0; i < e[c].length; i++) {
                d[c][i] = new double[e[c][i].length];
                for (int j = 0; j < e[c][i].length; j++) {
                    d[c][i][j] = e[c][i][j];
                }
            }
        }
        return d;
    }

    private static double cos(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa) / Math.sqrt(bb);
    }

    /** The loss's value and gradient against the double reference and its central differences. */
    private static void check(Loss loss, float[][][] e, float[] labels, ToDoubleFunction<double[][][]> reference) {
        float[][][] g = new float[e.length][N][D];
        double value = loss.forwardBackward(e, labels, g);
        double[][][] x = toDouble(e);
        assertEquals(reference.applyAsDouble(x), value, 1e-6 * Math.max(1, Math.abs(value)), loss.name());
        double max = 0;
        for (float[][] c : g) {
            for (float[] v : c) {
                for (float f : v) {
                    max = Math.max(max, Math.abs(f));
                }
            }
        }
        for (int c = 0; c < e.length; c++) {
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < D; j++) {
                    double keep = x[c][i][j], h = 1e-6;
                    x[c][i][j] = keep + h;
                    double up = reference.applyAsDouble(x);
                    x[c][i][j] = keep - h;
                    double down = reference.applyAsDouble(x);
                    x[c][i][j] = keep;
                    assertEquals((up - down) / (2 * h), g[c][i][j], 1e-5 * max + 1e-7,
                            loss.name() + " d[" + c + "][" + i + "][" + j + "]");
                }
            }
        }
    }

    private static final float[] SCORES = {0.2f, 0.9f, 0.5f, 0.5f, 0.0f};

    @Test
    void coSent() {
        check(new CoSENTLoss(), random(2, 1), SCORES, x -> {
            double[] s = new double[N];
            for (int i = 0; i < N; i++) {
                s[i] = 20 * cos(x[0][i], x[1][i]);
            }
            double sum = 1; // exp(0)
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    if (SCORES[i] < SCORES[j]) {
                        sum += Math.exp(s[i] - s[j]);
                    }
                }
            }
            return Math.log(sum);
        });
    }

    @Test
    void cosineSimilarity() {
        check(new CosineSimilarityLoss(), random(2, 2), SCORES, x -> {
            double sum = 0;
            for (int i = 0; i < N; i++) {
                double d = cos(x[0][i], x[1][i]) - SCORES[i];
                sum += d * d;
            }
            return sum / N;
        });
    }

    @Test
    void multipleNegativesRankingWithAHardNegativeColumn() {
        check(new MultipleNegativesRankingLoss(), random(3, 3), new float[N], x -> {
            double loss = 0;
            for (int i = 0; i < N; i++) {
                double sum = 0;
                for (int c = 1; c < 3; c++) {
                    for (int j = 0; j < N; j++) {
                        sum += Math.exp(20 * cos(x[0][i], x[c][j]));
                    }
                }
                loss += Math.log(sum) - 20 * cos(x[0][i], x[1][i]);
            }
            return loss / N;
        });
    }

    @Test
    void softmaxClassifierOnUVAndTheirDistance() {
        SplittableRandom r = new SplittableRandom(4);
        float[] w = new float[3 * 3 * D], b = new float[3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.3f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        float[] labels = {0, 2, 1, 1, 0};
        SoftmaxLoss loss = new SoftmaxLoss(D, w.clone(), b.clone());
        check(loss, random(2, 5), labels, x -> {
            double total = 0;
            for (int i = 0; i < N; i++) {
                double[] f = new double[3 * D];
                for (int j = 0; j < D; j++) {
                    f[j] = x[0][i][j];
                    f[D + j] = x[1][i][j];
                    f[2 * D + j] = Math.abs(x[0][i][j] - x[1][i][j]);
                }
                double[] z = new double[3];
                double sum = 0;
                for (int k = 0; k < 3; k++) {
                    z[k] = b[k];
                    for (int j = 0; j < 3 * D; j++) {
                        z[k] += w[k * 3 * D + j] * f[j];
                    }
                    sum += Math.exp(z[k]);
                }
                total += Math.log(sum) - z[(int) labels[i]];
            }
            return total / N;
        });
    }
}
