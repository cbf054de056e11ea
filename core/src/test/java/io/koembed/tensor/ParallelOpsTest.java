package io.koembed.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The parallel whole-tensor operations, on both kernel sets, against double-precision references. */
class ParallelOpsTest {
    static final Parallel POOL3 = new Parallel(3); // more workers than cores: exercises the splitting

    @AfterAll
    static void close() {
        POOL3.close();
    }

    static ParallelOps[] all() {
        return new ParallelOps[]{
                new ParallelOps(TensorOps.scalar(), new Parallel(1)),
                new ParallelOps(TensorOps.scalar(), POOL3),
                new ParallelOps(TensorOps.best(), POOL3),
                ParallelOps.shared()};
    }

    private final Random rnd = new Random(1);

    private float[] randoms(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    @Test
    void parallelMatmulSplitsColumnsAndRows() {
        int[][] shapes = {{1, 768, 768}, {3, 65, 50}, {37, 129, 9}, {200, 33, 4}, {5, 8, 300}};
        try (Arena arena = Arena.ofShared()) { // the pool's workers read W
            for (int[] sh : shapes) {
                int m = sh[0], k = sh[1], n = sh[2];
                float[] a = randoms(m * k), wf = randoms(n * k), bias = randoms(n);
                MemorySegment stored = TensorOpsTest.segment(arena, wf, 0);
                for (ParallelOps kern : all()) {
                    PackedMatrix w = kern.pack(stored, n, k, WeightPrecision.FLOAT32, arena);
                    float[] c = new float[m * n];
                    kern.matmul(a, m, w, bias, c);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double ref = bias[j], mag = Math.abs(bias[j]);
                            for (int p = 0; p < k; p++) {
                                ref += (double) a[i * k + p] * wf[j * k + p];
                                mag += Math.abs((double) a[i * k + p] * wf[j * k + p]);
                            }
                            assertEquals(ref, c[i * n + j], 1e-6 * mag + 1e-7, kern + " " + m + "x" + k + "x" + n);
                        }
                    }
                }
            }
            PackedMatrix w = ParallelOps.shared().pack(TensorOpsTest.segment(arena, new float[12], 0), 2, 6,
                    WeightPrecision.FLOAT32, arena);
            assertThrows(IllegalArgumentException.class,
                    () -> ParallelOps.shared().matmul(new float[10], 2, w, null, new float[4]));
        }
    }

    @Test
    void attentionPerSequenceAndHead() {
        int hidden = 24, heads = 3, d = hidden / heads;
        int[] starts = {0, 1, 6, 6, 19, 52}; // lengths 1, 5, 0, 13, 33
        int tokens = starts[starts.length - 1];
        float[] q = randoms(tokens * hidden), k = randoms(tokens * hidden), v = randoms(tokens * hidden);
        double[] ref = new double[tokens * hidden];
        for (int s = 0; s + 1 < starts.length; s++) {
            int st = starts[s], len = starts[s + 1] - st;
            for (int h = 0; h < heads; h++) {
                for (int i = st; i < st + len; i++) {
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < len; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) {
                            dot += (double) q[i * hidden + h * d + c] * k[(st + j) * hidden + h * d + c];
                        }
                        p[j] = dot / Math.sqrt(d);
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j < len; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double o = 0;
                        for (int j = 0; j < len; j++) {
                            o += p[j] / sum * v[(st + j) * hidden + h * d + c];
                        }
                        ref[i * hidden + h * d + c] = o;
                    }
                }
            }
        }
        float[] qkv = new float[tokens * 3 * hidden]; // each token's query, key and value side by side
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(q, t * hidden, qkv, t * 3 * hidden, hidden);
            System.arraycopy(k, t * hidden, qkv, t * 3 * hidden + hidden, hidden);
            System.arraycopy(v, t * hidden, qkv, t * 3 * hidden + 2 * hidden, hidden);
        }
        for (ParallelOps kern : all()) {
            float[] out = new float[tokens * hidden];
            java.util.Arrays.fill(out, Float.NaN); // every element must be written
            kern.attention(qkv, out, hidden, heads, starts);
            for (int i = 0; i < out.length; i++) {
                assertEquals(ref[i], out[i], 2e-6, kern + " at " + i);
            }
        }
    }

    @Test
    void layerNormAndGeluOverRows() {
        int rows = 7, cols = 37;
        float[] x = randoms(rows * cols), r = randoms(rows * cols), g = randoms(cols), b = randoms(cols);
        float[] expect = x.clone();
        for (int i = 0; i < rows; i++) {
            TensorOps.scalar().layerNorm(expect, i * cols, r, i * cols, cols, g, b, 1e-12f);
        }
        float[] expectGelu = expect.clone();
        TensorOps.scalar().gelu(expectGelu, 0, expectGelu.length);
        for (ParallelOps kern : all()) {
            float[] y = x.clone();
            kern.addLayerNorm(y, r, rows, cols, g, b, 1e-12f);
            for (int i = 0; i < y.length; i++) {
                assertEquals(expect[i], y[i], 1e-5 * (1 + Math.abs(expect[i])), kern.toString());
            }
            kern.gelu(y, y.length);
            for (int i = 0; i < y.length; i++) {
                assertEquals(expectGelu[i], y[i], 1e-5 * (1 + Math.abs(expect[i])), kern.toString());
            }
        }
    }
}
