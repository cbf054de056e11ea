package io.koembed.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@link TensorOps} on the Java Vector API (jdk.incubator.vector), in the machine's preferred vector width. Loaded
 * reflectively by {@link Vectorization} so that the rest of the library links without the incubator module.
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
 *   <li><b>A vector carried around a loop is never the receiver of a call.</b> C2 types a loop variable by its
 *       declared type, FloatVector, so {@code acc = acc.add(v)} is a virtual call that it may not inline, and
 *       then the operation runs its lane-by-lane Java fallback: softmax's running maximum did, 7 % of a
 *       512-token encode. {@code acc = v.add(acc)}, the receiver fresh from a load of known shape, is always
 *       inlined and compiled to one instruction (+, max and fma's addend commute exactly).</li>
 * </ul>
 */
final class PanamaTensorOps implements TensorOps {
    /** The vector shape {@link Vectorization} chose (see {@link PanamaVectorOps#SPECIES}). */
    private static final VectorSpecies<Float> S = PanamaVectorOps.SPECIES;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final MatmulTile tile;
    private final int kernel; // the tile's block method (see block)
    private final int nr;     // panel width: tile.vectors() · L
    private final int innerBlock, rowBlock; // cache blocks of the float32 matmul, 0 for none (see blocked)
    private final int fewRows; // the packed path: calls of at most fewRows rows, and over deep panels (see packed)

    /** The packed path's default for calls of few rows (bench/RESULTS.md, run 14): up to 64 rows. */
    static final int FEW_ROWS = 64;
    /**
     * The packed path's inner block, and the stride of its packed rows: a constant, so that C2 addresses the
     * five rows of a tile from one register with constant displacements.
     */
    static final int PACKED_BLOCK = 512;
    /**
     * Float32 panels larger than this (half of Zen 5's 1 MiB L2) take the packed path whatever the call's rows:
     * with 64-float panels, matrices of more than 2,048 columns of A, such as the FFN's down projection (k =
     * 3,072, 768 KiB panels). See {@link #packed}.
     */
    static final int DEEP_PANEL_BYTES = 512 << 10;
    /** At most this many floats of packed rows per computing thread (4 MiB): a deep call's row block. */
    static final int PACKED_FLOATS = 1 << 20;

    /** The default tile for this vector shape, or {@code koembed.matmulTile}; {@code koembed.kc/mc} blocks. */
    PanamaTensorOps() {
        this(MatmulTile.configured(L));
    }

    PanamaTensorOps(MatmulTile tile) {
        this(tile, Integer.getInteger("koembed.kc", 0), Integer.getInteger("koembed.mc", 0),
                Integer.getInteger("koembed.fewRows", FEW_ROWS));
    }

    /**
     * With cache blocks of the float32 matmul: {@code innerBlock} columns of A, {@code rowBlock} rows (0: none);
     * on the 5 × 4L tile calls of at most {@code fewRows} rows, and calls over panels deeper than
     * {@link #DEEP_PANEL_BYTES}, take {@link #packed} ({@code fewRows} 0: none do).
     */
    PanamaTensorOps(MatmulTile tile, int innerBlock, int rowBlock, int fewRows) {
        if (L < 4) {
            throw new UnsupportedOperationException("preferred float vector has only " + L + " lanes");
        }
        this.tile = tile;
        this.kernel = kernelOf(tile);
        this.nr = tile.vectors() * L;
        this.innerBlock = innerBlock;
        this.rowBlock = rowBlock;
        this.fewRows = fewRows;
    }

    /** The lanes of this JVM's float vectors, as {@link MatmulTile#candidates} takes them. */
    static int lanes() {
        return L;
    }

    @Override
    public String name() {
        return "panama-" + S.vectorBitSize() + " " + tile;
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
    // matmul: C = act(A · Wᵀ + bias) with W packed in panels of NR = vectors · L output channels (PackedMatrix).
    // A tile kernel computes a rows × NR block of C: per step p it loads the panel's weight vectors W[j0 .. j0+NR,
    // p] once and broadcasts A[i, p] of each row against them into rows × vectors independent FMA accumulators.
    // Each output element is one FMA chain over p = 0 .. k-1 from zero in one lane, then the INT8 scale and the
    // bias: the scalar twin does exactly that, so the two agree bit for bit whatever the tile, and a token's
    // result does not depend on where it sits in a packed batch. Rows past the end of a block repeat the last real
    // row (computed, not stored), so there is one kernel per tile for every block.
    //
    // The tile is chosen from the vector shape (MatmulTile). The AVX2 tile, 4 × 2L (8 accumulators), left a part
    // of an AVX-512 core's FMA rate unused: two FMA pipes of latency 4 need at least 8 chains in flight, and the
    // loads and the loop's own instructions then come between them. With 32 registers, 5 × 4L (20 accumulators)
    // reached 91-94 % of the FMA peak at 20 and 256 rows where 4 × 2L reached 74-83 % (bench --matmul-only).
    //
    // The accumulators go to a small buffer and from there through the epilogue (scale, bias, activation) into C
    // on whole vectors; that epilogue once ran a scalar call per element, which cost about a fifth of the
    // matmul's time on AVX-512.
    //
    // float32 panels are read in place from the packed heap array; bfloat16 and int8 panels from the packed bytes,
    // widened in registers (blockNarrow).
    // ---------------------------------------------------------------------------------------------------------

    /** The int vectors of the float vectors' shape (not the preferred ones: koembed.vectorBits may differ). */
    private static final VectorSpecies<Integer> INT_SPECIES = VectorSpecies.of(int.class, S.vectorShape());

    private static <E> VectorSpecies<E> speciesOrNull(Class<E> type, int bits) {
        try {
            return VectorSpecies.of(type, VectorShape.forBitSize(bits));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The tile over bfloat16 and int8 weights: an even number of vectors, so that each vector of ints of the panel
     * widens to two. 5 × 4L on 512-bit vectors (a sentence's 20 rows are 4 whole tiles; an 8 × 2L tile, 24 rows of
     * work, made bfloat16 slower than float32 at batch 1), 4 × 2L on narrower ones.
     */
    private static final MatmulTile NARROW_TILE = new MatmulTile(L >= 16 ? 5 : 4, L >= 16 ? 4 : 2);
    /** blockNarrow's bfloat16 kernel for NARROW_TILE (its int8 kernel is 2 further). */
    private static final int NARROW_KERNEL = NARROW_TILE.vectors() == 4 ? 1 : 0;

    @Override
    public int panelWidth(WeightPrecision precision) {
        return precision == WeightPrecision.FLOAT32 ? nr : NARROW_TILE.vectors() * L;
    }

    @Override
    public int matmulRows(WeightPrecision precision) {
        return precision == WeightPrecision.FLOAT32 ? tile.rows() : NARROW_TILE.rows();
    }

    /** The register tile of this instance's float32 matmul. */
    MatmulTile tile() {
        return tile;
    }

    @Override
    public void matmul(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart, int rowEnd,
                       int panelStart, int panelEnd) {
        WeightPrecision precision = w.precision();
        int width = panelWidth(precision);
        if (w.panelWidth() != width) {
            throw new IllegalArgumentException(w + " was packed for panels of " + w.panelWidth()
                    + ", these kernels need " + width);
        }
        int k = w.cols(), n = w.rows(), mr = matmulRows(precision);
        boolean f32 = precision == WeightPrecision.FLOAT32;
        int narrow = f32 ? -1 : NARROW_KERNEL + (precision == WeightPrecision.INT8 ? 2 : 0);
        MemorySegment bytes = f32 ? null : w.data();
        float[] scratch = act == Activation.NONE ? null : new float[GELU_BLOCK + L];
        if (f32) {
            int rows = rowEnd - rowStart;
            if (!packs(rows, k)) {
                blocked(a, w, bias, act, c, rowStart, rowEnd, panelStart, panelEnd, scratch);
                return;
            }
            int block = rows <= fewRows ? rows : packedRowBlock(k, mr);
            for (int r0 = rowStart; r0 < rowEnd; r0 += block) {
                packed(a, w, bias, act, c, r0, Math.min(rowEnd, r0 + block), panelStart, panelEnd, scratch);
            }
            return;
        }
        float[] acc = new float[mr * width];
        for (int q = panelStart; q < panelEnd; q++) {
            int j0 = q * width, cols = Math.min(width, n - j0);
            for (int i = rowStart; i < rowEnd; i += mr) {
                int rows = Math.min(mr, rowEnd - i);
                blockNarrow(narrow, a, i * k, k, k, bytes, w.panelOffset(q), rows, acc, 0);
                storeRows(acc, 0, rows, width, w, bias, act, c, i * n + j0, n, j0, cols, scratch);
            }
        }
    }

    /** Whether a float32 call of {@code rows} rows of A, {@code k} columns, takes {@link #packed}. */
    boolean packs(int rows, int k) {
        return kernel == FIVE_BY_FOUR && innerBlock == 0 && rowBlock == 0 && fewRows > 0
                && (rows <= fewRows || 4L * k * nr > DEEP_PANEL_BYTES);
    }

    /**
     * The float32 matmul in cache blocks: rows in blocks of MC, the inner dimension in blocks of KC, so that a
     * block of A stays in L2 and the KC × NR sliver of a panel in L1 while the row tiles of the block pass over
     * it. A tile's accumulators go to a buffer between inner blocks and continue from there: still one FMA
     * chain per element, the same bits as without blocking.
     *
     * <p>Off by default ({@code koembed.kc} and {@code koembed.mc} turn it on, for measuring other CPUs): on the
     * AVX-512 host measured (1 MB L2 per core, 5x4 tile) it cost more than it saved or was level at every size
     * tried (bench/RESULTS.md, issue #11): the hardware prefetchers keep a panel streaming from L2 fast enough,
     * and the partial sums' round trip costs. Calls of a few rows and deep panels are the exception ({@link #packed}).
     */
    private void blocked(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart,
                         int rowEnd, int panelStart, int panelEnd, float[] scratch) {
        int k = w.cols(), n = w.rows(), mr = tile.rows();
        float[] panels = w.floats();
        int kc = innerBlock > 0 && k > innerBlock ? innerBlock : k;
        int mc = rowBlock > 0 ? roundUp(rowBlock, mr) : roundUp(rowEnd - rowStart, mr);
        float[] acc = new float[(kc < k ? mc : mr) * nr];
        for (int i0 = rowStart; i0 < rowEnd; i0 += mc) {
            int i1 = Math.min(rowEnd, i0 + mc);
            for (int q = panelStart; q < panelEnd; q++) {
                int j0 = q * nr, cols = Math.min(nr, n - j0), base = q * k * nr;
                for (int p0 = 0; p0 < k; p0 += kc) {
                    int len = Math.min(kc, k - p0);
                    for (int i = i0, rows; i < i1; i += rows) {
                        int tileKernel = kernelFor(i1 - i);
                        rows = Math.min(KERNEL_ROWS[tileKernel], i1 - i);
                        int off = kc < k ? (i - i0) * nr : 0;
                        block(tileKernel, a, i * k + p0, k, len, panels, base + p0 * nr, rows, acc, off, p0 > 0);
                        if (p0 + len == k) {
                            storeRows(acc, off, rows, nr, w, bias, act, c, i * n + j0, n, j0, cols, scratch);
                        }
                    }
                }
            }
        }
    }

    /**
     * The float32 matmul on packed rows of A, on the 5 × 4L tile: calls of a few rows (a sentence or two: the encoder
     * at batch 1), and row blocks of the calls over deep panels. The rows are first copied into tiles of A packed by
     * inner block ({@link #packTiles}); then each panel is cut into inner blocks of {@link #PACKED_BLOCK} and every
     * row tile passes over a block before the next block, continuing from its partial sums. So a block of W, streamed
     * from memory once, serves all the rows from cache, where a whole-panel pass per tile fetches the panel from
     * memory for the first tile, and a deep panel (768 KiB for the FFN's down projection) falls partly out of L2
     * between the tiles that pass over it.
     *
     * <p>Why packed: with A in place the kernel keeps five row offsets, the inner index and the weight offset in
     * general registers, and reading its partial sums back costs C2 the last free ones (it then reloads two of them
     * from the stack in the loop, 15 % slower: bench/RESULTS.md, run 14). Packed at a constant stride, one
     * register addresses all five rows. Measured on AVX-512 (bench/scripts/ab-core, both orders, one 20-token
     * sentence): the encoder 1.10-1.14x as fast as before. For every call it was level (bench/RESULTS.md, runs 14-15,
     * and run 17's section): the 768-deep matrices lost what the 3,072-deep one gained, so calls of many rows take
     * it only over deep panels, in row blocks of at most {@link #PACKED_FLOATS} packed floats (340 rows for k =
     * 3,072). bfloat16 and int8 weights on packed twins of their kernels were level (runs 14 and 15). Same FMA
     * chains, same bits.
     */
    private void packed(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart,
                        int rowEnd, int panelStart, int panelEnd, float[] scratch) {
        int k = w.cols(), n = w.rows(), mr = tile.rows(), blocks = innerBlocks(k);
        float[] panels = w.floats();
        float[] packed = packTiles(a, rowStart, rowEnd, k, mr);
        float[] acc = new float[roundUp(rowEnd - rowStart, mr) * nr];
        for (int q = panelStart; q < panelEnd; q++) {
            int j0 = q * nr, cols = Math.min(nr, n - j0), base = q * k * nr;
            for (int b = 0; b < blocks; b++) {
                int p0 = b * PACKED_BLOCK, len = Math.min(PACKED_BLOCK, k - p0);
                for (int i = rowStart, t = 0; i < rowEnd; i += mr, t++) {
                    block5x4Packed(packed, packedBlock(t, b, blocks, mr), len, panels, base + p0 * nr, acc, t * mr * nr,
                            b > 0);
                    if (b == blocks - 1) {
                        storeRows(acc, t * mr * nr, Math.min(mr, rowEnd - i), nr, w, bias, act, c, i * n + j0, n, j0,
                                cols, scratch);
                    }
                }
            }
        }
    }

    /**
     * Each computing thread's buffer for {@link #packTiles} (the pool's and the callers'): a call's packed rows,
     * reused from call to call (a new one per call cost 3 % at batch 1); at most {@link #PACKED_FLOATS} floats
     * (4 MiB), or 65 rows of a matrix wider than that allows.
     */
    private static final ThreadLocal<float[]> PACKED_ROWS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Rows [rowStart, rowEnd) of A (k columns) in tiles of {@code mr} rows and inner blocks of PACKED_BLOCK
     * columns: block b of tile t holds its rows one after the other at a stride of PACKED_BLOCK, A[i + r, p0 +
     * p] at {@code ((t · blocks + b) · mr + r) · PACKED_BLOCK + p}. A last partial tile repeats its last row
     * (computed, not stored, as in {@link #block}). Plain copies of row pieces, so it costs little beside the
     * matmul.
     */
    private static float[] packTiles(float[] a, int rowStart, int rowEnd, int k, int mr) {
        int blocks = innerBlocks(k);
        int size = roundUp(rowEnd - rowStart, mr) * blocks * PACKED_BLOCK;
        float[] packed = PACKED_ROWS.get();
        if (packed.length < size) {
            packed = new float[size];
            PACKED_ROWS.set(packed);
        }
        for (int i = rowStart, t = 0; i < rowEnd; i += mr, t++) {
            int last = Math.min(mr, rowEnd - i) - 1;
            for (int r = 0; r < mr; r++) {
                int row = (i + Math.min(r, last)) * k;
                for (int b = 0; b < blocks; b++) {
                    int p0 = b * PACKED_BLOCK;
                    System.arraycopy(a, row + p0, packed, packedBlock(t, b, blocks, mr) + r * PACKED_BLOCK,
                            Math.min(PACKED_BLOCK, k - p0));
                }
            }
        }
        return packed;
    }

    /**
     * The rows of a deep call's row block: as many whole tiles as {@link #PACKED_FLOATS} packed floats hold (their
     * rows padded to whole inner blocks), at least one tile.
     */
    static int packedRowBlock(int k, int mr) {
        return Math.max(1, PACKED_FLOATS / (innerBlocks(k) * PACKED_BLOCK) / mr) * mr;
    }

    /** The inner blocks of PACKED_BLOCK columns that k columns make (the last one may be partial). */
    private static int innerBlocks(int k) {
        return (k + PACKED_BLOCK - 1) / PACKED_BLOCK;
    }

    /** Where {@link #packTiles} puts block b of row tile t: its first row, the others following at PACKED_BLOCK. */
    private static int packedBlock(int t, int b, int blocks, int mr) {
        return (t * blocks + b) * mr * PACKED_BLOCK;
    }

    /**
     * acc[accOff + r · NR + jj] = Σ_p A[aOff + r · lda + p] · w[wOff + p · NR + jj] for r &lt; tile rows,
     * jj &lt; NR, each one FMA chain from zero, or continuing from the values in acc if {@code accumulate} (rows
     * ≥ {@code rows} repeat the last). One method per tile, so that C2 keeps every accumulator in a register; a
     * switch per tile costs nothing beside k steps of FMAs.
     */
    private static void block(int kernel, float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                              float[] acc, int accOff, boolean accumulate) {
        switch (kernel) {
            case 0 -> block4x2(a, aOff, lda, k, w, wOff, rows, acc, accOff, accumulate);
            case 1 -> block6x2(a, aOff, lda, k, w, wOff, rows, acc, accOff, accumulate);
            case 2 -> block8x2(a, aOff, lda, k, w, wOff, rows, acc, accOff, accumulate);
            case 3 -> block7x3(a, aOff, lda, k, w, wOff, rows, acc, accOff, accumulate);
            case 4 -> block5x4(a, aOff, lda, k, w, wOff, rows, acc, accOff, accumulate);
            default -> throw new AssertionError("kernel " + kernel);
        }
    }

    /** The kernel number of a tile, in {@link MatmulTile#IMPLEMENTED}'s order (what {@link #block} switches on). */
    private static int kernelOf(MatmulTile tile) {
        return MatmulTile.IMPLEMENTED.indexOf(tile.toString());
    }

    /** The 5 × 4L tile's kernel number, the one with a packed twin ({@link #packed}). */
    private static final int FIVE_BY_FOUR = kernelOf(new MatmulTile(5, 4));
    private static final int SIX_BY_TWO = kernelOf(new MatmulTile(6, 2));
    private static final int FOUR_BY_TWO = kernelOf(new MatmulTile(4, 2));
    /** The rows of each kernel's tile, by kernel number. */
    private static final int[] KERNEL_ROWS =
            MatmulTile.IMPLEMENTED.stream().mapToInt(t -> MatmulTile.parse(t).rows()).toArray();

    /**
     * The kernel of the next row tile when {@code left} rows remain: this instance's, except that the 6 × 2L tile
     * hands its last rows to the 4 × 2L kernel (the same panels) where that repeats fewer rows: a 20-token sentence
     * as 6 + 6 + 4 + 4 rows, not 6 + 6 + 6 + 6 with 4 rows computed for nothing. Those repeats were why 4 × 2L beat
     * 6 × 2L at 20 rows on Zen 1 (bench/RESULTS.md, "Issue #3 on the Zen 1 (AVX2) machines").
     */
    private int kernelFor(int left) {
        boolean fourRowTail = left <= 4 || (left > 6 && left <= 8);
        return kernel == SIX_BY_TWO && fourRowTail ? FOUR_BY_TWO : kernel;
    }

    /**
     * The rows of a tile from the accumulators into C (row r at {@code c[cOff + r · ldc]}). With GELU and a whole
     * panel, scale and bias go into the accumulators first and GELU runs once over the tile's rows there (its
     * three passes over 5 × 64 values rather than over each row's 64: a fifth less time per value, GeluBench),
     * then the rows are copied out; the same operations per element as {@link #store}, so the same bits.
     */
    private static void storeRows(float[] acc, int accOff, int rows, int width, PackedMatrix w, float[] bias,
                                  Activation act, float[] c, int cOff, int ldc, int j0, int cols, float[] scratch) {
        if (act != Activation.GELU || cols != width) {
            for (int r = 0; r < rows; r++) {
                store(acc, accOff + r * width, width, w, bias, act, c, cOff + r * ldc, j0, cols, scratch);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int at = accOff + r * width;
            affine(acc, at, width, w.scales(), bias, j0, acc, at);
        }
        gelu(acc, accOff, rows * width, scratch);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(acc, accOff + r * width, c, cOff + r * ldc, width);
        }
    }

    /**
     * One row of a tile from the accumulators into C: {@code c[cOff + jj] = act(acc · scale + bias)} for jj &lt;
     * cols, on whole vectors where the panel is whole. The same IEEE operations per element as
     * {@link PackedMatrix#output} in every case.
     */
    private static void store(float[] acc, int accOff, int width, PackedMatrix w, float[] bias, Activation act,
                              float[] c, int cOff, int j0, int cols, float[] scratch) {
        if (cols == width) {
            affine(acc, accOff, width, w.scales(), bias, j0, c, cOff);
        } else {
            w.finish(acc, accOff, bias, c, cOff, j0, cols);
        }
        if (act == Activation.GELU) {
            gelu(c, cOff, cols, scratch);
        }
    }

    /**
     * {@code dst[dstOff + v] = acc[at + v] · scales[j0 + v] + bias[j0 + v]} for v &lt; width (whole vectors; no
     * scales for float32 and bfloat16, no bias when null): the epilogue before the activation.
     */
    private static void affine(float[] acc, int at, int width, float[] scales, float[] bias, int j0, float[] dst,
                               int dstOff) {
        for (int v = 0; v < width; v += L) {
            FloatVector x = FloatVector.fromArray(S, acc, at + v);
            if (scales != null) {
                x = x.mul(FloatVector.fromArray(S, scales, j0 + v));
            }
            if (bias != null) {
                x = x.add(FloatVector.fromArray(S, bias, j0 + v));
            }
            x.intoArray(dst, dstOff + v);
        }
    }

    /** The 4 × 2L tile: see {@link #block}. */
    private static void block4x2(float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                                  float[] acc, int accOff, boolean accumulate) {
        final int nr = 2 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
    }

    /** The 6 × 2L tile: see {@link #block}. */
    private static void block6x2(float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                                  float[] acc, int accOff, boolean accumulate) {
        final int nr = 2 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + L) : zero;
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr) : zero;
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr + L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c50.intoArray(acc, accOff + 5 * nr); c51.intoArray(acc, accOff + 5 * nr + L);
    }

    /** The 8 × 2L tile: see {@link #block}. */
    private static void block8x2(float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                                  float[] acc, int accOff, boolean accumulate) {
        final int nr = 2 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        int a7 = aOff + Math.min(7, last) * lda;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + L) : zero;
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr) : zero;
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr + L) : zero;
        FloatVector c60 = accumulate ? FloatVector.fromArray(S, acc, accOff + 6 * nr) : zero;
        FloatVector c61 = accumulate ? FloatVector.fromArray(S, acc, accOff + 6 * nr + L) : zero;
        FloatVector c70 = accumulate ? FloatVector.fromArray(S, acc, accOff + 7 * nr) : zero;
        FloatVector c71 = accumulate ? FloatVector.fromArray(S, acc, accOff + 7 * nr + L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x6.fma(w0, c60); c61 = x6.fma(w1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x7.fma(w0, c70); c71 = x7.fma(w1, c71);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c50.intoArray(acc, accOff + 5 * nr); c51.intoArray(acc, accOff + 5 * nr + L);
        c60.intoArray(acc, accOff + 6 * nr); c61.intoArray(acc, accOff + 6 * nr + L);
        c70.intoArray(acc, accOff + 7 * nr); c71.intoArray(acc, accOff + 7 * nr + L);
    }

    /** The 7 × 3L tile: see {@link #block}. */
    private static void block7x3(float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                                  float[] acc, int accOff, boolean accumulate) {
        final int nr = 3 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        int a5 = aOff + Math.min(5, last) * lda;
        int a6 = aOff + Math.min(6, last) * lda;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + L) : zero;
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + 2 * L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + 2 * L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + 2 * L) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + L) : zero;
        FloatVector c42 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + 2 * L) : zero;
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr) : zero;
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr + L) : zero;
        FloatVector c52 = accumulate ? FloatVector.fromArray(S, acc, accOff + 5 * nr + 2 * L) : zero;
        FloatVector c60 = accumulate ? FloatVector.fromArray(S, acc, accOff + 6 * nr) : zero;
        FloatVector c61 = accumulate ? FloatVector.fromArray(S, acc, accOff + 6 * nr + L) : zero;
        FloatVector c62 = accumulate ? FloatVector.fromArray(S, acc, accOff + 6 * nr + 2 * L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wp + 2 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01); c02 = x0.fma(w2, c02);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11); c12 = x1.fma(w2, c12);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21); c22 = x2.fma(w2, c22);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31); c32 = x3.fma(w2, c32);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41); c42 = x4.fma(w2, c42);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x5.fma(w0, c50); c51 = x5.fma(w1, c51); c52 = x5.fma(w2, c52);
            FloatVector x6 = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x6.fma(w0, c60); c61 = x6.fma(w1, c61); c62 = x6.fma(w2, c62);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c02.intoArray(acc, accOff + 2 * L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c12.intoArray(acc, accOff + 1 * nr + 2 * L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c22.intoArray(acc, accOff + 2 * nr + 2 * L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c32.intoArray(acc, accOff + 3 * nr + 2 * L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c42.intoArray(acc, accOff + 4 * nr + 2 * L);
        c50.intoArray(acc, accOff + 5 * nr); c51.intoArray(acc, accOff + 5 * nr + L);
        c52.intoArray(acc, accOff + 5 * nr + 2 * L);
        c60.intoArray(acc, accOff + 6 * nr); c61.intoArray(acc, accOff + 6 * nr + L);
        c62.intoArray(acc, accOff + 6 * nr + 2 * L);
    }

    /** The 5 × 4L tile: see {@link #block}. */
    private static void block5x4(float[] a, int aOff, int lda, int k, float[] w, int wOff, int rows,
                                  float[] acc, int accOff, boolean accumulate) {
        final int nr = 4 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * L) : zero;
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + L) : zero;
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + 2 * L) : zero;
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, acc, accOff + 1 * nr + 3 * L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + 2 * L) : zero;
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + 3 * L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + 2 * L) : zero;
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + 3 * L) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + L) : zero;
        FloatVector c42 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + 2 * L) : zero;
        FloatVector c43 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + 3 * L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wp + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wp + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01); c02 = x0.fma(w2, c02); c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11); c12 = x1.fma(w2, c12); c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21); c22 = x2.fma(w2, c22); c23 = x2.fma(w3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31); c32 = x3.fma(w2, c32); c33 = x3.fma(w3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41); c42 = x4.fma(w2, c42); c43 = x4.fma(w3, c43);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c02.intoArray(acc, accOff + 2 * L); c03.intoArray(acc, accOff + 3 * L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c12.intoArray(acc, accOff + 1 * nr + 2 * L); c13.intoArray(acc, accOff + 1 * nr + 3 * L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c22.intoArray(acc, accOff + 2 * nr + 2 * L); c23.intoArray(acc, accOff + 2 * nr + 3 * L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c32.intoArray(acc, accOff + 3 * nr + 2 * L); c33.intoArray(acc, accOff + 3 * nr + 3 * L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c42.intoArray(acc, accOff + 4 * nr + 2 * L); c43.intoArray(acc, accOff + 4 * nr + 3 * L);
    }

    /**
     * {@link #block5x4} over an inner block packed by {@link #packTiles}: row r's A[p] at {@code a[aOff + r ·
     * PACKED_BLOCK + p]} (k &lt;= PACKED_BLOCK), one register and five constant displacements.
     */
    private static void block5x4Packed(float[] a, int aOff, int k, float[] w, int wOff, float[] acc, int accOff,
                                       boolean accumulate) {
        final int nr = 4 * L;
        FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, acc, accOff) : zero;
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, acc, accOff + L) : zero;
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * L) : zero;
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * L) : zero;
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, acc, accOff + nr) : zero;
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, acc, accOff + nr + L) : zero;
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, acc, accOff + nr + 2 * L) : zero;
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, acc, accOff + nr + 3 * L) : zero;
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr) : zero;
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + L) : zero;
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + 2 * L) : zero;
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, acc, accOff + 2 * nr + 3 * L) : zero;
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr) : zero;
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + L) : zero;
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + 2 * L) : zero;
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, acc, accOff + 3 * nr + 3 * L) : zero;
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr) : zero;
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + L) : zero;
        FloatVector c42 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + 2 * L) : zero;
        FloatVector c43 = accumulate ? FloatVector.fromArray(S, acc, accOff + 4 * nr + 3 * L) : zero;
        for (int p = 0; p < k; p++) {
            int wp = wOff + p * nr, ap = aOff + p;
            FloatVector w0 = FloatVector.fromArray(S, w, wp);
            FloatVector w1 = FloatVector.fromArray(S, w, wp + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wp + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wp + 3 * L);
            FloatVector x0 = FloatVector.broadcast(S, a[ap]);
            c00 = x0.fma(w0, c00); c01 = x0.fma(w1, c01); c02 = x0.fma(w2, c02); c03 = x0.fma(w3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ap + 1 * PACKED_BLOCK]);
            c10 = x1.fma(w0, c10); c11 = x1.fma(w1, c11); c12 = x1.fma(w2, c12); c13 = x1.fma(w3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ap + 2 * PACKED_BLOCK]);
            c20 = x2.fma(w0, c20); c21 = x2.fma(w1, c21); c22 = x2.fma(w2, c22); c23 = x2.fma(w3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ap + 3 * PACKED_BLOCK]);
            c30 = x3.fma(w0, c30); c31 = x3.fma(w1, c31); c32 = x3.fma(w2, c32); c33 = x3.fma(w3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[ap + 4 * PACKED_BLOCK]);
            c40 = x4.fma(w0, c40); c41 = x4.fma(w1, c41); c42 = x4.fma(w2, c42); c43 = x4.fma(w3, c43);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c02.intoArray(acc, accOff + 2 * L); c03.intoArray(acc, accOff + 3 * L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c12.intoArray(acc, accOff + 1 * nr + 2 * L); c13.intoArray(acc, accOff + 1 * nr + 3 * L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c22.intoArray(acc, accOff + 2 * nr + 2 * L); c23.intoArray(acc, accOff + 2 * nr + 3 * L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c32.intoArray(acc, accOff + 3 * nr + 2 * L); c33.intoArray(acc, accOff + 3 * nr + 3 * L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c42.intoArray(acc, accOff + 4 * nr + 2 * L); c43.intoArray(acc, accOff + 4 * nr + 3 * L);
    }


    /**
     * The tile over bfloat16 or int8 panels: {@link #block}'s contract, with W read from the packed bytes and
     * widened in registers (PackedMatrix's interleaved layouts make that one shift, or two and a conversion, per
     * vector; written out in each kernel, not in a helper, since C2 boxes a vector returned from a call it does not
     * inline, and in the 5 × 4L kernel it did not: int8 ran 9 times slower). Reading half or a quarter of the bytes is what pays where the weights' memory traffic bounds the
     * time (a sentence or a few at a time); a widened copy of each panel, as before, cost more than it saved.
     */
    private static void blockNarrow(int kernel, float[] a, int aOff, int lda, int k, MemorySegment w, long wOff,
                                    int rows, float[] acc, int accOff) {
        switch (kernel) {
            case 0 -> block4x2Bf16(a, aOff, lda, k, w, wOff, rows, acc, accOff);
            case 1 -> block5x4Bf16(a, aOff, lda, k, w, wOff, rows, acc, accOff);
            case 2 -> block4x2Int8(a, aOff, lda, k, w, wOff, rows, acc, accOff);
            case 3 -> block5x4Int8(a, aOff, lda, k, w, wOff, rows, acc, accOff);
            default -> throw new AssertionError("kernel " + kernel);
        }
    }

    /** The 4 × 2L tile over bfloat16 panels, widened in registers: see {@link #blockNarrow}. */
    private static void block4x2Bf16(float[] a, int aOff, int lda, int k, MemorySegment w, long wOff,
                                      int rows, float[] acc, int accOff) {
        final int nr = 2 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        for (int p = 0; p < k; p++) {
            long at = wOff + (long) p * 4 * L;
            IntVector i0 = IntVector.fromMemorySegment(INT_SPECIES, w, at, LE);
            FloatVector w0 = i0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = i0.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
    }

    /** The 4 × 2L tile over int8 panels, widened in registers: see {@link #blockNarrow}. */
    private static void block4x2Int8(float[] a, int aOff, int lda, int k, MemorySegment w, long wOff,
                                      int rows, float[] acc, int accOff) {
        final int nr = 2 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        FloatVector c00 = zero, c01 = zero;
        FloatVector c10 = zero, c11 = zero;
        FloatVector c20 = zero, c21 = zero;
        FloatVector c30 = zero, c31 = zero;
        for (int p = 0; p < k; p += 2) {
            long at = wOff + (long) p * 2 * L;
            IntVector i0 = IntVector.fromMemorySegment(INT_SPECIES, w, at, LE);
            FloatVector w0 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 24)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector w1 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
            if (p + 1 == k) {
                break; // an odd count: the other half of the pair is padding
            }
            w0 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 8)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            w1 = (FloatVector) i0.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            x = FloatVector.broadcast(S, a[a0 + p + 1]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            x = FloatVector.broadcast(S, a[a1 + p + 1]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            x = FloatVector.broadcast(S, a[a2 + p + 1]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            x = FloatVector.broadcast(S, a[a3 + p + 1]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
    }

    /** The 5 × 4L tile over bfloat16 panels, widened in registers: see {@link #blockNarrow}. */
    private static void block5x4Bf16(float[] a, int aOff, int lda, int k, MemorySegment w, long wOff,
                                      int rows, float[] acc, int accOff) {
        final int nr = 4 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        FloatVector c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero, c23 = zero;
        FloatVector c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        FloatVector c40 = zero, c41 = zero, c42 = zero, c43 = zero;
        for (int p = 0; p < k; p++) {
            long at = wOff + (long) p * 8 * L;
            IntVector i0 = IntVector.fromMemorySegment(INT_SPECIES, w, at, LE);
            IntVector i1 = IntVector.fromMemorySegment(INT_SPECIES, w, at + 4L * L, LE);
            FloatVector w0 = i0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w2 = i0.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector w1 = i1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w3 = i1.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            c02 = x.fma(w2, c02); c03 = x.fma(w3, c03);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            c12 = x.fma(w2, c12); c13 = x.fma(w3, c13);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            c22 = x.fma(w2, c22); c23 = x.fma(w3, c23);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
            c32 = x.fma(w2, c32); c33 = x.fma(w3, c33);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(w0, c40); c41 = x.fma(w1, c41);
            c42 = x.fma(w2, c42); c43 = x.fma(w3, c43);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c02.intoArray(acc, accOff + 2 * L); c03.intoArray(acc, accOff + 3 * L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c12.intoArray(acc, accOff + 1 * nr + 2 * L); c13.intoArray(acc, accOff + 1 * nr + 3 * L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c22.intoArray(acc, accOff + 2 * nr + 2 * L); c23.intoArray(acc, accOff + 2 * nr + 3 * L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c32.intoArray(acc, accOff + 3 * nr + 2 * L); c33.intoArray(acc, accOff + 3 * nr + 3 * L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c42.intoArray(acc, accOff + 4 * nr + 2 * L); c43.intoArray(acc, accOff + 4 * nr + 3 * L);
    }

    /** The 5 × 4L tile over int8 panels, widened in registers: see {@link #blockNarrow}. */
    private static void block5x4Int8(float[] a, int aOff, int lda, int k, MemorySegment w, long wOff,
                                      int rows, float[] acc, int accOff) {
        final int nr = 4 * L;
        int last = rows - 1;
        FloatVector zero = FloatVector.zero(S);
        int a0 = aOff;
        int a1 = aOff + Math.min(1, last) * lda;
        int a2 = aOff + Math.min(2, last) * lda;
        int a3 = aOff + Math.min(3, last) * lda;
        int a4 = aOff + Math.min(4, last) * lda;
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        FloatVector c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero, c23 = zero;
        FloatVector c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        FloatVector c40 = zero, c41 = zero, c42 = zero, c43 = zero;
        for (int p = 0; p < k; p += 2) {
            long at = wOff + (long) p * 4 * L;
            IntVector i0 = IntVector.fromMemorySegment(INT_SPECIES, w, at, LE);
            IntVector i1 = IntVector.fromMemorySegment(INT_SPECIES, w, at + 4L * L, LE);
            FloatVector w0 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 24)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector w2 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector w1 = (FloatVector) i1.lanewise(VectorOperators.LSHL, 24)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector w3 = (FloatVector) i1.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            c02 = x.fma(w2, c02); c03 = x.fma(w3, c03);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            c12 = x.fma(w2, c12); c13 = x.fma(w3, c13);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            c22 = x.fma(w2, c22); c23 = x.fma(w3, c23);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
            c32 = x.fma(w2, c32); c33 = x.fma(w3, c33);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(w0, c40); c41 = x.fma(w1, c41);
            c42 = x.fma(w2, c42); c43 = x.fma(w3, c43);
            if (p + 1 == k) {
                break; // an odd count: the other half of the pair is padding
            }
            w0 = (FloatVector) i0.lanewise(VectorOperators.LSHL, 8)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            w2 = (FloatVector) i0.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            w1 = (FloatVector) i1.lanewise(VectorOperators.LSHL, 8)
                    .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            w3 = (FloatVector) i1.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            x = FloatVector.broadcast(S, a[a0 + p + 1]);
            c00 = x.fma(w0, c00); c01 = x.fma(w1, c01);
            c02 = x.fma(w2, c02); c03 = x.fma(w3, c03);
            x = FloatVector.broadcast(S, a[a1 + p + 1]);
            c10 = x.fma(w0, c10); c11 = x.fma(w1, c11);
            c12 = x.fma(w2, c12); c13 = x.fma(w3, c13);
            x = FloatVector.broadcast(S, a[a2 + p + 1]);
            c20 = x.fma(w0, c20); c21 = x.fma(w1, c21);
            c22 = x.fma(w2, c22); c23 = x.fma(w3, c23);
            x = FloatVector.broadcast(S, a[a3 + p + 1]);
            c30 = x.fma(w0, c30); c31 = x.fma(w1, c31);
            c32 = x.fma(w2, c32); c33 = x.fma(w3, c33);
            x = FloatVector.broadcast(S, a[a4 + p + 1]);
            c40 = x.fma(w0, c40); c41 = x.fma(w1, c41);
            c42 = x.fma(w2, c42); c43 = x.fma(w3, c43);
        }
        c00.intoArray(acc, accOff); c01.intoArray(acc, accOff + L);
        c02.intoArray(acc, accOff + 2 * L); c03.intoArray(acc, accOff + 3 * L);
        c10.intoArray(acc, accOff + 1 * nr); c11.intoArray(acc, accOff + 1 * nr + L);
        c12.intoArray(acc, accOff + 1 * nr + 2 * L); c13.intoArray(acc, accOff + 1 * nr + 3 * L);
        c20.intoArray(acc, accOff + 2 * nr); c21.intoArray(acc, accOff + 2 * nr + L);
        c22.intoArray(acc, accOff + 2 * nr + 2 * L); c23.intoArray(acc, accOff + 2 * nr + 3 * L);
        c30.intoArray(acc, accOff + 3 * nr); c31.intoArray(acc, accOff + 3 * nr + L);
        c32.intoArray(acc, accOff + 3 * nr + 2 * L); c33.intoArray(acc, accOff + 3 * nr + 3 * L);
        c40.intoArray(acc, accOff + 4 * nr); c41.intoArray(acc, accOff + 4 * nr + L);
        c42.intoArray(acc, accOff + 4 * nr + 2 * L); c43.intoArray(acc, accOff + 4 * nr + 3 * L);
    }

    // ---------------------------------------------------------------------------------------------------------
    // attention
    // ---------------------------------------------------------------------------------------------------------

    // Both products of attention run on the matmul's tile kernels. Scores: the queries are A (rows of qkv), the
    // keys are packed as a weight matrix [len, d] into panels of ATT_NR keys; output: the probabilities are A,
    // the values are packed as the weight matrix Vᵀ [d, len] into panels of ATT_NR channels. The 2-vector tile
    // (8 × 2L on AVX-512; on AVX2 the matmul's default, 6 × 2L or 4 × 2L) because its panels waste the least on
    // short sequences (keys pad to a multiple of 2L) and divide the usual head sizes (64) exactly. Queries go in
    // blocks of ATT_QB, so that a block's scores stay in L1/L2 next to the packed keys and values however long the
    // sequence.
    //
    // It replaced a dot product per (query, key) pair with a horizontal sum of lanes each: at 122-token texts
    // attention took a quarter of the encoder's time for 3 % of its FLOPs.
    // ---------------------------------------------------------------------------------------------------------

    private static final MatmulTile ATT_TILE = L >= 16 ? new MatmulTile(8, 2) : MatmulTile.candidates(L).getFirst();
    private static final int ATT_KERNEL = kernelOf(ATT_TILE);
    private static final int ATT_MR = ATT_TILE.rows();
    private static final int ATT_NR = ATT_TILE.vectors() * L;
    private static final int ATT_QB = 8 * ATT_MR;

    @Override
    public int attentionScratch(int len, int d) {
        int keys = roundUp(len, ATT_NR), channels = roundUp(d, ATT_NR);
        return keys * d + channels * len + ATT_QB * keys + ATT_MR * ATT_NR;
    }

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    @Override
    public void attention(float[] qkv, int stride, int qOff, int kOff, int vOff, int len, int d, float scale,
                          float[] out, int outOff, int outStride, float[] scratch) {
        int keys = roundUp(len, ATT_NR), channels = roundUp(d, ATT_NR);
        final int kPack = 0, vPack = keys * d, sc = vPack + channels * len, acc = sc + ATT_QB * keys;
        // keys as panels of ATT_NR keys, column (channel) by column; the padding keys are zero
        for (int q = 0; q < keys / ATT_NR; q++) {
            int base = kPack + q * ATT_NR * d;
            for (int jj = 0; jj < ATT_NR; jj++) {
                int j = q * ATT_NR + jj;
                // the test outside the channel loop: inside it, C2's loop predicates taken from the profile failed on
                // the first real sentence after the warm-up and sent attention back to the interpreter
                if (j < len) {
                    for (int c = 0; c < d; c++) {
                        scratch[base + c * ATT_NR + jj] = qkv[kOff + j * stride + c];
                    }
                } else {
                    for (int c = 0; c < d; c++) {
                        scratch[base + c * ATT_NR + jj] = 0f;
                    }
                }
            }
        }
        // values as panels of ATT_NR channels, key by key; the padding channels are zero
        for (int q = 0; q < channels / ATT_NR; q++) {
            int base = vPack + q * ATT_NR * len, c0 = q * ATT_NR, cols = Math.min(ATT_NR, d - c0);
            for (int j = 0; j < len; j++) {
                int dst = base + j * ATT_NR;
                System.arraycopy(qkv, vOff + j * stride + c0, scratch, dst, cols);
                Arrays.fill(scratch, dst + cols, dst + ATT_NR, 0f);
            }
        }
        FloatVector vscale = FloatVector.broadcast(S, scale);
        for (int i0 = 0; i0 < len; i0 += ATT_QB) {
            int qRows = Math.min(ATT_QB, len - i0);
            // scores of the block: sc[r · keys + j] = scale · q_(i0+r) · k_j
            for (int q = 0; q < keys / ATT_NR; q++) {
                for (int r = 0; r < qRows; r += ATT_MR) {
                    int rows = Math.min(ATT_MR, qRows - r);
                    block(ATT_KERNEL, qkv, qOff + (i0 + r) * stride, stride, d, scratch, kPack + q * ATT_NR * d,
                            rows, scratch, acc, false);
                    for (int rr = 0; rr < rows; rr++) {
                        for (int v = 0; v < ATT_NR; v += L) {
                            FloatVector.fromArray(S, scratch, acc + rr * ATT_NR + v).mul(vscale)
                                    .intoArray(scratch, sc + (r + rr) * keys + q * ATT_NR + v);
                        }
                    }
                }
            }
            for (int r = 0; r < qRows; r++) {
                softmax(scratch, sc + r * keys, len);
            }
            // outputs of the block: out_(i0+r)[c] = Σ_j p_rj · v_j[c]
            for (int q = 0; q < channels / ATT_NR; q++) {
                int c0 = q * ATT_NR, cols = Math.min(ATT_NR, d - c0);
                for (int r = 0; r < qRows; r += ATT_MR) {
                    int rows = Math.min(ATT_MR, qRows - r);
                    block(ATT_KERNEL, scratch, sc + r * keys, keys, len, scratch, vPack + q * ATT_NR * len, rows,
                            scratch, acc, false);
                    for (int rr = 0; rr < rows; rr++) {
                        System.arraycopy(scratch, acc + rr * ATT_NR, out, outOff + (i0 + r + rr) * outStride + c0,
                                cols);
                    }
                }
            }
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
            vmax = FloatVector.fromArray(S, x, off + i).max(vmax); // loop vector as argument: see class comment
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
            vsum = v.add(vsum); // loop vector as argument: see class comment
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
        gelu(x, off, len, new float[GELU_BLOCK + L]);
    }

    /**
     * {@link #gelu(float[], int, int)} with the caller's scratch of {@code GELU_BLOCK + L} floats: exp(-z²) of a
     * block in [0, GELU_BLOCK), a padded partial vector in [GELU_BLOCK, GELU_BLOCK + L).
     */
    private static void gelu(float[] x, int off, int len, float[] scratch) {
        float[] e = scratch;
        final int pad = GELU_BLOCK;
        for (int b = 0; b < len; b += GELU_BLOCK) {
            int n = Math.min(GELU_BLOCK, len - b);
            for (int i = 0; i < n; i += L) {
                int cnt = Math.min(L, n - i);
                float[] src = x;
                int at = off + b + i;
                if (cnt < L) {
                    Arrays.fill(scratch, pad, pad + L, 0f);
                    System.arraycopy(x, at, scratch, pad, cnt);
                    src = scratch;
                    at = pad;
                }
                FloatVector z = FloatVector.fromArray(S, src, at).mul(Erf.SQRT1_2);
                z.mul(z).neg().intoArray(e, i);
            }
            expShifted(e, 0, (n + L - 1) / L * L, 0f, scratch, pad);
            for (int i = 0; i < n; i += L) {
                int cnt = Math.min(L, n - i);
                float[] dst = x;
                int at = off + b + i;
                if (cnt < L) {
                    Arrays.fill(scratch, pad, pad + L, 0f);
                    System.arraycopy(x, at, scratch, pad, cnt);
                    dst = scratch;
                    at = pad;
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
                if (cnt < L) {
                    System.arraycopy(scratch, pad, x, off + b + i, cnt);
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
        return expShifted(x, off, len, shift, new float[L], 0);
    }

    /** {@link #expShifted(float[], int, int, float)} with L floats of the caller's scratch at tmp[tmpOff]. */
    private static float expShifted(float[] x, int off, int len, float shift, float[] tmp, int tmpOff) {
        FloatVector vsum = FloatVector.zero(S);
        FloatVector vshift = bc(shift);
        for (int i = 0; i < len; i += L) {
            int cnt = Math.min(L, len - i);
            float[] arr = x;
            int at = off + i;
            if (cnt < L) {
                Arrays.fill(tmp, tmpOff, tmpOff + L, Float.NEGATIVE_INFINITY); // exp(-inf) = 0 adds nothing
                System.arraycopy(x, at, tmp, tmpOff, cnt);
                arr = tmp;
                at = tmpOff;
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
            vsum = e.add(vsum); // loop vector as argument: see class comment
            if (cnt < L) {
                System.arraycopy(tmp, tmpOff, x, off + i, cnt);
            }
        }
        vsum.intoArray(tmp, tmpOff);
        return lanes(tmp, tmpOff);
    }

    /** A broadcast constant; small enough that C2 always inlines it. */
    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }
}
