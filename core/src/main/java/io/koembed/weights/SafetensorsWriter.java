package io.koembed.weights;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.JsonFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a safetensors file, the format {@link Safetensors} reads and Python's {@code safetensors.torch.save_file}
 * writes: an 8-byte little-endian header length, a JSON header ({@code "__metadata__": {"format": "pt"}} and, per
 * tensor, its dtype, shape and [begin, end) data offsets) padded with spaces to a multiple of 8 bytes, then the
 * tensors' bytes back to back, little-endian, in the order the header lists them (here: sorted by name).
 */
public final class SafetensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, float[] floats, MemorySegment bytes) {
        long byteSize() {
            return floats != null ? 4L * floats.length : bytes.byteSize();
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Adds an F32 tensor; {@code values} (row-major) is read when {@link #write} runs. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        check(name, shape, 4L * values.length, DType.F32);
        entries.add(new Entry(name, DType.F32, shape.clone(), values, null));
        return this;
    }

    /** Adds a tensor of any type from its little-endian bytes (e.g. {@link Checkpoint#bytes}). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment littleEndianBytes) {
        check(name, shape, littleEndianBytes.byteSize(), dtype);
        entries.add(new Entry(name, dtype, shape.clone(), null, littleEndianBytes));
        return this;
    }

    private void check(String name, long[] shape, long bytes, DType dtype) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        if (elements * dtype.bytes() != bytes) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + elements * dtype.bytes() + " bytes, got " + bytes);
        }
        if (entries.stream().anyMatch(e -> e.name.equals(name))) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
    }

    /** Writes the file (replacing any file there). */
    public void write(Path file) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::name));
        ObjectNode header = JsonFiles.mapper().createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : sorted) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, head);
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : sorted) {
                if (e.floats != null) {
                    for (float v : e.floats) {
                        if (!buffer.hasRemaining()) {
                            buffer.flip();
                            writeFully(out, buffer);
                            buffer.clear();
                        }
                        buffer.putFloat(v);
                    }
                } else {
                    buffer.flip();
                    writeFully(out, buffer);
                    buffer.clear();
                    writeFully(out, e.bytes.asByteBuffer());
                }
            }
            buffer.flip();
            writeFully(out, buffer);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
