package io.koembed.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static io.koembed.weights.SafetensorsTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing the weight file of a model directory, and sharded safetensors (testdata/torch/tiny-xlmr-ko-sharded). */
class CheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SINGLE = Fixtures.model("tiny-xlmr-ko").resolve("model.safetensors");
    private static final Path SHARDED = Fixtures.testdata().resolve("torch").resolve("tiny-xlmr-ko-sharded");

    @TempDir
    Path dir;

    @Test
    void picksTheFirstFileTransformersWouldLoad() throws IOException {
        Path d = Files.createDirectories(dir.resolve("m"));
        Files.writeString(d.resolve(Checkpoint.PYTORCH_INDEX), "not read");
        Files.writeString(d.resolve(Checkpoint.PYTORCH), "not a zip");
        // pytorch_model.bin comes before its index
        assertMessage(assertThrows(ModelFormatException.class, () -> Checkpoint.open(d)),
                d.resolve(Checkpoint.PYTORCH), "not a torch.save zip archive");
        // sharded safetensors before pytorch_model.bin
        Files.writeString(d.resolve(Checkpoint.SAFETENSORS_INDEX), "{}");
        assertMessage(assertThrows(ModelFormatException.class, () -> Checkpoint.open(d)),
                d.resolve(Checkpoint.SAFETENSORS_INDEX), "weight_map");
        // model.safetensors before everything
        Files.copy(SINGLE, d.resolve(Checkpoint.SAFETENSORS));
        try (Checkpoint c = Checkpoint.open(d)) {
            assertInstanceOf(Safetensors.class, c);
        }
    }

    @Test
    void aDirectoryWithoutWeightsSaysWhatWasLookedFor() throws IOException {
        Files.writeString(dir.resolve("tf_model.h5"), "");
        assertMessage(assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir)), dir,
                "no model weights found", Checkpoint.SAFETENSORS, Checkpoint.SAFETENSORS_INDEX, Checkpoint.PYTORCH,
                Checkpoint.PYTORCH_INDEX, "TensorFlow");
    }

    @Test
    void shardedSafetensorsHoldTheSameTensorsAsTheSingleFile() {
        try (Safetensors single = Safetensors.open(SINGLE); Checkpoint sharded = Checkpoint.open(SHARDED);
             Arena arena = Arena.ofConfined()) {
            assertEquals(SHARDED.resolve(Checkpoint.SAFETENSORS_INDEX), sharded.path());
            assertEquals(single.names(), sharded.names());
            for (String name : single.names()) {
                assertEquals(single.info(name).dtype(), sharded.info(name).dtype());
                assertArrayEquals(single.info(name).shape(), sharded.info(name).shape(), name);
                assertEquals(-1, single.bytes(name).mismatch(sharded.bytes(name)), name);
                assertEquals(sharded.bytes(name).address(), sharded.floats(name, arena).address(),
                        "F32 shards are read in place");
                MemorySegment copy = arena.allocate(sharded.info(name).byteSize());
                sharded.copyBytes(name, copy); // read from the shard's file, not its mapping
                assertEquals(-1, single.bytes(name).mismatch(copy), name);
            }
        }
    }

    @Test
    void brokenIndexesNameTheProblem() throws IOException {
        assertIndexRefused(index -> {}, d -> d.resolve("model-00003-of-00003.safetensors").toFile().delete(),
                "shard file model-00003-of-00003.safetensors is missing");
        assertIndexRefused(index -> map(index).put("pooler.dense.bias", "model-00001-of-00003.safetensors"),
                d -> {}, "'pooler.dense.bias' in model-00001-of-00003.safetensors, which does not hold it");
        for (String escaping : new String[]{"../tiny-xlmr-ko/model.safetensors", "/etc/passwd", "a/../../x", ""}) {
            assertIndexRefused(index -> map(index).put("pooler.dense.bias", escaping), d -> {},
                    "'" + escaping + "' is not a file name inside the model directory: refused");
        }
        assertIndexRefused(index -> map(index).put("pooler.dense.bias", 3), d -> {},
                "'pooler.dense.bias' is a NUMBER, expected a shard file name");
        assertIndexRefused(index -> index.remove("weight_map"), d -> {}, "'weight_map' is missing");
    }

    private static ObjectNode map(ObjectNode index) {
        return (ObjectNode) index.get("weight_map");
    }

    /** A copy of the sharded fixture with its index edited and its files changed must fail to open. */
    private void assertIndexRefused(Consumer<ObjectNode> editIndex, Consumer<Path> editFiles, String... parts)
            throws IOException {
        Path d = Files.createTempDirectory(dir, "sharded");
        try (var files = Files.list(SHARDED)) {
            for (Path f : files.toList()) {
                Files.copy(f, d.resolve(f.getFileName()));
            }
        }
        Path index = d.resolve(Checkpoint.SAFETENSORS_INDEX);
        ObjectNode json = (ObjectNode) JSON.readTree(index.toFile());
        editIndex.accept(json);
        Files.writeString(index, json.toString());
        editFiles.accept(d);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Checkpoint.open(d));
        assertMessage(e, index, parts);
        assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
    }
}
