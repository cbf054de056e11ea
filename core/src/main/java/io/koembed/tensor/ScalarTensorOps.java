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

    @Override
    public void matmul(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart, int rowEnd,
                       int panelStart, int panelEnd) {
        int k = w.cols(), n = w.rows(), nr = w.panelWidth();
        float[] panel = new float[k * nr];
        for (int q = panelStart; q < panelEnd; q++) {
            w.decodePanel(q, panel);
            for (int j = q * nr; j < Math.min(n, (q + 1) * nr); j++) {
                for (int i = rowStart; i < rowEnd; i++) {
                    float s = 0f;
                    for (int p = 0; p < k; p++) {
                        s = Math.fma(a[i * k + p], panel[p * nr + j - q * nr], s);
                    }
                    float y = w.output(s, bias, j);
                    c[i * n + j] = act == Activation.GELU ? Erf.gelu(y) : y;
                }
            }
        }
    }

    @Override
    public void attention(float[] qkv, int stride, int qOff, int kOff, int vOff, int len, int d, float scale,
                          float[] out, int outOff, int outStride, float[] scratch) {
        float[] p = scratch;
        for (int i = 0; i < len; i++) {
            for (int j = 0; j < len; j++) {
                float s = 0f;
                for (int c = 0; c < d; c++) {
                    s = Math.fma(qkv[qOff + i * stride + c], qkv[kOff + j * stride + c], s);
                }
                p[j] = s * scale;
            }
            softmax(p, 0, len);
            for (int c = 0; c < d; c++) {
                float s = 0f;
                for (int j = 0; j < len; j++) {
                    s = Math.fma(p[j], qkv[vOff + j * stride + c], s);
                }
                out[outOff + i * outStride + c] = s;
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
