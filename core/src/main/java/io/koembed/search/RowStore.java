package io.koembed.search;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-width rows of bytes outside the Java heap, in blocks of up to 4096 rows (at most 64 MiB) allocated as the
 * rows arrive, so at most one partly used block is wasted. A
 * million 768-dimensional float32 rows (3.07 GB) thus cost the heap nothing but the block list, and no single
 * allocation needs 3 GB of contiguous memory. Append by one thread; read by many once appending is done.
 */
final class RowStore implements AutoCloseable {
    private static final long BLOCK_BYTES = 64L << 20;

    private final Arena arena = Arena.ofShared();
    private final int rowBytes;
    private final int rowsPerBlock;
    private final List<MemorySegment> blocks = new ArrayList<>();
    private int size;

    /** Rows of {@code rowBytes}; {@code expectedRows} sizes the blocks (small corpora get one small block). */
    RowStore(int rowBytes, int expectedRows) {
        if (rowBytes < 1) {
            throw new IllegalArgumentException("row width must be positive");
        }
        this.rowBytes = rowBytes;
        this.rowsPerBlock = (int) Math.max(1, Math.min(Math.max(expectedRows, 1), Math.min(4096, BLOCK_BYTES / rowBytes)));
    }

    int size() {
        return size;
    }

    int rowBytes() {
        return rowBytes;
    }

    /** Bytes held (allocated blocks, the unused tail of the last included). */
    long bytes() {
        long b = 0;
        for (MemorySegment s : blocks) {
            b += s.byteSize();
        }
        return b;
    }

    /** Adds a row at the end and returns its index; write it through {@link #segment} and {@link #offset}. */
    int append() {
        if (size == Integer.MAX_VALUE) {
            throw new IllegalStateException("a corpus holds at most 2^31 - 1 rows");
        }
        if (size / rowsPerBlock == blocks.size()) {
            blocks.add(arena.allocate((long) rowsPerBlock * rowBytes, 64));
        }
        return size++;
    }

    MemorySegment segment(int row) {
        return blocks.get(row / rowsPerBlock);
    }

    long offset(int row) {
        return (long) (row % rowsPerBlock) * rowBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
