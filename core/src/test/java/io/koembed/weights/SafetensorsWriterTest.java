package io.koembed.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    /**
     * The fixtures' model.safetensors were written by Python (transformers 4.42.4 through the safetensors library):
     * copying every tensor through the writer gives the same file, byte for byte.
     */
    @Test
    void rewritingAFileWrittenByPythonGivesTheSameBytes() throws IOException {
        for (String fixture : List.of("tiny-xlmr-ko", "tiny-bert-ko")) {
            Path original = Fixtures.model(fixture).resolve(Checkpoint.SAFETENSORS);
            Path copy = dir.resolve(fixture + ".safetensors");
            try (Checkpoint st = Checkpoint.open(original.getParent())) {
                SafetensorsWriter w = new SafetensorsWriter();
                // added in reverse order: the writer, not the caller, decides the layout
                for (String name : st.names().stream().sorted(java.util.Comparator.reverseOrder()).toList()) {
                    TensorInfo t = st.info(name);
                    w.add(name, t.dtype(), t.shape(), st.bytes(name));
                }
                w.write(copy);
            }
            assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy), fixture);
        }
    }

    /** The layout written out by hand from the format's description, for mixed element types. */
    @Test
    void layoutByTheSpecification() throws IOException {
        Path f = dir.resolve("mixed.safetensors");
        MemorySegment seven = MemorySegment.ofArray(
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7).array());
        new SafetensorsWriter()
                .add("b", DType.F32, new float[]{1f, -2f}, 2)
                .add("a", DType.F16, new float[]{1f}, 1, 1)
                .add("ids", DType.I64, new long[]{1}, seven)
                .add("a2", DType.BF16, new float[]{-0.5f}, 1)
                .write(f);

        // wider types first (I64, F32, then the 2-byte ones by name), offsets contiguous from 0
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[1,1],\"data_offsets\":[16,18]},"
                + "\"a2\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[18,20]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(le(padded, 8));
        expected.writeBytes((json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.UTF_8));
        expected.writeBytes(le(7, 8));
        expected.writeBytes(le(0x3F800000, 4)); // 1.0f
        expected.writeBytes(le(0xC0000000L, 4)); // -2.0f
        expected.writeBytes(le(0x3C00, 2)); // 1.0 in F16
        expected.writeBytes(le(0xBF00, 2)); // -0.5 in BF16
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(f));
    }

    /** Round trip through core's reader: names, types, shapes, values (F16/BF16 rounded to nearest even). */
    @Test
    void roundTripThroughCheckpoint() throws IOException {
        float[] w = {0.1f, -3.75f, Float.MIN_VALUE, 65519f, 1e-8f, -0f};
        Path model = Files.createDirectories(dir.resolve("model"));
        int[] ids = new int[70_000]; // more than the writer's 64 KiB buffer
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i * 31 - 5;
        }
        new SafetensorsWriter()
                .add("encoder.w", DType.F32, w, 2, 3)
                .add("encoder.h", DType.F16, w, 6)
                .add("encoder.b", DType.BF16, w, 3, 2)
                .add("empty", DType.F32, new float[0], 0, 4)
                // a heap segment over an int[] (no ByteBuffer view); native order is little-endian on x86 and ARM
                .add("ids", DType.I32, new long[]{70_000}, MemorySegment.ofArray(ids))
                .write(model.resolve(Checkpoint.SAFETENSORS));
        try (Checkpoint st = Checkpoint.open(model)) {
            assertEquals(java.util.Set.of("encoder.w", "encoder.h", "encoder.b", "empty", "ids"), st.names());
            MemorySegment idBytes = st.bytes("ids");
            for (int i = 0; i < ids.length; i++) {
                assertEquals(ids[i], idBytes.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                        .withOrder(ByteOrder.LITTLE_ENDIAN), i));
            }
            assertArrayEquals(new long[]{2, 3}, st.info("encoder.w").shape());
            assertEquals(DType.BF16, st.info("encoder.b").dtype());
            assertArrayEquals(new long[]{0, 4}, st.info("empty").shape());
            float[] f32 = st.readFloats("encoder.w"), f16 = st.readFloats("encoder.h"), bf16 = st.readFloats("encoder.b");
            for (int i = 0; i < w.length; i++) {
                assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(f32[i]), "F32 bit for bit");
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(w[i])), f16[i]);
            }
            // BF16 by hand (torch's .to(torch.bfloat16) gives the same): 0.1f = 0x3DCCCCCD and 1e-8f = 0x322BCC77
            // round up (low halves above 0x8000) to 0x3DCD and 0x322C; 65519 = 0x477FEF00 rounds up to 0x4780
            assertEquals(0x3DCD, Float.floatToRawIntBits(bf16[0]) >>> 16);
            assertEquals(-3.75f, bf16[1]);
            assertEquals(65536f, bf16[3]);
            assertEquals(0x322C, Float.floatToRawIntBits(bf16[4]) >>> 16);
            assertEquals(0x8000_0000, Float.floatToRawIntBits(bf16[5]), "-0 stays -0");
        }
    }

    @Test
    void bf16RoundsTiesToEvenAndKeepsNaN() {
        // 1 + 2^-8 is exactly halfway between two BF16 values: ties go to the even one (1.0)
        assertEquals((short) 0x3F80, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F808000)));
        // 1 + 3 * 2^-8 is halfway too: the even neighbour is above
        assertEquals((short) 0x3F82, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F818000)));
        assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsWriter.toBf16(Float.intBitsToFloat(0x7F800001)) << 16)));
        assertEquals((short) 0x7F80, SafetensorsWriter.toBf16(Float.POSITIVE_INFINITY));
    }

    @Test
    void refusesWhatTheFormatCannotHold() {
        SafetensorsWriter w = new SafetensorsWriter().add("x", DType.F32, new float[4], 2, 2);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.F32, new float[1], 1)),
                "'x' added twice");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.F32, new float[3], 2, 2)),
                "y: shape [2, 2] of F32 needs 16 bytes, got 12");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> w.add("z", DType.I32, new float[1], 1)),
                "F32, F16 or BF16, not I32");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> w.add("__metadata__", DType.F32, new float[1], 1)), "reserved");
    }

    private static void assertMessage(Exception e, String part) {
        assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    private static byte[] le(long v, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
