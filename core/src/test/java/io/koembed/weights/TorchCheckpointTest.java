package io.koembed.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.koembed.weights.SafetensorsTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * pytorch_model.bin files written by torch.save (torch 1.13) and by hand (testdata/torch/make_bins.py), against the
 * values torch itself reads from them (the .json files beside them).
 */
class TorchCheckpointTest {
    private static final Path TORCH = Fixtures.testdata().resolve("torch");
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    /** Every tensor of {@code checkpoint} has the shape and values torch gives in {@code expectedJson}. */
    static void assertMatchesTorch(Checkpoint checkpoint, Path expectedJson) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(expectedJson.toFile());
        assertEquals(new TreeSet<>(names(expected.fieldNames())), new TreeSet<>(checkpoint.names()));
        for (var e : expected.properties()) {
            String name = e.getKey();
            JsonNode t = e.getValue();
            TensorInfo info = checkpoint.info(name);
            assertArrayEquals(longs(t.get("shape")), info.shape(), name);
            JsonNode values = t.get("values");
            if (info.dtype().isFloat()) {
                float[] want = new float[values.size()];
                for (int i = 0; i < want.length; i++) {
                    want[i] = (float) values.get(i).asDouble();
                }
                assertArrayEquals(want, checkpoint.readFloats(name), name);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment f = checkpoint.floats(name, arena);
                    assertEquals(want.length * 4L, f.byteSize(), name);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], f.getAtIndex(Checkpoint.F32_LE, i), name + "[" + i + "]");
                    }
                }
            } else if (info.dtype() == DType.I64) {
                MemorySegment b = checkpoint.bytes(name);
                for (int i = 0; i < values.size(); i++) {
                    assertEquals(values.get(i).asLong(), b.getAtIndex(I64_LE, i), name + "[" + i + "]");
                }
            }
        }
    }

    private static List<String> names(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }

    // ------------------------------------------------------------------ files torch.save wrote

    @Test
    void readsFloat32HalfBfloat16DoubleAndInt64AsTorchDoes() throws IOException {
        Path f = TORCH.resolve("dtypes.bin");
        try (Checkpoint c = TorchCheckpoint.open(f)) {
            assertEquals(DType.F16, c.info("f16").dtype());
            assertEquals(DType.BF16, c.info("bf16").dtype());
            assertEquals(DType.F64, c.info("f64").dtype());
            assertMatchesTorch(c, TORCH.resolve("dtypes.json"));
            assertMessage(assertThrows(ModelFormatException.class, () -> c.readFloats("position_ids")), f,
                    "position_ids", "I64");
            assertMessage(assertThrows(ModelFormatException.class, () -> c.info("nope")), f, "nope");
        }
    }

    @Test
    void stridedViewsSharedStoragesAndOffsetsReadAsTorchDoes() throws IOException {
        try (Checkpoint c = TorchCheckpoint.open(TORCH.resolve("views.bin"))) {
            assertMatchesTorch(c, TORCH.resolve("views.json"));
            // the three shared_* tensors are views of one storage, read once: contiguous ones are slices of it
            MemorySegment whole = c.bytes("shared_whole");
            assertEquals(whole.address(), c.bytes("shared_head").address());
            assertEquals(whole.address() + 4 * 4, c.bytes("shared_tail").address());
            try (Arena arena = Arena.ofConfined()) {
                assertEquals(whole.address(), c.floats("shared_whole", arena).address(), "F32 is not copied again");
            }
        }
    }

    @Test
    void bigEndianArchivesAreSwapped() throws IOException {
        try (Checkpoint c = TorchCheckpoint.open(TORCH.resolve("archive-bigendian.bin"))) {
            assertMatchesTorch(c, TORCH.resolve("views.json"));
        }
    }

    @Test
    void shardedPytorchCheckpointsOpenThroughTheirIndex() throws IOException {
        try (Checkpoint c = Checkpoint.open(TORCH.resolve("sharded-bin"))) {
            assertEquals(TORCH.resolve("sharded-bin").resolve(Checkpoint.PYTORCH_INDEX), c.path());
            assertMatchesTorch(c, TORCH.resolve("sharded-bin.json"));
        }
    }

    // ------------------------------------------------------------------ hostile pickles

    @Test
    void picklesThatWouldRunCodeAreRefusedWithoutRunningIt() throws IOException {
        Path canary = Path.of("/tmp/koembed-pickle-was-executed"); // what each hostile pickle would create
        Files.deleteIfExists(canary);
        Path system = TORCH.resolve("hostile-system.bin");
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(system)), system,
                "archive/data.pkl", "posix.system", "refused");
        Path inst = TORCH.resolve("hostile-inst.bin");
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(inst)), inst,
                "opcode INST", "refused");
        Path stackGlobal = TORCH.resolve("hostile-stack-global.bin");
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(stackGlobal)),
                stackGlobal, "builtins.eval", "refused");
        assertFalse(Files.exists(canary));
    }

    @Test
    void onlyStateDictShapesOfDataAreAccepted() throws IOException {
        // {'a': 1}: a dict, but not of tensors (a training checkpoint would look like this)
        Path notTensor = zip("not-tensor.bin", pickle("}(X\u0001\u0000\u0000\u0000aK\u0001u."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(notTensor)), notTensor,
                "entry 'a' holds an int, not a tensor", "state dict");
        // a storage type called as a function
        Path called = zip("called.bin", pickle("ctorch\nFloatStorage\n)R."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(called)), called,
                "REDUCE", "torch.FloatStorage", "refused");
        // BUILD on something other than an OrderedDict: how pickles set attributes of arbitrary objects
        Path build = zip("build.bin", pickle("]}b."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(build)), build,
                "BUILD", "list", "refused");
        // a list as a dict key (Python refuses it as unhashable); a list that holds itself is harmless data
        Path listKey = zip("list-key.bin", pickle("}]K\u0001s."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(listKey)), listKey,
                "dict key that is a list");
        Path selfList = zip("self-list.bin", pickle("]q\u0000h\u0000a."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(selfList)), selfList,
                "holds a list, not a state dict");
        Path noStop = zip("no-stop.bin", pickle("}"));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(noStop)), noStop,
                "without STOP");
        Path textPersistentId = zip("persid.bin", pickle("P0\n."));
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(textPersistentId)),
                textPersistentId, "PERSID", "refused");
    }

    // ------------------------------------------------------------------ broken and unsupported files

    @Test
    void brokenArchivesNameTheProblem() {
        assertRefused("broken-truncated.bin", "not a readable zip archive");
        assertRefused("broken-missing-storage.bin", "data/1", "lacks");
        assertRefused("broken-unknown-opcode.bin", "0xff", "not a pickle opcode");
        assertRefused("broken-storage-too-small.bin", "shape [4, 4]", "reaches element 15", "only 8 elements");
        assertRefused("broken-short-record.bin", "archive/data/0 holds 30 bytes", "8 F32 elements (32 bytes)");
        assertRefused("legacy.bin", "legacy format", "PyTorch before 1.6");
    }

    @Test
    void notAZipOrNotThere() throws IOException {
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(empty)), empty,
                "not a torch.save zip archive");
        Path absent = dir.resolve("absent.bin");
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(absent)), absent,
                "not found");
        Path otherZip = zip("other.zip", new String[]{"readme.txt", "hello"});
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(otherZip)), otherZip,
                "without <folder>/data.pkl");
    }

    private void assertRefused(String file, String... parts) {
        Path f = TORCH.resolve(file);
        assertMessage(assertThrows(ModelFormatException.class, () -> TorchCheckpoint.open(f)), f, parts);
    }

    /** A protocol-2 pickle from opcodes written as Latin-1 characters. */
    private static String[] pickle(String opcodes) {
        return new String[]{"archive/data.pkl", "\u0080\u0002" + opcodes};
    }

    /** A zip of stored records, name then content (Latin-1), as torch.save writes them. */
    private Path zip(String name, String... records) throws IOException {
        Path f = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(out)) {
            for (int i = 0; i < records.length; i += 2) {
                byte[] data = records[i + 1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                ZipEntry e = new ZipEntry(records[i]);
                e.setMethod(ZipEntry.STORED);
                e.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(data);
                z.closeEntry();
            }
        }
        return f;
    }
}
