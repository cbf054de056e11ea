package io.koembed.tensor;

import io.koembed.weights.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API kernels against their scalar twins, and the scalar twins against double-precision references,
 * on random shapes including sizes that are not multiples of the vector length or of the matmul's 4-row blocks
 * and panels.
 */
class TensorOpsTest {
    static final TensorOps SCALAR = TensorOps.scalar();
    static TensorOps simd;

    @BeforeAll
    static void lookup() {
        simd = TensorOps.best();
        // surefire runs with --add-modules jdk.incubator.vector, so the SIMD kernels must have been picked
        assertTrue(simd.name().startsWith("panama"), "expected the Vector API kernels, got " + simd.name());
        String bits = System.getProperty("koembed.vectorBits");
        if (bits != null) {
            // the surefire executions that check each vector width on any host
            assertTrue(simd.name().startsWith("panama-" + bits + " "), "expected " + bits + "-bit kernels, got "
                    + simd.name());
        }
    }

    private final Random rnd = new Random(42);

    private float[] randoms(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    static MemorySegment segment(Arena arena, float[] values, int extraBytes) {
        // an odd byte offset, as safetensors may give us: the kernels must not assume alignment
        MemorySegment s = arena.allocate(4L * values.length + extraBytes + 4, 64).asSlice(extraBytes);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(Checkpoint.F32_LE, i, values[i]);
        }
        return s;
    }

    /** {@code stored} (n × k) packed as float32 for {@code ops}' panels. */
    private static PackedMatrix float32(MemorySegment stored, int n, int k, TensorOps ops, Arena arena) {
        return PackedMatrix.pack(stored, n, k, WeightPrecision.FLOAT32, ops.panelWidth(WeightPrecision.FLOAT32), arena);
    }

    private static final int[] SIZES = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67, 100, 129};

    @Test
    void matmulMatchesScalarBitForBitAndDouble() {
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 90; trial++) {
                int m = SIZES[rnd.nextInt(SIZES.length)];
                int k = SIZES[rnd.nextInt(SIZES.length)];
                int n = SIZES[rnd.nextInt(SIZES.length)];
                WeightPrecision precision = WeightPrecision.values()[trial % 3];
                float[] a = randoms(m * k, 1f);
                float[] wf = randoms(n * k, 1f);
                PackedMatrix w = PackedMatrix.pack(segment(arena, wf, trial % 2 == 0 ? 0 : 2), n, k, precision,
                        simd.panelWidth(precision), arena);
                float[] bias = trial % 4 == 0 ? null : randoms(n, 1f);
                float[] cs = new float[m * n], cv = new float[m * n];
                // a sub-block, so that the range arguments are exercised too
                int r0 = rnd.nextInt(m), r1 = r0 + 1 + rnd.nextInt(m - r0);
                int q0 = rnd.nextInt(w.panels()), q1 = q0 + 1 + rnd.nextInt(w.panels() - q0);
                if (trial % 2 == 0) {
                    r0 = 0; r1 = m; q0 = 0; q1 = w.panels();
                }
                SCALAR.matmul(a, w, bias, Activation.NONE, cs, r0, r1, q0, q1);
                simd.matmul(a, w, bias, Activation.NONE, cv, r0, r1, q0, q1);
                int c0 = q0 * w.panelWidth(), c1 = Math.min(n, q1 * w.panelWidth());
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        boolean inside = i >= r0 && i < r1 && j >= c0 && j < c1;
                        if (!inside) {
                            assertEquals(0f, cs[i * n + j]);
                            assertEquals(0f, cv[i * n + j], "simd wrote outside its block");
                            continue;
                        }
                        String where = precision + " m=" + m + " k=" + k + " n=" + n + " at " + i + "," + j;
                        // one FMA chain per element in both: the same bits
                        assertEquals(cs[i * n + j], cv[i * n + j], 0f, "simd vs scalar " + where);
                        double ref = bias == null ? 0 : bias[j];
                        double mag = Math.abs(ref);
                        for (int p = 0; p < k; p++) {
                            ref += (double) a[i * k + p] * w.get(j, p);
                            mag += Math.abs((double) a[i * k + p] * w.get(j, p));
                        }
                        assertEquals(ref, cs[i * n + j], 1e-6 * mag + 1e-7, "scalar " + where);
                    }
                }
            }
        }
    }

    @Test
    void everyCandidateTileGivesTheScalarBitsWithAndWithoutGelu() {
        var tiles = TensorOps.matmulCandidates();
        assertTrue(tiles.size() >= 2, "expected several tiles to choose from, got " + tiles);
        try (Arena arena = Arena.ofConfined()) {
            for (TensorOps ops : tiles) {
                for (int trial = 0; trial < 12; trial++) {
                    // rows around the tile heights (4..8), columns around the panel widths (16..64)
                    int m = 1 + rnd.nextInt(23), k = 1 + rnd.nextInt(70), n = 1 + rnd.nextInt(150);
                    WeightPrecision precision = WeightPrecision.values()[trial % 3];
                    float[] a = randoms(m * k, 1f), bias = randoms(n, 0.5f);
                    MemorySegment stored = segment(arena, randoms(n * k, 0.3f), 0);
                    PackedMatrix ws = PackedMatrix.pack(stored, n, k, precision, SCALAR.panelWidth(precision), arena);
                    PackedMatrix wv = PackedMatrix.pack(stored, n, k, precision, ops.panelWidth(precision), arena);
                    float[] plain = new float[m * n], viaSimd = new float[m * n];
                    SCALAR.matmul(a, ws, bias, Activation.NONE, plain, 0, m, 0, ws.panels());
                    ops.matmul(a, wv, bias, Activation.NONE, viaSimd, 0, m, 0, wv.panels());
                    String where = ops.name() + " " + precision + " m=" + m + " k=" + k + " n=" + n;
                    assertEquals(Arrays.toString(plain), Arrays.toString(viaSimd), where);

                    // the GELU epilogue is the GELU pass of the same implementation, bit for bit
                    float[] geluScalar = new float[m * n], geluSimd = new float[m * n];
                    SCALAR.matmul(a, ws, bias, Activation.GELU, geluScalar, 0, m, 0, ws.panels());
                    ops.matmul(a, wv, bias, Activation.GELU, geluSimd, 0, m, 0, wv.panels());
                    float[] scalarPass = plain.clone(), simdPass = viaSimd.clone();
                    SCALAR.gelu(scalarPass, 0, scalarPass.length);
                    ops.gelu(simdPass, 0, simdPass.length);
                    assertEquals(Arrays.toString(scalarPass), Arrays.toString(geluScalar), "scalar " + where);
                    assertEquals(Arrays.toString(simdPass), Arrays.toString(geluSimd), "gelu epilogue " + where);
                }
            }
        }
    }

    @Test
    void sixRowTileHandsItsLastRowsToTheFourRowKernel() {
        // every row count up to 26 on the 6 x 2L tile (AVX2's default): 20 rows run as 6 + 6 + 4 + 4, 9 as 6 + 4 with
        // one row repeated, 2 on the 4-row kernel alone; with row blocks of 13 the last tiles of each block too
        for (int rowBlock : new int[] {0, 13}) {
            TensorOps ops = new PanamaTensorOps(new MatmulTile(6, 2), rowBlock == 0 ? 0 : 40, rowBlock, 0);
            try (Arena arena = Arena.ofConfined()) {
                int k = 57, n = 3 * ops.panelWidth(WeightPrecision.FLOAT32) - 5;
                MemorySegment stored = segment(arena, randoms(n * k, 0.3f), 0);
                PackedMatrix ws = float32(stored, n, k, SCALAR, arena), wv = float32(stored, n, k, ops, arena);
                float[] bias = randoms(n, 0.5f);
                for (int m = 1; m <= 26; m++) {
                    float[] a = randoms(m * k, 1f), expect = new float[m * n], got = new float[m * n];
                    SCALAR.matmul(a, ws, bias, Activation.NONE, expect, 0, m, 0, ws.panels());
                    ops.matmul(a, wv, bias, Activation.NONE, got, 0, m, 0, wv.panels());
                    assertEquals(Arrays.toString(expect), Arrays.toString(got), "m=" + m + " row block " + rowBlock);
                }
            }
        }
    }

    @Test
    void cacheBlockedMatmulGivesTheSameBits() {
        // blocks smaller than the shapes, so that rows and the inner dimension are cut, with partial last blocks
        TensorOps blocked = new PanamaTensorOps(MatmulTile.candidates(PanamaTensorOps.lanes()).getFirst(), 24, 13, 0);
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 10; trial++) {
                int m = 1 + rnd.nextInt(60), k = 1 + rnd.nextInt(100), n = 1 + rnd.nextInt(100);
                float[] a = randoms(m * k, 1f), bias = trial % 2 == 0 ? null : randoms(n, 0.5f);
                MemorySegment stored = segment(arena, randoms(n * k, 0.3f), 0);
                PackedMatrix ws = float32(stored, n, k, SCALAR, arena), wb = float32(stored, n, k, blocked, arena);
                Activation act = trial % 3 == 0 ? Activation.GELU : Activation.NONE;
                float[] expect = new float[m * n], got = new float[m * n];
                SCALAR.matmul(a, ws, bias, Activation.NONE, expect, 0, m, 0, ws.panels());
                if (act == Activation.GELU) {
                    blocked.gelu(expect, 0, expect.length);
                }
                blocked.matmul(a, wb, bias, act, got, 0, m, 0, wb.panels());
                assertEquals(Arrays.toString(expect), Arrays.toString(got), "m=" + m + " k=" + k + " n=" + n);
            }
        }
    }

    @Test
    void fewRowsPathGivesTheScalarBits() {
        // the path of calls of a sentence or two: A packed in 5-row tiles, the inner dimension cut in blocks of 512
        // (one, two or three here, the last one partial or whole) and every tile continuing from its partial sums;
        // rows and panels are sub-ranges
        TensorOps ops = new PanamaTensorOps(new MatmulTile(5, 4), 0, 0, PanamaTensorOps.FEW_ROWS);
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 16; trial++) {
                int m = 1 + rnd.nextInt(PanamaTensorOps.FEW_ROWS), n = 1 + rnd.nextInt(150);
                int k = trial == 0 ? 2 * PanamaTensorOps.PACKED_BLOCK : 1 + rnd.nextInt(1300);
                float[] a = randoms(m * k, 1f), bias = trial % 2 == 0 ? null : randoms(n, 0.5f);
                MemorySegment stored = segment(arena, randoms(n * k, 0.3f), 0);
                PackedMatrix ws = float32(stored, n, k, SCALAR, arena), wv = float32(stored, n, k, ops, arena);
                int r0 = trial % 3 == 0 ? rnd.nextInt(m) : 0;
                int q0 = trial % 4 == 1 ? rnd.nextInt(wv.panels()) : 0;
                int c0 = q0 * wv.panelWidth();
                Activation act = trial % 3 == 1 ? Activation.GELU : Activation.NONE;
                float[] expect = new float[m * n], got = new float[m * n];
                SCALAR.matmul(a, ws, bias, Activation.NONE, expect, 0, m, 0, ws.panels());
                if (act == Activation.GELU) {
                    ops.gelu(expect, 0, expect.length);
                }
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        if (i < r0 || j < c0) {
                            expect[i * n + j] = 0f; // outside the block asked for: must stay untouched
                        }
                    }
                }
                ops.matmul(a, wv, bias, act, got, r0, m, q0, wv.panels());
                assertEquals(Arrays.toString(expect), Arrays.toString(got),
                        act + " m=" + m + " k=" + k + " n=" + n + " rows from " + r0 + ", columns from " + c0);
            }
        }
    }

    @Test
    void deepPanelsTakeThePackedPathInRowBlocks() {
        // a call of many rows over panels deeper than DEEP_PANEL_BYTES (the FFN's down projection) is packed a row
        // block at a time; the blocks, the last one partial and not a whole number of tiles, must give the scalar bits
        PanamaTensorOps ops = new PanamaTensorOps(new MatmulTile(5, 4), 0, 0, PanamaTensorOps.FEW_ROWS);
        int nr = ops.panelWidth(WeightPrecision.FLOAT32);
        int k = PanamaTensorOps.DEEP_PANEL_BYTES / (4 * nr) + 37, n = 2 * nr + 7;
        int block = PanamaTensorOps.packedRowBlock(k, 5), m = 2 * block + 13;
        assertTrue(ops.packs(m, k) && ops.packs(3, 768) && !ops.packs(m, 768), "which calls are packed");
        assertTrue(block % 5 == 0 && block < m && block > PanamaTensorOps.FEW_ROWS, "row block " + block);
        try (Arena arena = Arena.ofConfined()) {
            float[] a = randoms(m * k, 1f), bias = randoms(n, 0.5f);
            MemorySegment stored = segment(arena, randoms(n * k, 0.3f), 0);
            PackedMatrix ws = float32(stored, n, k, SCALAR, arena), wv = float32(stored, n, k, ops, arena);
            for (Activation act : Activation.values()) {
                // rows and panels from r0 and q0, the rest untouched (zero, also after GELU)
                int r0 = act == Activation.GELU ? 7 : 0, q0 = act == Activation.GELU ? 1 : 0;
                float[] expect = new float[m * n], got = new float[m * n];
                SCALAR.matmul(a, ws, bias, Activation.NONE, expect, r0, m, 0, ws.panels()); // its own panel width
                for (int i = r0; i < m; i++) {
                    Arrays.fill(expect, i * n, i * n + q0 * nr, 0f);
                }
                if (act == Activation.GELU) {
                    ops.gelu(expect, 0, expect.length); // the scalar twin rounds GELU's exp its own way
                }
                ops.matmul(a, wv, bias, act, got, r0, m, q0, wv.panels());
                int at = Arrays.mismatch(expect, got);
                assertEquals(-1, at, act + " m=" + m + " k=" + k + ": first difference at row " + at / n
                        + ", column " + at % n + (at < 0 ? "" : ": " + expect[at] + " vs " + got[at]));
            }
        }
    }

    @Test
    void attentionOfOneHeadAgainstDouble() {
        int[] heads = {1, 3, 16, 17, 64, 67};
        for (int trial = 0; trial < 40; trial++) {
            int len = SIZES[rnd.nextInt(SIZES.length)], d = heads[rnd.nextInt(heads.length)];
            // query, key and value of a token side by side (and a little more), as the encoder lays them out
            int stride = 3 * d + rnd.nextInt(5), base = rnd.nextInt(4);
            int qOff = base, kOff = base + d, vOff = base + 2 * d;
            float[] qkv = randoms(base + len * stride, 1f);
            float scale = (float) (1 / Math.sqrt(d));
            int outStride = d + rnd.nextInt(3), outOff = rnd.nextInt(3);
            float[] before = randoms(outOff + len * outStride, 1f);
            float[] os = before.clone(), ov = before.clone();
            SCALAR.attention(qkv, stride, qOff, kOff, vOff, len, d, scale, os, outOff, outStride,
                    new float[SCALAR.attentionScratch(len, d)]);
            simd.attention(qkv, stride, qOff, kOff, vOff, len, d, scale, ov, outOff, outStride,
                    new float[simd.attentionScratch(len, d)]);
            for (int i = 0; i < len; i++) {
                double[] p = new double[len];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < len; j++) {
                    for (int c = 0; c < d; c++) {
                        p[j] += (double) qkv[qOff + i * stride + c] * qkv[kOff + j * stride + c];
                    }
                    p[j] *= scale;
                    max = Math.max(max, p[j]);
                }
                for (int j = 0; j < len; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                for (int c = 0; c < d; c++) {
                    double ref = 0;
                    for (int j = 0; j < len; j++) {
                        ref += p[j] / sum * qkv[vOff + j * stride + c];
                    }
                    int at = outOff + i * outStride + c;
                    String where = "len=" + len + " d=" + d + " query " + i + " channel " + c;
                    assertEquals(ref, os[at], 2e-5 * (1 + Math.abs(ref)), "scalar " + where);
                    assertEquals(ref, ov[at], 2e-5 * (1 + Math.abs(ref)), "simd " + where);
                    // the same products and sums; only softmax's exp is rounded differently
                    assertEquals(os[at], ov[at], 1e-6 * (1 + Math.abs(ref)), "simd vs scalar " + where);
                    os[at] = ov[at] = before[at];
                }
            }
            assertEquals(Arrays.toString(before), Arrays.toString(os), "scalar wrote outside the head's outputs");
            assertEquals(Arrays.toString(before), Arrays.toString(ov), "simd wrote outside the head's outputs");
        }
    }

    @Test
    void softmax() {
        for (int len : SIZES) {
            float[] x = randoms(len + 6, 4f);
            x[3] = 30f; // large values must not overflow
            int off = 3;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < len; i++) {
                max = Math.max(max, x[off + i]);
            }
            for (int i = 0; i < len; i++) {
                sum += Math.exp(x[off + i] - max);
            }
            float[] s = x.clone(), v = x.clone();
            SCALAR.softmax(s, off, len);
            simd.softmax(v, off, len);
            double total = 0;
            for (int i = 0; i < x.length; i++) {
                boolean inside = i >= off && i < off + len;
                double r = inside ? Math.exp(x[i] - max) / sum : x[i];
                assertEquals(r, s[i], 1e-6 * Math.abs(r) + 1e-9);
                assertEquals(r, v[i], 1e-6 * Math.abs(r) + 1e-9, "len " + len + " at " + i);
                total += inside ? v[i] : 0;
            }
            assertEquals(1.0, total, 1e-5);
        }
    }

    @Test
    void layerNormWithAndWithoutResidual() {
        for (int len : SIZES) {
            for (boolean withResidual : new boolean[]{false, true}) {
                float[] x = randoms(len + 4, 3f);
                for (int i = 0; i < x.length; i++) {
                    x[i] += 5f; // an offset, so that the mean matters
                }
                float[] r = withResidual ? randoms(len + 2, 1f) : null;
                float[] g = randoms(len, 1f), b = randoms(len, 1f);
                float eps = 1e-5f;
                int off = 3, rOff = 2;
                double[] v = new double[len];
                double mean = 0;
                for (int i = 0; i < len; i++) {
                    v[i] = (double) x[off + i] + (r == null ? 0 : r[rOff + i]);
                    mean += v[i];
                }
                mean /= len;
                double var = 0;
                for (int i = 0; i < len; i++) {
                    var += (v[i] - mean) * (v[i] - mean);
                }
                var /= len;
                float[] s = x.clone(), p = x.clone();
                SCALAR.layerNorm(s, off, r, rOff, len, g, b, eps);
                simd.layerNorm(p, off, r, rOff, len, g, b, eps);
                for (int i = 0; i < len; i++) {
                    double ref = (v[i] - mean) / Math.sqrt(var + eps) * g[i] + b[i];
                    assertEquals(ref, s[off + i], 2e-5 * (Math.abs(ref) + 1), "scalar len " + len);
                    assertEquals(ref, p[off + i], 2e-5 * (Math.abs(ref) + 1), "simd len " + len + " at " + i);
                }
                assertEquals(Arrays.toString(Arrays.copyOf(x, off)), Arrays.toString(Arrays.copyOf(p, off)));
            }
        }
    }

    @Test
    void vectorExpIsWithinTwoUlpOfMathExp() {
        float[] x = new float[200003];
        for (int i = 0; i < x.length; i++) {
            x[i] = -86f + 174.7f * i / (x.length - 1); // -86 .. 88.7
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -87f;
        x[2] = 89f;
        x[3] = 0f;
        x[4] = Float.NaN;
        float[] e = x.clone();
        float sum = PanamaTensorOps.expShifted(e, 0, e.length, 0f);
        assertEquals(0f, e[0]);
        assertEquals(0f, e[1]);
        assertEquals(Float.POSITIVE_INFINITY, e[2]);
        assertEquals(1f, e[3]);
        assertTrue(Float.isNaN(e[4]));
        assertTrue(Float.isNaN(sum));
        double worst = 0;
        for (int i = 5; i < x.length; i++) {
            float ref = (float) Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(e[i] - ref) / Math.ulp(ref));
        }
        System.out.printf("vector exp: max error %.2f ulp%n", worst);
        assertTrue(worst <= 2, worst + " ulp");
        float[] y = {1f, 2f, 3f, -1f, 0.5f};
        float total = PanamaTensorOps.expShifted(y, 1, 3, 2f); // exp(0), exp(1), exp(-3)
        assertEquals(1f, y[0]);
        assertEquals(0.5f, y[4]);
        assertEquals(1.0, y[1], 1e-7);
        assertEquals(Math.E, y[2], 3e-7);
        assertEquals(Math.exp(-3), y[3], 1e-8);
        assertEquals(1 + Math.E + Math.exp(-3), total, 1e-6);
    }

    @Test
    void geluVectorMatchesScalar() {
        for (int len : SIZES) {
            float[] x = randoms(len + 3, 3f);
            x[1] = -1f / 0.70710677f; // the branch point |z| = 1
            x[2] = -20f;
            float[] s = x.clone(), v = x.clone();
            SCALAR.gelu(s, 1, len);
            simd.gelu(v, 1, len);
            assertEquals(x[0], v[0]);
            for (int i = 1; i <= len; i++) {
                // the two differ only in how exp is rounded (Math.exp in double vs PanamaTensorOps.exp)
                assertEquals(s[i], v[i], 2e-7 * Math.max(1, Math.abs(s[i])) + 1e-12, "len " + len + " x=" + x[i]);
                assertEquals(Erf.gelu(x[i]), s[i]);
            }
        }
        // a dense sweep through both branches
        float[] x = new float[20001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -10f + 20f * i / (x.length - 1);
        }
        float[] s = x.clone(), v = x.clone();
        SCALAR.gelu(s, 0, x.length);
        simd.gelu(v, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(s[i], v[i], 2e-7 * Math.max(1, Math.abs(s[i])) + 1e-12, "x=" + x[i]);
        }
    }
}
