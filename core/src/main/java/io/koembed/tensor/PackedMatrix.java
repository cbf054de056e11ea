package io.koembed.tensor;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A weight matrix W [rows = out, cols = in] (a Linear layer's weight as safetensors stores it), repacked once at
 * load for the matmul kernels: the rows are cut into panels of {@link #panelWidth()} (NR) consecutive rows, and
 * each panel is stored column by column. In float32, element {@code (row, col)} sits at
 * {@code panel(row) · cols · NR + col · NR + row % NR}. The last panel is padded with zero rows.
 *
 * <p>The narrower formats interleave so that the kernel widens them with one shift per vector and no lane
 * shuffles: it reads a vector of ints and takes each float vector out of its own bits. With H = NR / 2 and
 * i = row % NR:
 * <ul>
 *   <li>bfloat16: the int at {@code col · H + i % H} of a panel holds the element of lane i &lt; H in its low half
 *       and that of lane i + H in its high half (shifting left by 16, or masking, gives the float bits);</li>
 *   <li>int8: columns go in pairs; the int at {@code (col / 2) · H + i % H} holds four bytes, from the lowest:
 *       (col even, i &lt; H), (col even, i ≥ H), (col odd, i &lt; H), (col odd, i ≥ H); an odd column count is
 *       padded with a zero column.</li>
 * </ul>
 * {@link #storedIndex} is that rule in one place; {@link #decodePanel} undoes it for the scalar kernel.
 *
 * <p>Why repack: the fastest float kernel on AVX2/AVX-512 broadcasts one activation and multiplies it with a
 * whole vector of weights of consecutive output channels ({@code panelWidth} = 2 vectors); that needs those
 * weights side by side in memory, which in the stored [out, in] layout they are not (there, each output is a dot
 * product over a stored row and ends in a horizontal sum of lanes). Packing costs one pass over the weights at load; the mapped pages of the source are released afterwards.
 *
 * <p>The elements are stored in {@link WeightPrecision}: float32, bfloat16 (round to nearest even) or int8 with a
 * float scale per row ({@code w ≈ q · scale}, {@code scale = max|w| / 127}).
 */
public final class PackedMatrix {
    private static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int rows;
    private final int cols;
    private final int panelWidth;
    private final WeightPrecision precision;
    private final MemorySegment data;
    private final float[] scales;

    private PackedMatrix(int rows, int cols, int panelWidth, WeightPrecision precision, MemorySegment data,
                         float[] scales) {
        this.rows = rows;
        this.cols = cols;
        this.panelWidth = panelWidth;
        this.precision = precision;
        this.data = data;
        this.scales = scales;
    }

    /**
     * Packs {@code w}, {@code rows × cols} little-endian float32 values in row-major order: float32 panels into
     * one array on the Java heap, bfloat16 and int8 panels into memory from {@code arena}. If {@code w} is a mapped file segment its pages are released from this process afterwards
     * (they stay in the page cache), so the weights are not counted twice in the resident set.
     */
    public static PackedMatrix pack(MemorySegment w, int rows, int cols, WeightPrecision precision, int panelWidth,
                                    Arena arena) {
        if (rows < 1 || cols < 1 || panelWidth < 1 || w.byteSize() < 4L * rows * cols) {
            throw new IllegalArgumentException("cannot pack " + rows + " x " + cols + " from " + w.byteSize()
                    + " bytes with panel width " + panelWidth);
        }
        if (precision != WeightPrecision.FLOAT32 && panelWidth % 2 != 0) {
            throw new IllegalArgumentException(precision + " panels need an even width, got " + panelWidth);
        }
        int panels = (rows + panelWidth - 1) / panelWidth;
        long panelElements = (long) panelWidth * storedCols(precision, cols);
        // float32 panels live in one heap array, so that the kernel reads them in place with no copy (a copy per
        // call would not overlap with the arithmetic: at batch 1 that costs as much as the weights' memory traffic);
        // the narrower formats are widened per panel anyway, and sit off-heap
        MemorySegment data = precision == WeightPrecision.FLOAT32
                ? MemorySegment.ofArray(new float[Math.toIntExact(panels * panelElements)])
                : arena.allocate(panels * panelElements * precision.bytes(), 64);
        float[] scales = precision == WeightPrecision.INT8 ? new float[rows] : null;
        fill(w, rows, cols, precision, panelWidth, data, scales);
        if (w.isMapped()) {
            w.unload();
        }
        return new PackedMatrix(rows, cols, panelWidth, precision, data, scales);
    }

    /**
     * Packs the transpose of {@code m} [rows, cols] (row-major floats) in float32: the matrix
     * {@code Mᵀ} [cols, rows], as {@link #pack} would from a transposed copy, but with no transposition: in this
     * layout a panel of Mᵀ holds, for each row of M, panelWidth consecutive elements of that row, so packing is
     * one contiguous copy per (panel, row). Training uses it for the backward pass's {@code Wᵀ} and {@code Xᵀ}.
     */
    public static PackedMatrix packTransposed(float[] m, int rows, int cols, int panelWidth) {
        if (rows < 1 || cols < 1 || panelWidth < 1 || m.length < (long) rows * cols) {
            throw new IllegalArgumentException("cannot pack the transpose of " + rows + " x " + cols + " from "
                    + m.length + " floats with panel width " + panelWidth);
        }
        int panels = (cols + panelWidth - 1) / panelWidth;
        MemorySegment data = MemorySegment.ofArray(new float[Math.toIntExact((long) panels * panelWidth * rows)]);
        PackedMatrix p = new PackedMatrix(cols, rows, panelWidth, WeightPrecision.FLOAT32, data, null);
        p.refillTransposed(m);
        return p;
    }

    /** {@link #packTransposed} again into this matrix's storage: {@code m} is [cols, rows] of this matrix. */
    public void refillTransposed(float[] m) {
        if (precision != WeightPrecision.FLOAT32 || m.length < (long) rows * cols) {
            throw new IllegalArgumentException("refillTransposed needs a float32 matrix and " + rows + " x " + cols
                    + " floats, has " + precision + " and " + m.length);
        }
        int nr = panelWidth, panels = panels();
        for (int q = 0; q < panels; q++) {
            int width = Math.min(nr, rows - q * nr); // the last panel's padding lanes stay zero
            for (int c = 0; c < cols; c++) {
                MemorySegment.copy(m, c * rows + q * nr, data, VectorOps.F32_LE, 4L * ((long) q * cols + c) * nr,
                        width);
            }
        }
    }

    /**
     * Packs {@code w} again into this matrix's storage, in place: for weights that change (training), so that each
     * optimizer step does not allocate a new copy. Same shape as when packed.
     */
    public void refill(MemorySegment w) {
        if (w.byteSize() < 4L * rows * cols) {
            throw new IllegalArgumentException("cannot refill " + rows + " x " + cols + " from " + w.byteSize()
                    + " bytes");
        }
        fill(w, rows, cols, precision, panelWidth, data, scales);
    }

    /** The packing itself: {@code w} [rows, cols] row-major into {@code data} (and int8's scales). */
    private static void fill(MemorySegment w, int rows, int cols, WeightPrecision precision, int panelWidth,
                             MemorySegment data, float[] scales) {
        int panels = (rows + panelWidth - 1) / panelWidth;
        long panelElements = (long) panelWidth * storedCols(precision, cols);
        // storedIndex(i, c) = columnStart[c] + laneOffset[i] in every layout: the rule once, a lookup per element
        int[] columnStart = new int[cols], laneOffset = new int[panelWidth];
        for (int c = 0; c < cols; c++) {
            columnStart[c] = storedIndex(precision, panelWidth, 0, c);
        }
        for (int i = 0; i < panelWidth; i++) {
            laneOffset[i] = storedIndex(precision, panelWidth, i, 0);
        }
        float[] source = new float[panelWidth * cols]; // the panel's rows as stored: [out, in], consecutive
        // float32 panels are transposed straight into their place in the packed array; the narrower formats one
        // panel at a time into a float buffer, then converted into the packed bytes
        float[] packed = precision == WeightPrecision.FLOAT32 ? (float[]) data.heapBase().orElseThrow() : null;
        float[] panel = packed != null ? packed : new float[Math.toIntExact(panelElements)];
        for (int q = 0; q < panels; q++) {
            int r0 = q * panelWidth, n = Math.min(panelWidth, rows - r0);
            long base = q * panelElements;
            int at = packed != null ? Math.toIntExact(base) : 0;
            MemorySegment.copy(w, VectorOps.F32_LE, 4L * r0 * cols, source, 0, n * cols);
            Arrays.fill(source, n * cols, source.length, 0f); // the last panel's padding rows
            if (packed == null) {
                Arrays.fill(panel, 0f);                       // int8's padding column
            }
            if (scales != null) {
                for (int i = 0; i < n; i++) {
                    float max = 0f;
                    for (int c = 0; c < cols; c++) {
                        max = Math.max(max, Math.abs(source[i * cols + c]));
                    }
                    float scale = scales[r0 + i] = max / 127f;
                    for (int c = 0; c < cols; c++) {
                        source[i * cols + c] = quantize(source[i * cols + c], scale);
                    }
                }
            }
            // transposed in bands of 16 columns, so that the band's writes stay within a few KiB of the panel
            // (row by row they scatter over all of it: about a third of a base model's load time once)
            for (int c0 = 0; c0 < cols; c0 += 16) {
                transposeBand(source, cols, c0, Math.min(cols, c0 + 16), columnStart, laneOffset, panel, at);
            }
            switch (precision) {
                case FLOAT32 -> { } // in place already
                case BFLOAT16 -> {
                    for (int e = 0; e < panel.length; e++) {
                        data.setAtIndex(I16_LE, base + e, toBfloat16(panel[e]));
                    }
                }
                case INT8 -> {
                    for (int e = 0; e < panel.length; e++) {
                        data.set(ValueLayout.JAVA_BYTE, base + e, (byte) panel[e]);
                    }
                }
            }
        }
    }

    /**
     * Columns [c0, c1) of a panel's rows ({@code source}, [panelWidth, cols]) to their stored places in
     * {@code panel} from {@code panelOff}. A method of its own, called a few thousand times per matrix, so that
     * the JIT compiles it once like any small method; as loops inside {@link #fill}, whose calls each run for
     * millions of elements, the load ran them interpreted and then in a series of on-stack replacements (nine C2
     * compilations of fill for a base model, half a second of compiler time on a start-up that has two cores).
     */
    private static void transposeBand(float[] source, int cols, int c0, int c1, int[] columnStart, int[] laneOffset,
                                      float[] panel, int panelOff) {
        for (int i = 0; i < laneOffset.length; i++) {
            int lane = panelOff + laneOffset[i], from = i * cols;
            for (int c = c0; c < c1; c++) {
                panel[columnStart[c] + lane] = source[from + c];
            }
        }
    }

    /**
     * Where element (lane i, column c) of a panel of width nr is stored, in elements from the panel's start (see
     * the class comment).
     */
    static int storedIndex(WeightPrecision precision, int nr, int i, int c) {
        int h = nr / 2;
        return switch (precision) {
            case FLOAT32 -> c * nr + i;
            case BFLOAT16 -> c * nr + 2 * (i % h) + i / h;
            case INT8 -> (c / 2) * 2 * nr + 4 * (i % h) + 2 * (c % 2) + i / h;
        };
    }

    /** The columns a panel stores: int8 pads an odd count with a zero column. */
    static int storedCols(WeightPrecision precision, int cols) {
        return precision == WeightPrecision.INT8 ? (cols + 1) / 2 * 2 : cols;
    }

    /** The int8 code of v in a row of the given scale: round half to even, clamped to ±127 (0 for a zero row). */
    private static float quantize(float v, float scale) {
        return scale == 0f ? 0f : (float) Math.max(-127, Math.min(127, Math.rint(v / scale)));
    }

    /** float32 → bfloat16 bits, rounding to nearest even as torch's {@code .to(torch.bfloat16)} does. */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40); // stay a (quiet) NaN
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Output channels (rows of W). */
    public int rows() {
        return rows;
    }

    /** Input features (columns of W). */
    public int cols() {
        return cols;
    }

    public int panelWidth() {
        return panelWidth;
    }

    /** Number of panels, the last one possibly padded. */
    public int panels() {
        return (rows + panelWidth - 1) / panelWidth;
    }

    public WeightPrecision precision() {
        return precision;
    }

    /** The packed elements, {@link #precision()}'s width each, little-endian. */
    MemorySegment data() {
        return data;
    }

    /** FLOAT32 only: the packed values themselves; panel q starts at index {@code q · cols · panelWidth}. */
    float[] floats() {
        return (float[]) data.heapBase().orElseThrow();
    }

    /** Byte offset of panel {@code q} in {@link #data()}. */
    long panelOffset(int q) {
        return (long) q * panelWidth * storedCols(precision, cols) * precision.bytes();
    }

    /** Per-row scales for INT8 (the stored value times its row's scale approximates W), else null. */
    float[] scales() {
        return scales;
    }

    /** Bytes the packed weights occupy. */
    public long byteSize() {
        return data.byteSize() + (scales == null ? 0 : 4L * scales.length);
    }

    /**
     * Panel {@code q} as floats, column by column ({@code dst[col · panelWidth + i]} = stored element of row
     * {@code q · panelWidth + i}, without the INT8 scale): the plain decoding every kernel must agree with.
     */
    void decodePanel(int q, float[] dst) {
        long base = (long) q * panelWidth * storedCols(precision, cols);
        for (int c = 0; c < cols; c++) {
            for (int i = 0; i < panelWidth; i++) {
                dst[c * panelWidth + i] = stored(base + storedIndex(precision, panelWidth, i, c));
            }
        }
    }

    /** The stored element at {@code index} (in elements from the start of the data), widened exactly. */
    private float stored(long index) {
        return switch (precision) {
            case FLOAT32 -> data.getAtIndex(VectorOps.F32_LE, index);
            case BFLOAT16 -> Float.intBitsToFloat(data.getAtIndex(I16_LE, index) << 16);
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, index);
        };
    }

    /**
     * The finished output element of row {@code row} from the kernel's float32 accumulation {@code acc} of
     * Σ A · stored element: times the INT8 scale, plus the bias (null for none). Every kernel ends here.
     */
    float output(float acc, float[] bias, int row) {
        float v = scales == null ? acc : acc * scales[row];
        return bias == null ? v : v + bias[row];
    }

    /** {@link #output} of {@code count} consecutive rows from {@code firstRow}: acc[accOff + i] → c[cOff + i]. */
    void finish(float[] acc, int accOff, float[] bias, float[] c, int cOff, int firstRow, int count) {
        for (int i = 0; i < count; i++) {
            c[cOff + i] = output(acc[accOff + i], bias, firstRow + i);
        }
    }

    /** The value the kernels multiply with for W(row, col): the stored element times its scale, if any. */
    public float get(int row, int col) {
        long base = (long) (row / panelWidth) * panelWidth * storedCols(precision, cols);
        float v = stored(base + storedIndex(precision, panelWidth, row % panelWidth, col));
        return scales == null ? v : v * scales[row];
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + rows + " x " + cols + ", " + precision + ", panels of " + panelWidth + "]";
    }
}
