package io.koembed.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper: safetensors files that {@link SafetensorsWriter} would refuse to write (broken headers, wrong lengths),
 * and the BF16 rounding the writer uses, for tests outside this package.
 */
public final class SafetensorsFiles {
    private SafetensorsFiles() {}

    /** BF16 bits of {@code v}, rounded to nearest even, as {@link SafetensorsWriter} stores it. */
    public static short toBf16(float v) {
        return SafetensorsWriter.toBf16(v);
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
}
