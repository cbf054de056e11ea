package io.koembed.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: writes safetensors files, well-formed or deliberately broken. */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    private record Entry(DType dtype, long[] shape, float[] values) {}

    /** Adds a float tensor to be stored as {@code dtype} (F32, F16 or BF16; F16/BF16 round to nearest even). */
    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + n);
        }
        tensors.put(name, new Entry(dtype, shape.clone(), values));
        return this;
    }

    /** Writes all tensors, contiguously, in insertion order. */
    public void write(Path file) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            Entry t = e.getValue();
            long bytes = (long) t.values.length * t.dtype.bytes();
            ObjectNode o = header.putObject(e.getKey());
            o.put("dtype", t.dtype.name());
            var sh = o.putArray("shape");
            for (long d : t.shape) {
                sh.add(d);
            }
            o.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] h = headerBytes(header.toString());
            out.write(le64(h.length));
            out.write(h);
            for (Entry t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate(t.values.length * t.dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values) {
                    switch (t.dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(Float.floatToFloat16(v));
                        case BF16 -> buf.putShort(toBf16(v));
                        default -> throw new IllegalArgumentException(t.dtype.name());
                    }
                }
                out.write(buf.array());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** BF16 by round-to-nearest-even of the F32 bits (finite inputs). */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** Writes exactly {@code header} (padded with spaces to a multiple of 8, as the reference writer does) and
     * {@code data}, with a correct header length. */
    public static void writeRaw(Path file, String header, byte[] data) {
        byte[] h = headerBytes(header);
        writeBytes(file, le64(h.length), h, data);
    }

    public static void writeBytes(Path file, byte[]... parts) {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (byte[] p : parts) {
                out.write(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static byte[] headerBytes(String json) {
        StringBuilder sb = new StringBuilder(json);
        while ((sb.toString().getBytes(StandardCharsets.UTF_8).length + 8) % 8 != 0) {
            sb.append(' ');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Copies every float tensor of {@code src} to {@code dst} stored as {@code dtype} (other tensors dropped). */
    public static void convert(Path src, Path dst, DType dtype) {
        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(src)) {
            for (String name : st.names()) {
                TensorInfo t = st.info(name);
                if (t.dtype().isFloat()) {
                    w.add(name, dtype, st.readFloats(name), t.shape());
                }
            }
        }
        w.write(dst);
    }
}
