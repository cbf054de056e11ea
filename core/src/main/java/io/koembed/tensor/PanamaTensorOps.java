package io.koembed.tensor;

import io.koembed.weights.Safetensors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@link TensorOps} on the Java Vector API (jdk.incubator.vector), in the machine's preferred vector width. Loaded
 * reflectively by {@link Provider} so that the rest of the library links without the incubator module.
 */
final class PanamaTensorOps implements TensorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Bytes of W one column tile may occupy, so that it stays in L2 while all rows of A stream past it. */
    private static final long W_TILE_BYTES = 256 * 1024;

    PanamaTensorOps() {
        if (L < 4) {
            throw new UnsupportedOperationException("preferred float vector has only " + L + " lanes");
        }
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }

    // ---------------------------------------------------------------------------------------------------------
    // matmul: C = A · Wᵀ + bias, W [n, k] as stored. Every C element is a dot product of two contiguous rows, so
    // the kernel walks k in vector steps for a 4 × 2 block of C at once: each A vector feeds 2 FMAs and each W
    // vector 4, with 8 independent accumulators to hide the FMA latency (8 + 2 + 1 registers fit AVX2's 16).
    //
    // Every C element, whichever kernel computes it (4×2 block, 4×1 or 1×4 edge, 1×1), sees the same operations
    // in the same order: one vector accumulator over k, lanes summed in lane order, the scalar tail, the bias.
    // So a token's result does not depend on where it sits in a packed batch, nor on how the work was split.
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public void matmul(float[] a, int k, MemorySegment w, float[] bias, float[] c, int n,
                       int rowStart, int rowEnd, int colStart, int colEnd) {
        int tile = (int) Math.max(4, Math.min(1 << 20, W_TILE_BYTES / (4L * k)) & ~3);
        for (int jt = colStart; jt < colEnd; jt += tile) {
            int jEnd = Math.min(colEnd, jt + tile);
            int i = rowStart;
            for (; i + 4 <= rowEnd; i += 4) {
                int j = jt;
                for (; j + 2 <= jEnd; j += 2) {
                    block4x2(a, k, w, bias, c, n, i, j);
                }
                for (; j < jEnd; j++) {
                    block4x1(a, k, w, bias, c, n, i, j);
                }
            }
            for (; i < rowEnd; i++) {
                int j = jt;
                for (; j + 4 <= jEnd; j += 4) {
                    block1x4(a, k, w, bias, c, n, i, j);
                }
                for (; j < jEnd; j++) {
                    c[i * n + j] = dotRowW(a, i * k, w, (long) j * k * 4, k) + bias(bias, j);
                }
            }
        }
    }

    private static float bias(float[] bias, int j) {
        return bias == null ? 0f : bias[j];
    }

    private static void block4x2(float[] a, int k, MemorySegment w, float[] bias, float[] c, int n, int i, int j) {
        int a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        long w0 = (long) j * k * 4, w1 = w0 + (long) k * 4;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int bound = S.loopBound(k);
        for (int p = 0; p < bound; p += L) {
            FloatVector x0 = FloatVector.fromMemorySegment(S, w, w0 + 4L * p, LE);
            FloatVector x1 = FloatVector.fromMemorySegment(S, w, w1 + 4L * p, LE);
            FloatVector y = FloatVector.fromArray(S, a, a0 + p);
            c00 = y.fma(x0, c00);
            c01 = y.fma(x1, c01);
            y = FloatVector.fromArray(S, a, a1 + p);
            c10 = y.fma(x0, c10);
            c11 = y.fma(x1, c11);
            y = FloatVector.fromArray(S, a, a2 + p);
            c20 = y.fma(x0, c20);
            c21 = y.fma(x1, c21);
            y = FloatVector.fromArray(S, a, a3 + p);
            c30 = y.fma(x0, c30);
            c31 = y.fma(x1, c31);
        }
        float b0 = bias(bias, j), b1 = bias(bias, j + 1);
        int r0 = i * n + j;
        c[r0] = finish(c00, a, a0, w, w0, k, bound) + b0;
        c[r0 + 1] = finish(c01, a, a0, w, w1, k, bound) + b1;
        c[r0 + n] = finish(c10, a, a1, w, w0, k, bound) + b0;
        c[r0 + n + 1] = finish(c11, a, a1, w, w1, k, bound) + b1;
        c[r0 + 2 * n] = finish(c20, a, a2, w, w0, k, bound) + b0;
        c[r0 + 2 * n + 1] = finish(c21, a, a2, w, w1, k, bound) + b1;
        c[r0 + 3 * n] = finish(c30, a, a3, w, w0, k, bound) + b0;
        c[r0 + 3 * n + 1] = finish(c31, a, a3, w, w1, k, bound) + b1;
    }

    /** Right column edge: 4 rows of A against one row of W. */
    private static void block4x1(float[] a, int k, MemorySegment w, float[] bias, float[] c, int n, int i, int j) {
        int a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        long w0 = (long) j * k * 4;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int bound = S.loopBound(k);
        for (int p = 0; p < bound; p += L) {
            FloatVector x0 = FloatVector.fromMemorySegment(S, w, w0 + 4L * p, LE);
            c0 = FloatVector.fromArray(S, a, a0 + p).fma(x0, c0);
            c1 = FloatVector.fromArray(S, a, a1 + p).fma(x0, c1);
            c2 = FloatVector.fromArray(S, a, a2 + p).fma(x0, c2);
            c3 = FloatVector.fromArray(S, a, a3 + p).fma(x0, c3);
        }
        float b = bias(bias, j);
        c[i * n + j] = finish(c0, a, a0, w, w0, k, bound) + b;
        c[(i + 1) * n + j] = finish(c1, a, a1, w, w0, k, bound) + b;
        c[(i + 2) * n + j] = finish(c2, a, a2, w, w0, k, bound) + b;
        c[(i + 3) * n + j] = finish(c3, a, a3, w, w0, k, bound) + b;
    }

    /** Bottom row edge (and batches of fewer than 4 tokens): one row of A against 4 rows of W. */
    private static void block1x4(float[] a, int k, MemorySegment w, float[] bias, float[] c, int n, int i, int j) {
        int a0 = i * k;
        long w0 = (long) j * k * 4, w1 = w0 + (long) k * 4, w2 = w1 + (long) k * 4, w3 = w2 + (long) k * 4;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        int bound = S.loopBound(k);
        for (int p = 0; p < bound; p += L) {
            FloatVector y = FloatVector.fromArray(S, a, a0 + p);
            c0 = y.fma(FloatVector.fromMemorySegment(S, w, w0 + 4L * p, LE), c0);
            c1 = y.fma(FloatVector.fromMemorySegment(S, w, w1 + 4L * p, LE), c1);
            c2 = y.fma(FloatVector.fromMemorySegment(S, w, w2 + 4L * p, LE), c2);
            c3 = y.fma(FloatVector.fromMemorySegment(S, w, w3 + 4L * p, LE), c3);
        }
        int r = i * n + j;
        c[r] = finish(c0, a, a0, w, w0, k, bound) + bias(bias, j);
        c[r + 1] = finish(c1, a, a0, w, w1, k, bound) + bias(bias, j + 1);
        c[r + 2] = finish(c2, a, a0, w, w2, k, bound) + bias(bias, j + 2);
        c[r + 3] = finish(c3, a, a0, w, w3, k, bound) + bias(bias, j + 3);
    }

    /** One row of A against one row of W (byte offset wOff). */
    private static float dotRowW(float[] a, int aOff, MemorySegment w, long wOff, int k) {
        FloatVector acc = FloatVector.zero(S);
        int bound = S.loopBound(k);
        for (int p = 0; p < bound; p += L) {
            acc = FloatVector.fromArray(S, a, aOff + p).fma(FloatVector.fromMemorySegment(S, w, wOff + 4L * p, LE), acc);
        }
        return finish(acc, a, aOff, w, wOff, k, bound);
    }

    /** Sums the accumulator's lanes in lane order, then adds the scalar tail p in [bound, k). */
    private static float finish(FloatVector acc, float[] a, int aOff, MemorySegment w, long wOff, int k, int bound) {
        float s = sum(acc);
        for (int p = bound; p < k; p++) {
            s = Math.fma(a[aOff + p], w.get(Safetensors.F32_LE, wOff + 4L * p), s);
        }
        return s;
    }

    /**
     * The lanes' sum in lane order. Not {@code reduceLanes(ADD)}, whose order is unspecified and may differ
     * between the interpreter and compiled code: results must not change once the JIT has warmed up.
     */
    static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------
    // vector primitives
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        // two accumulators: consecutive FMAs into one register would wait on each other's latency
        for (int bound2 = len - 2 * L + 1; i < bound2; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (int bound = S.loopBound(len); i < bound; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float s = sum(acc0.add(acc1));
        for (; i < len; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
        }
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    @Override
    public void softmax(float[] x, int off, int len) {
        int bound = S.loopBound(len);
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX); // order-free
        for (; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        FloatVector vsum = FloatVector.zero(S);
        for (i = 0; i < len; i += L) {
            // masked on the last step, so that every element goes through the same exp
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector e = exp(FloatVector.fromArray(S, x, off + i, m).sub(vm));
            e.intoArray(x, off + i, m);
            vsum = vsum.add(e, m);
        }
        float inv = 1f / sum(vsum);
        FloatVector vinv = FloatVector.broadcast(S, inv);
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(vinv).intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void layerNorm(float[] x, int off, float[] residual, int rOff, int len, float[] gamma, float[] beta,
                          float eps) {
        int bound = S.loopBound(len);
        FloatVector vsum = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + i);
            if (residual != null) {
                v = v.add(FloatVector.fromArray(S, residual, rOff + i));
                v.intoArray(x, off + i);
            }
            vsum = vsum.add(v);
        }
        float sum = sum(vsum);
        for (; i < len; i++) {
            float v = residual == null ? x[off + i] : x[off + i] + residual[rOff + i];
            x[off + i] = v;
            sum += v;
        }
        float mean = sum / len;
        FloatVector vmean = FloatVector.broadcast(S, mean);
        FloatVector vsq = FloatVector.zero(S);
        for (i = 0; i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + i).sub(vmean);
            vsq = d.fma(d, vsq);
        }
        float sq = sum(vsq);
        for (; i < len; i++) {
            float d = x[off + i] - mean;
            sq = Math.fma(d, d, sq);
        }
        float rstd = (float) (1.0 / Math.sqrt(sq / len + eps));
        FloatVector vr = FloatVector.broadcast(S, rstd);
        for (i = 0; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).sub(vmean).mul(vr)
                    .fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i))
                    .intoArray(x, off + i);
        }
        for (; i < len; i++) {
            x[off + i] = Math.fma((x[off + i] - mean) * rstd, gamma[i], beta[i]);
        }
    }

    @Override
    public void gelu(float[] x, int off, int len) {
        for (int i = 0; i < len; i += L) {
            // masked on the last step, so that every element goes through the same code
            VectorMask<Float> m = S.indexInRange(i, len);
            gelu(FloatVector.fromArray(S, x, off + i, m)).intoArray(x, off + i, m);
        }
    }

    /** Lane-wise {@link Erf#gelu}: both polynomial pieces are evaluated and blended by |z| &lt; 1. */
    private static FloatVector gelu(FloatVector x) {
        FloatVector z = x.mul(Erf.SQRT1_2);
        FloatVector a = z.abs();
        FloatVector u = z.mul(z);
        // |z| < 1: 1 + z · P(z²)
        FloatVector p = u.fma(Erf.P6, Erf.P5).fma(u, bc(Erf.P4)).fma(u, bc(Erf.P3)).fma(u, bc(Erf.P2))
                .fma(u, bc(Erf.P1)).fma(u, bc(Erf.P0));
        FloatVector small = z.fma(p, bc(1f));
        // |z| >= 1: c = erfc(|z|) = exp(-z²) · Q(t); 1 + erf(z) = c for z < 0, 2 - c otherwise
        FloatVector t = bc(1f).div(a.fma(0.5f, 1f));
        FloatVector q = t.fma(Erf.Q10, Erf.Q9).fma(t, bc(Erf.Q8)).fma(t, bc(Erf.Q7)).fma(t, bc(Erf.Q6))
                .fma(t, bc(Erf.Q5)).fma(t, bc(Erf.Q4)).fma(t, bc(Erf.Q3)).fma(t, bc(Erf.Q2)).fma(t, bc(Erf.Q1))
                .fma(t, bc(Erf.Q0));
        FloatVector c = exp(u.neg()).mul(q);
        VectorMask<Float> negative = z.lt(0f);
        FloatVector large = bc(2f).sub(c).blend(c, negative);
        FloatVector onePlusErf = large.blend(small, a.lt(1f));
        return x.mul(0.5f).mul(onePlusErf);
    }

    // ---------------------------------------------------------------------------------------------------------
    // exp: our own, from exact IEEE operations only, rather than lanewise(EXP), whose result differs in the last
    // bit between the interpreter (Math.exp per lane) and compiled code (a vector math library).
    // exp(x) = 2^n · exp(r), n = round(x / ln2), r = x - n·ln2 in [-ln2/2, ln2/2] (Cody-Waite, ln2 in two
    // parts), exp(r) by its Taylor polynomial to r⁷ (truncation 5e-9 relative). Within 2 ulp of Math.exp;
    // results below 2^-124 (x < -86) flush to zero, above 88.72 overflow to infinity.
    // ---------------------------------------------------------------------------------------------------------

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;        // 9 significant bits: n · LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;     // ln 2 - LN2_HI
    private static final float ROUNDER = 12582912f;          // 1.5 · 2^23: adding it rounds to an integer
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float EXP_LO = -86f, EXP_HI = 88.72283f;

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector big = xc.fma(LOG2E, ROUNDER);             // n in the low mantissa bits
        FloatVector n = big.sub(ROUNDER);
        FloatVector r = n.fma(bc(-LN2_HI), xc);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = r.fma(1f / 5040, 1f / 720).fma(r, bc(1f / 120)).fma(r, bc(1f / 24)).fma(r, bc(1f / 6))
                .fma(r, bc(0.5f)).fma(r, bc(1f)).fma(r, bc(1f));
        // 2^(n-1) from its exponent bits (n - 1 in [-125, 127] stays normal), times 2
        IntVector ni = big.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector half = ni.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(half).mul(2f);
        e = e.blend(0f, x.lt(EXP_LO));
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /** {@link #exp(FloatVector)} over an array, for tests. */
    static void exp(float[] x, int off, int len) {
        for (int i = 0; i < len; i += L) {
            VectorMask<Float> m = S.indexInRange(i, len);
            exp(FloatVector.fromArray(S, x, off + i, m)).intoArray(x, off + i, m);
        }
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }
}
