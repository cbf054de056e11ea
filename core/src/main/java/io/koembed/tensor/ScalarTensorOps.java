package io.koembed.tensor;

/** Plain loops: the reference every faster implementation is tested against, and the fallback. */
final class ScalarTensorOps implements TensorOps {
    static final ScalarTensorOps INSTANCE = new ScalarTensorOps();

    private ScalarTensorOps() {}

    @Override
    public String name() {
        return "scalar";
    }

    /** Any width works here; this is the width of AVX2's two 8-float vectors, so tests share packings. */
    @Override
    public int panelWidth(WeightPrecision precision) {
        return 16;
    }

    @Override
    public int matmulRows(WeightPrecision precision) {
        return 1;
    }

    /** How many output columns the scalar matmul computes side by side: a loop C2 can vectorize. */
    private static final int COLUMNS = 128;

    /**
     * Each output element is one FMA chain over p from zero, as in every kernel. The loops run p outside and
     * about {@link #COLUMNS} output columns (several panels, decoded side by side) inside, for two rows at a time:
     * the same bits as one chain at a time, but independent multiply-adds that the CPU overlaps and C2 vectorizes,
     * instead of each waiting for the last. This is the fallback without the Vector API, so its speed matters too.
     */
    @Override
    public void matmul(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart, int rowEnd,
                       int panelStart, int panelEnd) {
        int k = w.cols(), n = w.rows(), nr = w.panelWidth();
        int group = Math.max(1, COLUMNS / nr);
        float[] panel = new float[k * nr];
        // one array per input feature, all indexed from 0 like the accumulators: C2 vectorizes a loop whose loads and
        // stores share one index, but not one where an offset into another float[] might overlap what it stores
        float[][] cols = new float[k][group * nr];
        float[] acc0 = new float[group * nr], acc1 = new float[group * nr];
        for (int q0 = panelStart; q0 < panelEnd; q0 += group) {
            int panels = Math.min(group, panelEnd - q0);
            int stride = panels * nr;                                // columns decoded side by side
            int j0 = q0 * nr, width = Math.min(n, j0 + stride) - j0; // of which real outputs
            for (int g = 0; g < panels; g++) {
                w.decodePanel(q0 + g, panel);
                for (int p = 0; p < k; p++) {
                    System.arraycopy(panel, p * nr, cols[p], g * nr, nr);
                }
            }
            for (int i = rowStart; i < rowEnd; i += 2) {
                boolean two = i + 1 < rowEnd;
                java.util.Arrays.fill(acc0, 0f);
                java.util.Arrays.fill(acc1, 0f);
                for (int p = 0; p < k; p++) {
                    float x0 = a[i * k + p], x1 = two ? a[(i + 1) * k + p] : 0f;
                    float[] wp = cols[p];
                    for (int jj = 0; jj < stride; jj++) {
                        float wv = wp[jj];
                        acc0[jj] = Math.fma(x0, wv, acc0[jj]);
                        acc1[jj] = Math.fma(x1, wv, acc1[jj]);
                    }
                }
                finish(acc0, w, bias, act, c, i * n + j0, j0, width);
                if (two) {
                    finish(acc1, w, bias, act, c, (i + 1) * n + j0, j0, width);
                }
            }
        }
    }

    private static void finish(float[] acc, PackedMatrix w, float[] bias, Activation act, float[] c, int cOff,
                               int firstColumn, int width) {
        for (int jj = 0; jj < width; jj++) {
            float y = w.output(acc[jj], bias, firstColumn + jj);
            c[cOff + jj] = act == Activation.GELU ? Erf.gelu(y) : y;
        }
    }

    /**
     * The scores and the weighted sum of values keep several FMA chains going at once (four keys, or all d value
     * columns), for the reason {@link #matmul} gives; each chain is still one, in the same order.
     */
    @Override
    public void attention(float[] qkv, int stride, int qOff, int kOff, int vOff, int len, int d, float scale,
                          float[] out, int outOff, int outStride, float[] scratch) {
        float[] p = scratch;
        for (int i = 0; i < len; i++) {
            int q = qOff + i * stride;
            int j = 0;
            for (; j + 4 <= len; j += 4) {
                int k0 = kOff + j * stride, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int c = 0; c < d; c++) {
                    float x = qkv[q + c];
                    s0 = Math.fma(x, qkv[k0 + c], s0);
                    s1 = Math.fma(x, qkv[k1 + c], s1);
                    s2 = Math.fma(x, qkv[k2 + c], s2);
                    s3 = Math.fma(x, qkv[k3 + c], s3);
                }
                p[j] = s0 * scale;
                p[j + 1] = s1 * scale;
                p[j + 2] = s2 * scale;
                p[j + 3] = s3 * scale;
            }
            for (; j < len; j++) {
                float s = 0f;
                for (int c = 0; c < d; c++) {
                    s = Math.fma(qkv[q + c], qkv[kOff + j * stride + c], s);
                }
                p[j] = s * scale;
            }
            softmax(p, 0, len);
            int o = outOff + i * outStride;
            java.util.Arrays.fill(out, o, o + d, 0f);
            for (j = 0; j < len; j++) {
                float pj = p[j];
                for (int c = 0, v = vOff + j * stride; c < d; c++) {
                    out[o + c] = Math.fma(pj, qkv[v + c], out[o + c]);
                }
            }
        }
    }

    @Override
    public int attentionScratch(int len, int d) {
        return len;
    }

    @Override
    public void softmax(float[] x, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < len; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void layerNorm(float[] x, int off, float[] residual, int rOff, int len, float[] gamma, float[] beta,
                          float eps) {
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            float v = residual == null ? x[off + i] : x[off + i] + residual[rOff + i];
            x[off + i] = v;
            sum += v;
        }
        float mean = sum / len;
        float sq = 0f;
        for (int i = 0; i < len; i++) {
            float d = x[off + i] - mean;
            sq += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(sq / len + eps));
        for (int i = 0; i < len; i++) {
            x[off + i] = (x[off + i] - mean) * rstd * gamma[i] + beta[i];
        }
    }

    @Override
    public void gelu(float[] x, int off, int len) {
        for (int i = 0; i < len; i++) {
            x[off + i] = Erf.gelu(x[off + i]);
        }
    }
}
