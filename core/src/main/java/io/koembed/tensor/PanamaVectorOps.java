package io.koembed.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarVectorOps}. Lanes are summed in lane order by hand (not
 * {@code reduceLanes}, whose order may differ between the interpreter and the JIT's intrinsic), so a score does not
 * change between two calls.
 *
 * <p>The array forms have loops of their own, although the same arithmetic in the same order as the memory-segment
 * forms: search corpora are native memory (RowStore), and once a heap segment had gone through the segment loops
 * (the array forms used to wrap their arrays), C2 compiled them for both kinds of segment, and exact search over a
 * FloatCorpus ran 1.3-1.7x slower for the rest of the JVM's life (bench/scripts/search-pollution, bench/RESULTS.md,
 * run 19's section). So no heap segment reaches {@code FloatVector.fromMemorySegment} here.
 */
final class PanamaVectorOps implements VectorOps {
    /**
     * The float vectors of every Panama class here: the CPU's preferred shape, or the width
     * {@link Vectorization#REQUESTED_BITS} asks for. A static final, since C2 compiles vector code only for a
     * species it sees as a constant.
     */
    static final VectorSpecies<Float> SPECIES = Vectorization.REQUESTED_BITS == 0 ? FloatVector.SPECIES_PREFERRED
            : VectorSpecies.of(float.class, VectorShape.forBitSize(Vectorization.REQUESTED_BITS));

    private static final VectorSpecies<Float> S = SPECIES;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }

    private static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    /** The arithmetic of {@link #dot(MemorySegment, long, float[], int, int, float[])} with the row in an array. */
    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int bound = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        int d = 0;
        for (; d < bound; d += L) {
            acc = FloatVector.fromArray(S, b, bOff + d).fma(FloatVector.fromArray(S, a, aOff + d), acc);
        }
        float s = sum(acc, new float[L]);
        for (; d < len; d++) {
            s += a[aOff + d] * b[bOff + d];
        }
        return s;
    }

    /** The arithmetic of {@link #dots(MemorySegment, long, float[], int, int, float[])} with the row in an array. */
    @Override
    public void dots(float[] row, float[] queries, int n, int dim, float[] out) {
        int bound = S.loopBound(dim);
        float[] lanes = new float[L];
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int q0 = j * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d < bound; d += L) {
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
            out[j] = dot(row, 0, queries, j * dim, dim);
        }
    }

    /** Four queries per pass, so that each load of the row feeds four FMAs; the rest one at a time. */
    @Override
    public void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out) {
        int bound = S.loopBound(dim);
        float[] lanes = new float[L];
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int q0 = j * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d < bound; d += L) {
                FloatVector r = FloatVector.fromMemorySegment(S, rows, offset + 4L * d, LE);
                a0 = FloatVector.fromArray(S, queries, q0 + d).fma(r, a0);
                a1 = FloatVector.fromArray(S, queries, q1 + d).fma(r, a1);
                a2 = FloatVector.fromArray(S, queries, q2 + d).fma(r, a2);
                a3 = FloatVector.fromArray(S, queries, q3 + d).fma(r, a3);
            }
            float s0 = sum(a0, lanes), s1 = sum(a1, lanes), s2 = sum(a2, lanes), s3 = sum(a3, lanes);
            for (; d < dim; d++) {
                float r = rows.get(F32_LE, offset + 4L * d);
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
            out[j] = dot(rows, offset, queries, j * dim, dim, lanes);
        }
    }

    /** One row against one query: the same arithmetic as one query of the four-at-a-time loop. */
    private static float dot(MemorySegment rows, long offset, float[] query, int qOff, int dim, float[] lanes) {
        int bound = S.loopBound(dim);
        FloatVector acc = FloatVector.zero(S);
        int d = 0;
        for (; d < bound; d += L) {
            acc = FloatVector.fromArray(S, query, qOff + d).fma(FloatVector.fromMemorySegment(S, rows, offset + 4L * d, LE), acc);
        }
        float s = sum(acc, lanes);
        for (; d < dim; d++) {
            s += rows.get(F32_LE, offset + 4L * d) * query[qOff + d];
        }
        return s;
    }

    @Override
    public float squareDistance(float[] a, float[] b) {
        return distance(a, b, true);
    }

    @Override
    public float l1Distance(float[] a, float[] b) {
        return distance(a, b, false);
    }

    /** {@code Σ (a - b)²} if {@code squares}, else {@code Σ |a - b|}: one loop (C2 unswitches the constant test). */
    private static float distance(float[] a, float[] b, boolean squares) {
        VectorOps.requireSameLength(a, b);
        int bound = S.loopBound(a.length);
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c < bound; c += L) {
            FloatVector diff = FloatVector.fromArray(S, a, c).sub(FloatVector.fromArray(S, b, c));
            acc = squares ? diff.fma(diff, acc) : acc.add(diff.lanewise(VectorOperators.ABS));
        }
        float s = sum(acc, new float[L]);
        for (; c < a.length; c++) {
            float diff = a[c] - b[c];
            s += squares ? diff * diff : Math.abs(diff);
        }
        return s;
    }
}
