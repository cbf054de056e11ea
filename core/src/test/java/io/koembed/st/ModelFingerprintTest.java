package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.ModelFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFingerprintTest {
    static final Path MODEL = Path.of(System.getProperty("koembed.testdata", "../testdata"))
            .resolve("fixtures/tiny-xlmr-ko");

    @TempDir
    Path tmp;

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x01);
        }
    }

    @Test
    void stableAcrossCopiesAndSensitiveToWeightsAndConfig() throws IOException {
        String original = ModelFingerprint.of(MODEL);
        assertTrue(original.matches("sha256:[0-9a-f]{64}"), original);
        assertEquals(original, ModelFingerprint.of(MODEL));
        Path copy = tmp.resolve("copy");
        copyTree(MODEL, copy);
        assertEquals(original, ModelFingerprint.of(copy), "a copy is the same model");

        Path weights = copy.resolve("model.safetensors");
        flipByte(weights, Files.size(weights) - 3); // one bit of the last weight
        assertNotEquals(original, ModelFingerprint.of(copy), "changed weights");

        Path pooling = tmp.resolve("pooling");
        copyTree(MODEL, pooling);
        Path poolingConfig = pooling.resolve("1_Pooling/config.json");
        // the pooling folder has no files of the fingerprinted kinds except config.json
        Files.writeString(poolingConfig, Files.readString(poolingConfig).replace("\"pooling_mode_cls_token\": false",
                "\"pooling_mode_cls_token\": true"));
        assertNotEquals(original, ModelFingerprint.of(pooling), "changed pooling");
    }

    @Test
    void pytorchModelBinAndShardsAreFingerprintedToo() throws IOException {
        Path torch = io.koembed.Fixtures.testdata().resolve("torch");
        for (String[] weights : new String[][]{{"tiny-xlmr-ko", "pytorch_model.bin"},
                {"tiny-xlmr-ko-sharded", "model-00003-of-00003.safetensors"}}) {
            Path copy = tmp.resolve(weights[0]);
            copyTree(MODEL, copy);
            Files.delete(copy.resolve("model.safetensors"));
            copyTree(torch.resolve(weights[0]), copy);
            String before = ModelFingerprint.of(copy);
            assertNotEquals(ModelFingerprint.of(MODEL), before, weights[0]);
            Path file = copy.resolve(weights[1]);
            flipByte(file, Files.size(file) / 2);
            assertNotEquals(before, ModelFingerprint.of(copy), "a changed weight in " + weights[1]);
        }
    }

    @Test
    void largeSafetensorsAreSampled() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("big"));
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2621440],\"data_offsets\":[0,10485760]}}"
                .getBytes(StandardCharsets.US_ASCII);
        Path st = dir.resolve("model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(st.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            f.write(header);
            f.setLength(8 + header.length + 10_485_760L);
        }
        String a = ModelFingerprint.of(dir);
        flipByte(st, 8 + header.length); // first data byte: inside the first sample
        String b = ModelFingerprint.of(dir);
        assertNotEquals(a, b);
        flipByte(st, Files.size(st) - 1); // last data byte: inside the last sample
        assertNotEquals(b, ModelFingerprint.of(dir));
    }

    @Test
    void refusesNonModels() throws IOException {
        assertThrows(ModelFormatException.class, () -> ModelFingerprint.of(tmp.resolve("absent")));
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.write(dir.resolve("model.safetensors"), new byte[] {(byte) 0xFF, 1, 2, 3, 4, 5, 6, 7, 8});
        assertThrows(ModelFormatException.class, () -> ModelFingerprint.of(dir));
    }
}
