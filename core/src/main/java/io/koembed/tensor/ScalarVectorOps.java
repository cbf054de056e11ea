package io.koembed.tensor;

import java.lang.foreign.MemorySegment;

/** {@link VectorOps} as plain loops with one float accumulator: obviously right, the reference and the fallback. */
final class ScalarVectorOps implements VectorOps {
    static final ScalarVectorOps INSTANCE = new ScalarVectorOps();

    private ScalarVectorOps() {}

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        float s = 0;
        for (int c = 0; c < len; c++) {
            s += a[aOff + c] * b[bOff + c];
        }
        return s;
    }

    @Override
    public void dots(float[] row, float[] queries, int n, int dim, float[] out) {
        for (int j = 0; j < n; j++) {
            out[j] = dot(row, 0, queries, j * dim, dim);
        }
    }

    @Override
    public void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out) {
        for (int j = 0; j < n; j++) {
            float s = 0;
            int q = j * dim;
            for (int d = 0; d < dim; d++) {
                s += rows.get(F32_LE, offset + 4L * d) * queries[q + d];
            }
            out[j] = s;
        }
    }

    @Override
    public float squareDistance(float[] a, float[] b) {
        VectorOps.requireSameLength(a, b);
        float s = 0;
        for (int c = 0; c < a.length; c++) {
            float d = a[c] - b[c];
            s += d * d;
        }
        return s;
    }

    @Override
    public float l1Distance(float[] a, float[] b) {
        VectorOps.requireSameLength(a, b);
        float s = 0;
        for (int c = 0; c < a.length; c++) {
            s += Math.abs(a[c] - b[c]);
        }
        return s;
    }
}
