package io.koembed.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@link TensorOps} on the Java Vector API (jdk.incubator.vector), in the machine's preferred vector width. Loaded
 * reflectively by {@link Provider} so that the rest of the library links without the incubator module.
 *
 * <p>Two rules shape this code:
 * <ul>
 *   <li><b>No FloatVector crosses a method call.</b> C2 boxes a vector passed to or returned from a method it
 *       does not inline, and it declines to inline methods it has already compiled to much code, or that sit on
 *       a cold call site; that turned a 1 ns/element GELU into 50. So every method here keeps its vectors to
 *       itself: accumulators are stored to a small buffer and their lanes summed by a scalar helper, and partial
 *       vectors at the end of a row are handled by copying them into a padded buffer rather than masked ops.</li>
 *   <li><b>Same bits, always.</b> Every result is computed from exact IEEE operations in an order fixed by the
 *       code: lanes are summed in lane order (not {@code reduceLanes(ADD)}, whose order is unspecified), exp is
 *       our own (not {@code lanewise(EXP)}, which rounds differently in the interpreter and in compiled code).
 *       And every output element goes through the same operations wherever it sits. So results do not change
 *       when the JIT warms up, nor with the composition of a packed batch.</li>
 * </ul>
 */
final class PanamaTensorOps implements TensorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    PanamaTensorOps() {
        if (L < 4) {
            throw new UnsupportedOperationException("preferred float vector has only " + L + " lanes");
        }
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize();
    }

    /** The sum of {@code buf[off, off + L)} in lane order: how every vector accumulator here is reduced. */
    private static float lanes(float[] buf, int off) {
        float s = buf[off];
        for (int i = 1; i < L; i++) {
            s += buf[off + i];
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------------------
    // matmul: C = A · Wᵀ + bias with W packed in panels of 2 vectors of output channels (PackedMatrix). The
    // kernel computes a 4 × 2L block of C: per step p it loads the two weight vectors W[j0 .. j0+2L, p] once and
    // broadcasts A[i, p] of 4 rows against them into 8 independent FMA accumulators. Each output element is one
    // FMA chain over p = 0 .. k-1 from zero in one lane, then the INT8 scale and the bias: the scalar twin does
    // exactly that, so the two agree bit for bit, and a token's result does not depend on where it sits in a
    // packed batch. Rows past the end of a block repeat the last real row (computed, not stored), so there is one
    // kernel for every block.
    //
    // Why 4 rows and not 6 (12 accumulators, the classic AVX2 tile): C2 is free to load all broadcasts of a step
    // before the first FMA, and whether it does depends on the loop shape it builds, which depends on JVM flags
    // (loop strip mining is on under G1 and ZGC, off under Parallel and Serial GC). With 6 rows that needs
    // 12 + 2 + 6 = 20 of AVX2's 16 registers: C2 then keeps 5 accumulators on the stack, and the kernel loses
    // 40 % (seen in its code under -XX:+UseParallelGC). 4 rows need 8 + 2 + 4 = 14 registers whichever order C2
    // picks. Measured on the 2-core Zen 1 machine (best of 4, alternating, 2 threads, XLM-R base shapes): 656 rows
    // 72-74 GFLOP/s for both tiles under G1, 55-61 against 44-45 under Parallel GC; 20 rows (one sentence) 67-68
    // against 53-58 under G1, as no rows are wasted on padding a 6-row block.
    //
    // float32 panels are read in place from the packed heap array. bfloat16 and int8 panels are widened to float32
    // into a scratch panel (exact conversions) before the kernel runs over all rows: the kernel stays one, and the
    // conversion is paid once per panel, not per row.
    // ---------------------------------------------------------------------------------------------------------

    private static final int MR = 4;
    private static final int NR = 2 * L;
    /** Species for reading L packed bfloat16 / int8 values, or null where the Vector API has no such shape. */
    private static final VectorSpecies<Short> HALF_SPECIES = speciesOrNull(short.class, 16 * L);
    private static final VectorSpecies<Byte> BYTE_SPECIES = speciesOrNull(byte.class, 8 * L);

    private static <E> VectorSpecies<E> speciesOrNull(Class<E> type, int bits) {
        try {
            return VectorSpecies.of(type, VectorShape.forBitSize(bits));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public void matmul(float[] a, PackedMatrix w, float[] bias, float[] c, int rowStart, int rowEnd,
                       int panelStart, int panelEnd) {
        if (w.panelWidth() != NR) {
            throw new IllegalArgumentException(w + " was packed for panels of " + w.panelWidth()
                    + ", these kernels need " + NR);
        }
        int k = w.cols(), n = w.rows();
        boolean f32 = w.precision() == WeightPrecision.FLOAT32;
        float[] panel = f32 ? w.floats() : new float[k * NR];
        float[] acc = new float[MR * NR];
        for (int q = panelStart; q < panelEnd; q++) {
            int base = f32 ? q * k * NR : 0;
            if (!f32) {
                decode(w, q, panel);
            }
            int j0 = q * NR, cols = Math.min(NR, n - j0);
            for (int i = rowStart; i < rowEnd; i += MR) {
                int rows = Math.min(MR, rowEnd - i);
                block(a, k, panel, base, i, rows, acc);
                for (int r = 0; r < rows; r++) {
                    w.finish(acc, r * NR, bias, c, (i + r) * n + j0, j0, cols);
                }
            }
        }
    }

    /**
     * acc[r · NR + jj] = Σ_p A[i + r, p] · panel[base + p · NR + jj] for r < 4, jj < NR (rows ≥ {@code rows}
     * repeat the last).
     */
    private static void block(float[] a, int k, float[] panel, int base, int i, int rows, float[] acc) {
        int last = i + rows - 1;
        int a0 = i * k, a1 = Math.min(i + 1, last) * k, a2 = Math.min(i + 2, last) * k;
        int a3 = Math.min(i + 3, last) * k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            FloatVector w0 = FloatVector.fromArray(S, panel, base + p * NR);
            FloatVector w1 = FloatVector.fromArray(S, panel, base + p * NR + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(w0, c00);
            c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(w0, c10);
            c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(w0, c20);
            c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(w0, c30);
            c31 = x.fma(w1, c31);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
    }

    /** {@link PackedMatrix#decodePanel} on vectors: bfloat16 bits shifted into floats, int8 converted. */
    private static void decode(PackedMatrix w, int q, float[] dst) {
        MemorySegment data = w.data();
        long off = w.panelOffset(q);
        int len = w.cols() * NR;
        if (w.precision() == WeightPrecision.BFLOAT16 && HALF_SPECIES != null) {
            for (int e = 0; e < len; e += L, off += 2L * L) {
                FloatVector f = ((IntVector) ShortVector.fromMemorySegment(HALF_SPECIES, data, off, LE)
                        .convertShape(VectorOperators.S2I, IntVector.SPECIES_PREFERRED, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                f.intoArray(dst, e);
            }
        } else if (w.precision() == WeightPrecision.INT8 && BYTE_SPECIES != null) {
            for (int e = 0; e < len; e += L, off += L) {
                FloatVector f = (FloatVector) ByteVector.fromMemorySegment(BYTE_SPECIES, data, off, LE)
                        .convertShape(VectorOperators.B2F, S, 0);
                f.intoArray(dst, e);
            }
        } else {
            w.decodePanel(q, dst);
        }
    }
    // ---------------------------------------------------------------------------------------------------------
    // attention
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public void scores(float[] q, int qOff, float[] k, int kOff, int kStride, int n, int d, float scale,
                       float[] scores) {
        float[] buf = new float[4 * L];
        int bound = S.loopBound(d);
        int j = 0;
        // four keys at once: each q vector feeds four independent accumulators
        for (; j + 4 <= n; j += 4) {
            int k0 = kOff + j * kStride, k1 = k0 + kStride, k2 = k1 + kStride, k3 = k2 + kStride;
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            for (int c = 0; c < bound; c += L) {
                FloatVector x = FloatVector.fromArray(S, q, qOff + c);
                c0 = x.fma(FloatVector.fromArray(S, k, k0 + c), c0);
                c1 = x.fma(FloatVector.fromArray(S, k, k1 + c), c1);
                c2 = x.fma(FloatVector.fromArray(S, k, k2 + c), c2);
                c3 = x.fma(FloatVector.fromArray(S, k, k3 + c), c3);
            }
            c0.intoArray(buf, 0);
            c1.intoArray(buf, L);
            c2.intoArray(buf, 2 * L);
            c3.intoArray(buf, 3 * L);
            for (int r = 0; r < 4; r++) {
                scores[j + r] = dotTail(q, qOff, k, k0 + r * kStride, lanes(buf, r * L), bound, d) * scale;
            }
        }
        for (; j < n; j++) {
            int k0 = kOff + j * kStride;
            FloatVector c0 = FloatVector.zero(S);
            for (int c = 0; c < bound; c += L) {
                c0 = FloatVector.fromArray(S, q, qOff + c).fma(FloatVector.fromArray(S, k, k0 + c), c0);
            }
            c0.intoArray(buf, 0);
            scores[j] = dotTail(q, qOff, k, k0, lanes(buf, 0), bound, d) * scale;
        }
    }

    private static float dotTail(float[] a, int aOff, float[] b, int bOff, float s, int from, int to) {
        for (int c = from; c < to; c++) {
            s = Math.fma(a[aOff + c], b[bOff + c], s);
        }
        return s;
    }

    @Override
    public void weightedSum(float[] p, int n, float[] v, int vOff, int vStride, int d, float[] out, int outOff) {
        int c = 0;
        // four vectors of the output at once, so that four FMA chains run side by side
        for (; c + 4 * L <= d; c += 4 * L) {
            FloatVector o0 = FloatVector.zero(S), o1 = o0, o2 = o0, o3 = o0;
            for (int j = 0; j < n; j++) {
                FloatVector pj = FloatVector.broadcast(S, p[j]);
                int r = vOff + j * vStride + c;
                o0 = pj.fma(FloatVector.fromArray(S, v, r), o0);
                o1 = pj.fma(FloatVector.fromArray(S, v, r + L), o1);
                o2 = pj.fma(FloatVector.fromArray(S, v, r + 2 * L), o2);
                o3 = pj.fma(FloatVector.fromArray(S, v, r + 3 * L), o3);
            }
            o0.intoArray(out, outOff + c);
            o1.intoArray(out, outOff + c + L);
            o2.intoArray(out, outOff + c + 2 * L);
            o3.intoArray(out, outOff + c + 3 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector o0 = FloatVector.zero(S);
            for (int j = 0; j < n; j++) {
                o0 = FloatVector.broadcast(S, p[j]).fma(FloatVector.fromArray(S, v, vOff + j * vStride + c), o0);
            }
            o0.intoArray(out, outOff + c);
        }
        for (; c < d; c++) {
            float s = 0f;
            for (int j = 0; j < n; j++) {
                s = Math.fma(p[j], v[vOff + j * vStride + c], s);
            }
            out[outOff + c] = s;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // row-wise and element-wise
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public void softmax(float[] x, int off, int len) {
        int bound = S.loopBound(len);
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX); // max is exact in any order
        for (; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        float inv = 1f / expShifted(x, off, len, max);
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
        float[] buf = new float[L];
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
        vsum.intoArray(buf, 0);
        float sum = lanes(buf, 0);
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
        vsq.intoArray(buf, 0);
        float sq = lanes(buf, 0);
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

    private static final int GELU_BLOCK = 256;

    /**
     * Lane-wise {@link Erf#gelu} over blocks of 256, in three passes: -z² into a scratch block, exp of the block
     * ({@link #expShifted}), then both polynomial pieces blended by |z| &lt; 1. A partial last vector is copied
     * into a padded buffer, so that every element goes through the same vector code.
     */
    @Override
    public void gelu(float[] x, int off, int len) {
        float[] e = new float[GELU_BLOCK];
        float[] pad = new float[L];
        for (int b = 0; b < len; b += GELU_BLOCK) {
            int n = Math.min(GELU_BLOCK, len - b);
            for (int i = 0; i < n; i += L) {
                int cnt = Math.min(L, n - i);
                float[] src = x;
                int at = off + b + i;
                if (cnt < L) {
                    Arrays.fill(pad, 0f);
                    System.arraycopy(x, at, pad, 0, cnt);
                    src = pad;
                    at = 0;
                }
                FloatVector z = FloatVector.fromArray(S, src, at).mul(Erf.SQRT1_2);
                z.mul(z).neg().intoArray(e, i);
            }
            expShifted(e, 0, (n + L - 1) / L * L, 0f);
            for (int i = 0; i < n; i += L) {
                int cnt = Math.min(L, n - i);
                float[] dst = x;
                int at = off + b + i;
                if (cnt < L) {
                    Arrays.fill(pad, 0f);
                    System.arraycopy(x, at, pad, 0, cnt);
                    dst = pad;
                    at = 0;
                }
                FloatVector x0 = FloatVector.fromArray(S, dst, at);
                FloatVector z = x0.mul(Erf.SQRT1_2);
                FloatVector a = z.abs();
                FloatVector u = z.mul(z);
                // |z| < 1: 1 + z · P(z²)
                FloatVector p = u.fma(Erf.P6, Erf.P5).fma(u, bc(Erf.P4)).fma(u, bc(Erf.P3)).fma(u, bc(Erf.P2))
                        .fma(u, bc(Erf.P1)).fma(u, bc(Erf.P0));
                FloatVector small = z.fma(p, bc(1f));
                // |z| >= 1: c = erfc(|z|) = exp(-z²) · Q(t), t = 1 / (1 + |z|/2); 1 + erf(z) = c or 2 - c
                FloatVector t = bc(1f).div(a.fma(0.5f, 1f));
                FloatVector q = t.fma(Erf.Q10, Erf.Q9).fma(t, bc(Erf.Q8)).fma(t, bc(Erf.Q7)).fma(t, bc(Erf.Q6))
                        .fma(t, bc(Erf.Q5)).fma(t, bc(Erf.Q4)).fma(t, bc(Erf.Q3)).fma(t, bc(Erf.Q2))
                        .fma(t, bc(Erf.Q1)).fma(t, bc(Erf.Q0));
                FloatVector c = FloatVector.fromArray(S, e, i).mul(q);
                FloatVector large = bc(2f).sub(c).blend(c, z.lt(0f));
                FloatVector onePlusErf = large.blend(small, a.lt(1f));
                x0.mul(0.5f).mul(onePlusErf).intoArray(dst, at);
                if (dst == pad) {
                    System.arraycopy(pad, 0, x, off + b + i, cnt);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // exp: our own, from exact IEEE operations only, rather than lanewise(EXP), whose result differs in the last
    // bit between the interpreter (Math.exp per lane) and compiled code (a vector math library).
    // exp(x) = 2^n · exp(r), n = round(x / ln2), r = x - n·ln2 in [-ln2/2, ln2/2] (Cody-Waite, ln2 in two
    // parts), exp(r) by its Taylor polynomial to r⁷ (truncation 5e-9 relative). Within 1 ulp of Math.exp in
    // the tests; results below 2^-124 (x < -86) flush to zero, above 88.72 overflow to infinity.
    // ---------------------------------------------------------------------------------------------------------

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;        // 9 significant bits: n · LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;     // ln 2 - LN2_HI
    private static final float ROUNDER = 12582912f;          // 1.5 · 2^23: adding it rounds to an integer
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float EXP_LO = -86f, EXP_HI = 88.72283f;

    /** In place {@code x[i] = exp(x[i] - shift)} over [off, off + len); returns the sum of the results. */
    static float expShifted(float[] x, int off, int len, float shift) {
        float[] pad = new float[L];
        FloatVector vsum = FloatVector.zero(S);
        FloatVector vshift = bc(shift);
        for (int i = 0; i < len; i += L) {
            int cnt = Math.min(L, len - i);
            float[] arr = x;
            int at = off + i;
            if (cnt < L) {
                Arrays.fill(pad, Float.NEGATIVE_INFINITY); // exp(-inf) = 0 adds nothing to the sum
                System.arraycopy(x, at, pad, 0, cnt);
                arr = pad;
                at = 0;
            }
            FloatVector v = FloatVector.fromArray(S, arr, at).sub(vshift);
            FloatVector xc = v.max(EXP_LO).min(EXP_HI);
            FloatVector big = xc.fma(LOG2E, ROUNDER);             // n in the low mantissa bits
            FloatVector n = big.sub(ROUNDER);
            FloatVector r = n.fma(bc(-LN2_HI), xc);
            r = n.fma(bc(-LN2_LO), r);
            FloatVector p = r.fma(1f / 5040, 1f / 720).fma(r, bc(1f / 120)).fma(r, bc(1f / 24))
                    .fma(r, bc(1f / 6)).fma(r, bc(0.5f)).fma(r, bc(1f)).fma(r, bc(1f));
            // 2^(n-1) from its exponent bits (n - 1 in [-125, 127] stays normal), times 2
            IntVector ni = big.reinterpretAsInts().sub(ROUNDER_BITS);
            FloatVector half = ni.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = p.mul(half).mul(2f);
            e = e.blend(0f, v.lt(EXP_LO));
            e = e.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.GT, EXP_HI));
            e.intoArray(arr, at);
            vsum = vsum.add(e);
            if (arr == pad) {
                System.arraycopy(pad, 0, x, off + i, cnt);
            }
        }
        vsum.intoArray(pad, 0);
        return lanes(pad, 0);
    }

    /** A broadcast constant; small enough that C2 always inlines it. */
    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }
}
