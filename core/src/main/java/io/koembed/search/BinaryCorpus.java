package io.koembed.search;

import io.koembed.st.Precision;
import io.koembed.st.Quantization;
import io.koembed.st.QuantizedEmbeddings;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A binary-quantized corpus: one bit per dimension (1 where the float was &gt; 0), searched by Hamming distance.
 * Rows are kept as ubinary bytes ({@code np.packbits} order) padded to whole 64-bit words, outside the Java heap:
 * 1,000,000 × 768 dimensions take 96 MB.
 */
public final class BinaryCorpus implements AutoCloseable {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private final int dimension;
    private final int words;
    private final RowStore rows;

    public BinaryCorpus(int dimension, int expectedRows) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        }
        this.dimension = dimension;
        this.words = (dimension + 63) >>> 6;
        this.rows = new RowStore(words * 8, expectedRows);
    }

    /** The corpus of binary or ubinary embeddings. */
    public static BinaryCorpus of(QuantizedEmbeddings q) {
        if (!q.precision().isBinary()) {
            throw new IllegalArgumentException("BinaryCorpus holds binary or ubinary, not " + q.precision().configName());
        }
        BinaryCorpus c = new BinaryCorpus(q.dimension(), q.count());
        int n = q.bytesPerVector();
        int flip = q.precision() == Precision.BINARY ? 0x80 : 0;
        byte[] data = q.data();
        byte[] packed = new byte[n];
        for (int i = 0; i < q.count(); i++) {
            for (int j = 0; j < n; j++) {
                packed[j] = (byte) (data[i * n + j] ^ flip);
            }
            c.addPacked(packed);
        }
        return c;
    }

    /** Binarizes these float rows ({@code x > 0}). */
    public static BinaryCorpus of(float[][] embeddings) {
        BinaryCorpus c = new BinaryCorpus(embeddings.length == 0 ? 1 : embeddings[0].length, embeddings.length);
        for (float[] e : embeddings) {
            c.add(e);
        }
        return c;
    }

    /** Binarizes one float row and appends it; returns its id. */
    public int add(float[] row) {
        if (row.length != dimension) {
            throw new IllegalArgumentException("row has " + row.length + " dimensions, corpus " + dimension);
        }
        byte[] packed = new byte[Precision.UBINARY.bytesPerVector(dimension)];
        Quantization.quantizeRow(row, Precision.UBINARY, null, packed, 0);
        return addPacked(packed);
    }

    private int addPacked(byte[] packed) {
        int id = rows.append();
        MemorySegment.copy(packed, 0, rows.segment(id), ValueLayout.JAVA_BYTE, rows.offset(id), packed.length);
        return id; // the padding bytes stay zero (fresh blocks are zeroed)
    }

    public int size() {
        return rows.size();
    }

    public int dimension() {
        return dimension;
    }

    /** Native bytes of the packed bits. */
    public long memoryBytes() {
        return rows.bytes();
    }

    /** A float row's bits in this corpus's word layout. */
    long[] queryWords(float[] q) {
        byte[] packed = new byte[words * 8];
        Quantization.quantizeRow(q, Precision.UBINARY, null, packed, 0);
        long[] w = new long[words];
        MemorySegment.copy(packed, 0, MemorySegment.ofArray(w), ValueLayout.JAVA_BYTE, 0, packed.length);
        return w;
    }

    int hamming(int row, long[] q) {
        MemorySegment seg = rows.segment(row);
        long off = rows.offset(row);
        int h = 0;
        for (int w = 0; w < words; w++) {
            h += Long.bitCount(seg.get(WORD, off + 8L * w) ^ q[w]);
        }
        return h;
    }

    /** Row i's bits as 0/1 floats ({@code np.unpackbits}), for rescoring. */
    void decodeBits(int row, float[] out) {
        MemorySegment seg = rows.segment(row);
        long off = rows.offset(row);
        for (int d = 0; d < dimension; d++) {
            int b = seg.get(ValueLayout.JAVA_BYTE, off + (d >>> 3));
            out[d] = (b >>> (7 - (d & 7))) & 1;
        }
    }

    @Override
    public void close() {
        rows.close();
    }
}
