package io.koembed.search;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link SearchKernels.Scalar}: four queries per pass, so each row load feeds four FMAs.
 * Lanes are summed in a fixed order by hand, not with {@code reduceLanes}, whose order may differ between the
 * interpreter's fallback and the JIT's intrinsic: a score must not change between two calls.
 */
final class PanamaSearchKernels implements SearchKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    @Override
    public void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out) {
        int bound = S.loopBound(dim);
        float[] lanes = new float[S.length()];
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int q0 = j * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d < bound; d += S.length()) {
                FloatVector r = FloatVector.fromMemorySegment(S, rows, offset + 4L * d, LE);
                a0 = FloatVector.fromArray(S, queries, q0 + d).fma(r, a0);
                a1 = FloatVector.fromArray(S, queries, q1 + d).fma(r, a1);
                a2 = FloatVector.fromArray(S, queries, q2 + d).fma(r, a2);
                a3 = FloatVector.fromArray(S, queries, q3 + d).fma(r, a3);
            }
            float s0 = sum(a0, lanes), s1 = sum(a1, lanes), s2 = sum(a2, lanes), s3 = sum(a3, lanes);
            for (; d < dim; d++) {
                float r = rows.get(F32, offset + 4L * d);
                s0 += r * queries[q0 + d];
                s1 += r * queries[q1 + d];
                s2 += r * queries[q2 + d];
                s3 += r * queries[q3 + d];
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
        }
        for (; j < n; j++) {
            int q = j * dim;
            FloatVector a = FloatVector.zero(S);
            int d = 0;
            for (; d < bound; d += S.length()) {
                a = FloatVector.fromArray(S, queries, q + d).fma(FloatVector.fromMemorySegment(S, rows, offset + 4L * d, LE), a);
            }
            float s = sum(a, lanes);
            for (; d < dim; d++) {
                s += rows.get(F32, offset + 4L * d) * queries[q + d];
            }
            out[j] = s;
        }
    }

    @Override
    public void dots(float[] row, float[] queries, int n, int dim, float[] out) {
        int bound = S.loopBound(dim);
        float[] lanes = new float[S.length()];
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int q0 = j * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d < bound; d += S.length()) {
                FloatVector r = FloatVector.fromArray(S, row, d);
                a0 = FloatVector.fromArray(S, queries, q0 + d).fma(r, a0);
                a1 = FloatVector.fromArray(S, queries, q1 + d).fma(r, a1);
                a2 = FloatVector.fromArray(S, queries, q2 + d).fma(r, a2);
                a3 = FloatVector.fromArray(S, queries, q3 + d).fma(r, a3);
            }
            float s0 = sum(a0, lanes), s1 = sum(a1, lanes), s2 = sum(a2, lanes), s3 = sum(a3, lanes);
            for (; d < dim; d++) {
                float r = row[d];
                s0 += r * queries[q0 + d];
                s1 += r * queries[q1 + d];
                s2 += r * queries[q2 + d];
                s3 += r * queries[q3 + d];
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
        }
        for (; j < n; j++) {
            int q = j * dim;
            FloatVector a = FloatVector.zero(S);
            int d = 0;
            for (; d < bound; d += S.length()) {
                a = FloatVector.fromArray(S, queries, q + d).fma(FloatVector.fromArray(S, row, d), a);
            }
            float s = sum(a, lanes);
            for (; d < dim; d++) {
                s += row[d] * queries[q + d];
            }
            out[j] = s;
        }
    }
}
