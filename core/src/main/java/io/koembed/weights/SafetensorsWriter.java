package io.koembed.weights;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a safetensors file that {@link Safetensors} and Python's {@code safetensors} library both read, laid out
 * as the reference (Rust) serializer lays it out, so that {@code safetensors.torch.save_file(tensors, f,
 * metadata={"format": "pt"})} on the same tensors gives the same bytes:
 * <ul>
 *   <li>an 8-byte little-endian header length N, then N bytes of JSON: {@code "__metadata__": {"format": "pt"}}
 *       first, then per tensor its {@code dtype}, {@code shape} and {@code data_offsets [begin, end)} relative to
 *       the data region; the JSON is padded with spaces to a multiple of 8 bytes;</li>
 *   <li>the tensors' bytes back to back (no gaps), little-endian, row-major, in the header's order: wider element
 *       types first, then by name, so that every tensor starts at a multiple of its element size.</li>
 * </ul>
 * Tensors are only referenced by {@link #add}; their values are read when {@link #write} runs.
 */
public final class SafetensorsWriter {

    private record Entry(String name, DType dtype, long[] shape, float[] floats, MemorySegment bytes) {
        long byteSize() {
            return floats != null ? (long) floats.length * dtype.bytes() : bytes.byteSize();
        }
    }

    /** Wider element types first (alignment), then by name: the order of the Rust serializer. */
    private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingInt(e -> -e.dtype.bytes())
            .thenComparing(Entry::name);

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /**
     * Adds a tensor from float values, stored as {@code dtype}: F32 exactly, F16 and BF16 rounded to nearest even as
     * torch's {@code tensor.to(dtype)} rounds them.
     *
     * @param values row-major; read when {@link #write} runs (not copied)
     */
    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException(name + ": float values can be stored as F32, F16 or BF16, not " + dtype);
        }
        check(name, dtype, shape, (long) values.length * dtype.bytes());
        entries.add(new Entry(name, dtype, shape.clone(), values, null));
        return this;
    }

    /**
     * Adds a tensor of any element type from its little-endian, row-major bytes, e.g. {@link Checkpoint#bytes} of
     * another file; read when {@link #write} runs.
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment littleEndianBytes) {
        check(name, dtype, shape, littleEndianBytes.byteSize());
        entries.add(new Entry(name, dtype, shape.clone(), null, littleEndianBytes));
        return this;
    }

    private void check(String name, DType dtype, long[] shape, long bytes) {
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved by the format, not a tensor name");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (elements * dtype.bytes() != bytes) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + elements * dtype.bytes() + " bytes, got " + bytes);
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
    }

    /**
     * Writes the file, replacing any file there, and forces it to the storage device before returning, so that a
     * folder renamed into place afterwards holds a complete file even after a power cut.
     */
    public void write(Path file) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(ORDER);
        byte[] header = header(sorted);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(header.length);
            writeFully(out, buffer.flip());
            writeFully(out, ByteBuffer.wrap(header));
            buffer.clear();
            for (Entry e : sorted) {
                if (e.bytes != null && e.bytes.isNative()) {
                    writeFully(out, e.bytes.asByteBuffer()); // e.g. a mapped file: no copy
                    continue;
                }
                if (e.bytes != null) {
                    // a heap segment over a long[] or int[] has no ByteBuffer view: copy it through the buffer
                    MemorySegment chunk = MemorySegment.ofArray(buffer.array());
                    for (long off = 0; off < e.bytes.byteSize(); off += buffer.capacity()) {
                        int n = (int) Math.min(buffer.capacity(), e.bytes.byteSize() - off);
                        MemorySegment.copy(e.bytes, off, chunk, 0, n);
                        writeFully(out, buffer.clear().limit(n));
                    }
                    buffer.clear();
                    continue;
                }
                for (float v : e.floats) {
                    if (buffer.remaining() < Float.BYTES) {
                        writeFully(out, buffer.flip());
                        buffer.clear();
                    }
                    switch (e.dtype) {
                        case F32 -> buffer.putFloat(v); // the raw bits: NaN payloads survive
                        case F16 -> buffer.putShort(Float.floatToFloat16(v));
                        default -> buffer.putShort(toBf16(v));
                    }
                }
                writeFully(out, buffer.flip());
                buffer.clear();
            }
            out.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    /** The header JSON in the data order, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<Entry> sorted) {
        ObjectNode header = JsonFiles.mapper().createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : sorted) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /**
     * BF16 bits of {@code v}: the upper half of its F32 bits, rounded to nearest even; a NaN stays a (quiet) NaN, as
     * in torch.
     */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
