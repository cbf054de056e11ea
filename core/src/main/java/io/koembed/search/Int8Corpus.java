package io.koembed.search;

import io.koembed.st.Precision;
import io.koembed.st.Quantization;
import io.koembed.st.QuantizationRanges;
import io.koembed.st.QuantizedEmbeddings;
import io.koembed.tensor.VectorOps;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A scalar-quantized corpus (int8 or uint8, one byte per dimension, sentence-transformers' codes) outside the Java
 * heap, with the calibration ranges it was quantized with and each row's dequantized L2 norm (for cosine).
 * 1,000,000 × 768 rows take 768 MB of native memory plus 4 MB of heap.
 *
 * <p>Search it with {@link SemanticSearch#search(float[][], Int8Corpus, SearchOptions)} (float query against the
 * dequantized rows) or {@link SemanticSearch#searchCodes(float[][], Int8Corpus, SearchOptions)} (the query
 * quantized too, inner product of the codes, optionally rescored).
 */
public final class Int8Corpus implements AutoCloseable {
    private final Precision precision;
    private final QuantizationRanges ranges;
    private final int dimension;
    private final RowStore rows;
    private final float[] min;
    private final float[] step;
    private float[] norms;

    /** An empty corpus quantizing with these ranges (e.g. {@link QuantizationRanges#of} over a corpus sample). */
    public Int8Corpus(Precision precision, QuantizationRanges ranges, int expectedRows) {
        if (!precision.isScalar()) {
            throw new IllegalArgumentException("Int8Corpus holds int8 or uint8, not " + precision.configName());
        }
        this.precision = precision;
        this.ranges = ranges;
        this.dimension = ranges.dimension();
        this.rows = new RowStore(dimension, expectedRows);
        this.min = ranges.min();
        this.step = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            step[d] = ranges.step(d);
        }
        this.norms = new float[Math.max(16, Math.min(expectedRows, 1 << 20))];
    }

    /** The corpus of already-quantized embeddings (int8 or uint8). */
    public static Int8Corpus of(QuantizedEmbeddings q) {
        Int8Corpus c = new Int8Corpus(q.precision(), q.ranges(), q.count());
        byte[] data = q.data();
        for (int i = 0; i < q.count(); i++) {
            c.addCodes(data, i * q.dimension());
        }
        return c;
    }

    /** Quantizes these float rows with the ranges and keeps the codes. */
    public static Int8Corpus of(float[][] embeddings, Precision precision, QuantizationRanges ranges) {
        Int8Corpus c = new Int8Corpus(precision, ranges, embeddings.length);
        for (float[] e : embeddings) {
            c.add(e);
        }
        return c;
    }

    /** Quantizes one float row with the corpus ranges and appends it; returns its id. */
    public int add(float[] row) {
        if (row.length != dimension) {
            throw new IllegalArgumentException("row has " + row.length + " dimensions, corpus " + dimension);
        }
        byte[] codes = new byte[dimension];
        Quantization.quantizeRow(row, precision, ranges, codes, 0);
        return addCodes(codes, 0);
    }

    private int addCodes(byte[] data, int offset) {
        int id = rows.append();
        MemorySegment.copy(data, offset, rows.segment(id), ValueLayout.JAVA_BYTE, rows.offset(id), dimension);
        float[] v = new float[dimension];
        decodeValues(id, v);
        if (id == norms.length) {
            norms = java.util.Arrays.copyOf(norms, norms.length + (norms.length >> 1));
        }
        norms[id] = (float) VectorOps.norm(v);
        return id;
    }

    public Precision precision() {
        return precision;
    }

    public QuantizationRanges ranges() {
        return ranges;
    }

    public int size() {
        return rows.size();
    }

    public int dimension() {
        return dimension;
    }

    /** Native bytes of the codes plus the heap array of norms. */
    public long memoryBytes() {
        return rows.bytes() + 4L * norms.length;
    }

    /** Row i dequantized: each value the middle of its bucket ({@link Quantization#dequantize}). */
    void decodeValues(int row, float[] out) {
        MemorySegment seg = rows.segment(row);
        long off = rows.offset(row);
        for (int d = 0; d < dimension; d++) {
            out[d] = min[d] + Quantization.level(precision, seg.get(ValueLayout.JAVA_BYTE, off + d)) * step[d];
        }
    }

    /** Row i's codes as numbers, as numpy shows them (int8 signed, uint8 unsigned). */
    void decodeCodes(int row, float[] out) {
        MemorySegment seg = rows.segment(row);
        long off = rows.offset(row);
        boolean signed = precision.isSigned();
        for (int d = 0; d < dimension; d++) {
            byte b = seg.get(ValueLayout.JAVA_BYTE, off + d);
            out[d] = signed ? b : b & 0xFF;
        }
    }

    float norm(int row) {
        return norms[row];
    }

    @Override
    public void close() {
        rows.close();
    }
}
