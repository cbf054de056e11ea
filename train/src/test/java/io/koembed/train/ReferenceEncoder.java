package io.koembed.train;

import io.koembed.model.EncoderConfig;
import io.koembed.model.PackedBatch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The encoder forward pass written once more, plainly and in double precision, for the gradient checks: central
 * finite differences of this function are accurate to about 1e-9, so they check the float32 backward pass of
 * {@link TrainableEncoder} to its own rounding. It reads the same Parameters and applies the same dropout masks
 * (the seeds drawn in the same order from a generator seeded alike, {@link Dropout#keep}).
 */
final class ReferenceEncoder {

    private final EncoderConfig c;
    private final Map<String, double[]> w = new HashMap<>();

    /** Takes a double copy of the parameters' values, looked up by their names without any "roberta." prefix. */
    ReferenceEncoder(EncoderConfig config, List<Parameter> parameters) {
        this.c = config;
        for (Parameter p : parameters) {
            double[] d = new double[p.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = p.value()[i];
            }
            String n = p.name();
            int at = n.startsWith("encoder.") || n.startsWith("embeddings.") ? 0 : n.indexOf('.') + 1;
            w.put(n.substring(at), d);
        }
    }

    /** The double copy of a parameter, to perturb in place. */
    double[] weight(String name) {
        double[] d = w.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no parameter " + name + " among " + w.keySet());
        }
        return d;
    }

    /**
     * last_hidden_state [T, H] in double.
     *
     * @param dropoutSeed null for no dropout, else the seed of the {@link Dropout} the float pass used
     */
    double[] forward(PackedBatch b, float hiddenP, float attentionP, Long dropoutSeed) {
        SplittableRandom random = dropoutSeed == null ? null : new SplittableRandom(dropoutSeed);
        int T = b.tokens(), H = c.hiddenSize(), I = c.intermediateSize(), heads = c.numAttentionHeads();
        int d = H / heads;
        double[] x = new double[T * H];
        double[] word = weight("embeddings.word_embeddings.weight"), pos = weight("embeddings.position_embeddings.weight"),
                type = weight("embeddings.token_type_embeddings.weight");
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < H; i++) {
                x[t * H + i] = word[b.ids()[t] * H + i] + pos[b.positions()[t] * H + i] + type[b.typeIds()[t] * H + i];
            }
        }
        layerNorm(x, T, H, weight("embeddings.LayerNorm.weight"), weight("embeddings.LayerNorm.bias"));
        dropout(x, seed(random, hiddenP), hiddenP);
        int[] offsets = Backprop.probabilityOffsets(b.starts(), heads);
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "encoder.layer." + l + ".";
            long probSeed = seed(random, attentionP), attSeed = seed(random, hiddenP), outSeed = seed(random, hiddenP);
            double[] q = linear(x, T, H, weight(p + "attention.self.query.weight"), weight(p + "attention.self.query.bias"), H);
            double[] k = linear(x, T, H, weight(p + "attention.self.key.weight"), weight(p + "attention.self.key.bias"), H);
            double[] v = linear(x, T, H, weight(p + "attention.self.value.weight"), weight(p + "attention.self.value.bias"), H);
            double[] ctx = new double[T * H];
            for (int s = 0; s < b.sequences(); s++) {
                int start = b.starts()[s], len = b.starts()[s + 1] - start;
                for (int h = 0; h < heads; h++) {
                    int base = offsets[s * heads + h];
                    for (int i = 0; i < len; i++) {
                        double[] scores = new double[len];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < len; j++) {
                            double dot = 0;
                            for (int cc = 0; cc < d; cc++) {
                                dot += q[(start + i) * H + h * d + cc] * k[(start + j) * H + h * d + cc];
                            }
                            scores[j] = dot / Math.sqrt(d);
                            max = Math.max(max, scores[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < len; j++) {
                            scores[j] = Math.exp(scores[j] - max);
                            sum += scores[j];
                        }
                        for (int j = 0; j < len; j++) {
                            double pij = scores[j] / sum;
                            if (attentionP > 0) {
                                pij = Dropout.keep(probSeed, base + i * len + j, attentionP) ? pij / (1 - attentionP) : 0;
                            }
                            for (int cc = 0; cc < d; cc++) {
                                ctx[(start + i) * H + h * d + cc] += pij * v[(start + j) * H + h * d + cc];
                            }
                        }
                    }
                }
            }
            double[] a = linear(ctx, T, H, weight(p + "attention.output.dense.weight"),
                    weight(p + "attention.output.dense.bias"), H);
            dropout(a, attSeed, hiddenP);
            for (int i = 0; i < T * H; i++) {
                a[i] += x[i];
            }
            layerNorm(a, T, H, weight(p + "attention.output.LayerNorm.weight"), weight(p + "attention.output.LayerNorm.bias"));
            double[] u = linear(a, T, H, weight(p + "intermediate.dense.weight"), weight(p + "intermediate.dense.bias"), I);
            for (int i = 0; i < u.length; i++) {
                u[i] = u[i] * 0.5 * (1 + erf(u[i] / Math.sqrt(2)));
            }
            double[] f = linear(u, T, I, weight(p + "output.dense.weight"), weight(p + "output.dense.bias"), H);
            dropout(f, outSeed, hiddenP);
            for (int i = 0; i < T * H; i++) {
                f[i] += a[i];
            }
            layerNorm(f, T, H, weight(p + "output.LayerNorm.weight"), weight(p + "output.LayerNorm.bias"));
            x = f;
        }
        return x;
    }

    private static long seed(SplittableRandom r, float p) {
        return p == 0 ? 0 : r.nextLong();
    }

    private static void dropout(double[] x, long seed, float p) {
        if (p > 0) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Dropout.keep(seed, i, p) ? x[i] / (1 - p) : 0;
            }
        }
    }

    private static double[] linear(double[] x, int rows, int in, double[] weight, double[] bias, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * weight[o * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private void layerNorm(double[] x, int rows, int cols, double[] gamma, double[] beta) {
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < cols; i++) {
                mean += x[r * cols + i];
            }
            mean /= cols;
            for (int i = 0; i < cols; i++) {
                var += (x[r * cols + i] - mean) * (x[r * cols + i] - mean);
            }
            var /= cols;
            double rstd = 1 / Math.sqrt(var + c.layerNormEps());
            for (int i = 0; i < cols; i++) {
                x[r * cols + i] = (x[r * cols + i] - mean) * rstd * gamma[i] + beta[i];
            }
        }
    }

    /** erf to double precision (Abramowitz-Stegun 7.1.26 is not enough): its Taylor series, then erfc's fraction. */
    static double erf(double z) {
        double a = Math.abs(z);
        double r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // continued fraction of erfc, evaluated backwards
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (a + f);
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return z < 0 ? -r : r;
    }
}
