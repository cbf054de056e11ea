package io.koembed.weights;

import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ good files

    @Test
    void opensTheFixtureModel() {
        Path f = Fixtures.model("tiny-xlmr-ko").resolve("model.safetensors");
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(39, st.names().size()); // 5 embeddings + 2 × 16 layer + 2 pooler
            assertEquals("pt", st.metadata().get("format"));
            TensorInfo t = st.info("embeddings.word_embeddings.weight");
            assertEquals(DType.F32, t.dtype());
            assertArrayEquals(new long[]{8002, 64}, t.shape());
            float[] v = st.readFloats("embeddings.word_embeddings.weight");
            assertEquals(8002 * 64, v.length);
            MemorySegment raw = st.bytes("embeddings.word_embeddings.weight");
            assertEquals(v[12345], raw.get(Checkpoint.F32_LE, 12345L * 4));
        }
    }

    @Test
    void f32IsZeroCopyAndF16Bf16AreWidenedExactly() {
        float[] vals = {0f, -1.5f, 3.140625f, 65504f, 1e-3f, -2.5e-6f};
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter()
                .add("a", DType.F32, vals, 2, 3)
                .add("h", DType.F16, vals, 6)
                .add("b", DType.BF16, vals, 3, 2)
                .write(f);
        try (Safetensors st = Safetensors.open(f); Arena arena = Arena.ofConfined()) {
            assertArrayEquals(vals, st.readFloats("a"));
            float[] h = st.readFloats("h");
            float[] b = st.readFloats("b");
            for (int i = 0; i < vals.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(vals[i])), h[i]);
                assertEquals(Float.intBitsToFloat(SafetensorsFiles.toBf16(vals[i]) << 16), b[i]);
            }
            MemorySegment a = st.floats("a", arena);
            assertEquals(st.bytes("a").address(), a.address(), "F32 must be the mapped bytes themselves");
            MemorySegment hs = st.floats("h", arena);
            for (int i = 0; i < vals.length; i++) {
                assertEquals(h[i], hs.getAtIndex(Checkpoint.F32_LE, i));
            }
        }
    }

    @Test
    void copyBytesReadsATensorFromTheFileIntoAnySegment() throws IOException {
        float[] vals = {1f, -2f, 3.5f, 1e-7f, -0f, 6f};
        Path f = dir.resolve("c.safetensors");
        new SafetensorsWriter().add("first", DType.F32, new float[] {9f}, 1).add("w", DType.F32, vals, 2, 3).write(f);
        try (Safetensors st = Safetensors.open(f); Arena arena = Arena.ofConfined()) {
            MemorySegment direct = arena.allocate(4L * vals.length + 8); // larger than the tensor: the rest untouched
            direct.fill((byte) 0x7f);
            st.copyBytes("w", direct);
            float[] onHeap = new float[vals.length];
            st.copyBytes("w", MemorySegment.ofArray(onHeap)); // no ByteBuffer over a float[]: copied from the mapping
            for (int i = 0; i < vals.length; i++) {
                assertEquals(Float.floatToRawIntBits(vals[i]),
                        Float.floatToRawIntBits(direct.getAtIndex(Checkpoint.F32_LE, i)));
            }
            assertArrayEquals(vals, onHeap);
            assertEquals((byte) 0x7f, direct.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4L * vals.length));
            assertThrows(IllegalArgumentException.class, () -> st.copyBytes("w", arena.allocate(8)));

            // the file cut short after it was opened (the mapping would fault; the read reports it)
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 4);
            }
            var e = assertThrows(ModelFormatException.class, () -> st.copyBytes("w", direct));
            assertMessage(e, f, "'w'", "ends before");
        }
    }

    @Test
    void copyFloatsGivesFloat32OfEveryFloatType() throws IOException {
        float[] vals = {1f, -2f, 3.5f, 1e-3f, -0f, 65504f};
        Path f = dir.resolve("f.safetensors");
        new SafetensorsWriter().add("f32", DType.F32, vals, 2, 3).add("f16", DType.F16, vals, 2, 3)
                .add("bf16", DType.BF16, vals, 3, 2).write(f);
        try (Safetensors st = Safetensors.open(f); Arena arena = Arena.ofConfined()) {
            for (String name : new String[] {"f32", "f16", "bf16"}) {
                MemorySegment dst = arena.allocate(4L * vals.length);
                st.copyFloats(name, dst);
                float[] expected = st.readFloats(name); // widened exactly, the same as floats(name, arena)
                for (int i = 0; i < vals.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]),
                            Float.floatToRawIntBits(dst.getAtIndex(Checkpoint.F32_LE, i)), name + " [" + i + "]");
                }
            }
            // and the narrow types hold the values rounded to them (the JDK's conversions), not the F32 values
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e-3f)), st.readFloats("f16")[3]);
            assertNotEquals(1e-3f, st.readFloats("f16")[3]);
        }
    }

    @Test
    void nonFloatTensorsOpenButCannotBeReadAsFloats() {
        Path f = dir.resolve("ids.safetensors");
        String header = "{\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}";
        SafetensorsFiles.writeRaw(f, header, new byte[20]);
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(DType.I64, st.info("embeddings.position_ids").dtype());
            assertArrayEquals(new float[]{0f}, st.readFloats("w"));
            var e = assertThrows(ModelFormatException.class, () -> st.readFloats("embeddings.position_ids"));
            assertMessage(e, f, "embeddings.position_ids", "I64");
            var missing = assertThrows(ModelFormatException.class, () -> st.info("nope"));
            assertMessage(missing, f, "nope");
        }
    }

    @Test
    void gapsBetweenTensorsAndEmptyTensorsAreTolerated() {
        Path f = dir.resolve("gap.safetensors");
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]}}";
        SafetensorsFiles.writeRaw(f, header, new byte[12]);
        try (Safetensors st = Safetensors.open(f)) {
            assertEquals(0, st.readFloats("e").length);
            assertEquals(1, st.readFloats("b").length);
        }
    }

    // ------------------------------------------------------------------ bad files

    @Test
    void emptyFile() throws IOException {
        Path f = dir.resolve("empty.safetensors");
        Files.write(f, new byte[0]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "too short");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("absent.safetensors");
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "not found");
    }

    @Test
    void headerLengthPastTheEnd() {
        Path f = dir.resolve("hl.safetensors");
        SafetensorsFiles.writeBytes(f, SafetensorsFiles.le64(1000), "{}".getBytes());
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "header length 1000",
                "past the end");
    }

    @Test
    void insaneHeaderLength() {
        Path f = dir.resolve("huge.safetensors");
        SafetensorsFiles.writeBytes(f, SafetensorsFiles.le64(-5), "{}".getBytes());
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "not sane");
        Path g = dir.resolve("huge2.safetensors");
        SafetensorsFiles.writeBytes(g, SafetensorsFiles.le64(1L << 40), "{}".getBytes());
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(g)), g, "not sane");
    }

    @Test
    void badJson() {
        Path f = dir.resolve("json.safetensors");
        SafetensorsFiles.writeRaw(f, "{\"a\": {\"dtype\": \"F32\",", new byte[0]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "not valid JSON");
        Path g = dir.resolve("array.safetensors");
        SafetensorsFiles.writeRaw(g, "[1, 2]", new byte[0]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(g)), g, "JSON object");
        Path h = dir.resolve("trailing.safetensors");
        SafetensorsFiles.writeRaw(h, "{} {}", new byte[0]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(h)), h, "not valid JSON");
        Path d = dir.resolve("dup.safetensors");
        SafetensorsFiles.writeRaw(d, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(d)), d, "Duplicate", "a");
    }

    @Test
    void malformedEntries() {
        checkBad("{\"t1\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "t1", "dtype");
        checkBad("{\"t2\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "t2", "shape");
        checkBad("{\"t3\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "t3", "non-negative");
        checkBad("{\"t4\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "t4", "data_offsets");
        checkBad("{\"t5\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "t5", "end before");
        checkBad("{\"t6\":[1,2]}", 0, "t6", "must be an object");
        checkBad("{\"__metadata__\":{\"format\":3}}", 0, "__metadata__", "format");
    }

    @Test
    void unknownDtype() {
        checkBad("{\"weird\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "weird",
                "unknown dtype 'Q4_K'");
    }

    @Test
    void offsetsOutsideTheFile() {
        checkBad("{\"far\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[100,116]}}", 16, "far",
                "outside the data region of 16 bytes");
    }

    @Test
    void overlappingTensors() {
        checkBad("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'x'", "'y'", "overlap");
    }

    @Test
    void lengthDoesNotMatchShape() {
        checkBad("{\"m\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24, "m", "span 24 bytes",
                "needs 12");
    }

    @Test
    void truncatedFile() throws IOException {
        Path f = dir.resolve("trunc.safetensors");
        new SafetensorsWriter().add("w", DType.F32, new float[100], 10, 10).write(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, "'w'", "truncated");
        // truncated inside the header
        Path g = dir.resolve("trunc2.safetensors");
        byte[] full = Files.readAllBytes(f);
        Files.write(g, java.util.Arrays.copyOf(full, 20));
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(g)), g, "past the end");
    }

    @Test
    void closeIsIdempotentAndUnmaps() {
        Path f = dir.resolve("c.safetensors");
        new SafetensorsWriter().add("w", DType.F32, new float[]{1, 2}, 2).write(f);
        Safetensors st = Safetensors.open(f);
        MemorySegment seg = st.bytes("w");
        st.close();
        st.close();
        assertThrows(IllegalStateException.class, () -> seg.get(Checkpoint.F32_LE, 0));
    }

    // ------------------------------------------------------------------ helpers

    private int counter;

    private void checkBad(String header, int dataBytes, String... expectedInMessage) {
        Path f = dir.resolve("bad" + (counter++) + ".safetensors");
        SafetensorsFiles.writeRaw(f, header, new byte[dataBytes]);
        assertMessage(assertThrows(ModelFormatException.class, () -> Safetensors.open(f)), f, expectedInMessage);
    }

    static void assertMessage(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message must name the file: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "message must contain '" + p + "': " + m);
        }
    }
}
