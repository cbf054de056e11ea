package io.koembed.search;

import io.koembed.tensor.VectorOps;

import java.lang.foreign.MemorySegment;

/**
 * A float32 corpus for exact search: rows stored outside the Java heap ({@link RowStore}), with each row's L2 norm
 * kept for cosine. 1,000,000 × 768 floats take 3.07 GB of native memory and about 4 MB of heap (the norms), so
 * they fit beside any heap size. Close it to free the memory.
 *
 * <p>Add rows from one thread, then search from any number.
 */
public final class FloatCorpus implements AutoCloseable {
    private final int dimension;
    private final RowStore rows;
    private float[] norms;

    public FloatCorpus(int dimension) {
        this(dimension, 8192);
    }

    /** An empty corpus; {@code expectedRows} only sizes the storage blocks. */
    public FloatCorpus(int dimension, int expectedRows) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive, got " + dimension);
        }
        this.dimension = dimension;
        this.rows = new RowStore(Math.multiplyExact(dimension, 4), expectedRows);
        this.norms = new float[Math.max(16, Math.min(expectedRows, 1 << 20))];
    }

    /** A corpus holding a copy of these rows. */
    public static FloatCorpus of(float[][] embeddings) {
        if (embeddings.length == 0) {
            throw new IllegalArgumentException("cannot infer the dimension of an empty corpus; use new FloatCorpus(dim)");
        }
        FloatCorpus c = new FloatCorpus(embeddings[0].length, embeddings.length);
        c.addAll(embeddings);
        return c;
    }

    /** Appends one row; returns its corpus id (0, 1, 2, ... in order of adding). */
    public int add(float[] row) {
        if (row.length != dimension) {
            throw new IllegalArgumentException("row has " + row.length + " dimensions, corpus " + dimension);
        }
        int id = rows.append();
        MemorySegment seg = rows.segment(id);
        long off = rows.offset(id);
        MemorySegment.copy(row, 0, seg, VectorOps.F32_LE, off, dimension);
        if (id == norms.length) {
            norms = java.util.Arrays.copyOf(norms, Math.max(16, norms.length + (norms.length >> 1)));
        }
        norms[id] = (float) VectorOps.norm(row);
        return id;
    }

    public void addAll(float[][] embeddings) {
        for (float[] e : embeddings) {
            add(e);
        }
    }

    public int size() {
        return rows.size();
    }

    public int dimension() {
        return dimension;
    }

    /** A copy of row i. */
    public float[] row(int i) {
        java.util.Objects.checkIndex(i, size());
        float[] out = new float[dimension];
        MemorySegment seg = rows.segment(i);
        long off = rows.offset(i);
        for (int d = 0; d < dimension; d++) {
            out[d] = seg.get(VectorOps.F32_LE, off + 4L * d);
        }
        return out;
    }

    /** Bytes of native memory the rows take (allocated blocks) plus the heap array of norms. */
    public long memoryBytes() {
        return rows.bytes() + 4L * norms.length;
    }

    MemorySegment segment(int row) {
        return rows.segment(row);
    }

    long offset(int row) {
        return rows.offset(row);
    }

    float norm(int row) {
        return norms[row];
    }

    @Override
    public void close() {
        rows.close();
    }
}
