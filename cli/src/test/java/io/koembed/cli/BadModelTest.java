package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broken model directory, as a user meets it on the command line: exit code 1 and one line on stderr naming
 * the file and what is wrong; never a stack trace.
 */
class BadModelTest {

    @TempDir
    Path tmp;

    /** A copy of the fixture model with one change applied. */
    private Path brokenCopy(Consumer<Path> breakIt) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "model");
        try (Stream<Path> files = Files.walk(MODEL)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = dir.resolve(MODEL.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        breakIt.accept(dir);
        return dir;
    }

    private void assertFailsNaming(Path model, String... parts) throws IOException {
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "한 남자가 기타를 치고 있다.\n");
        CliTestSupport.Result r = CliTestSupport.run("encode", "--model", model.toString(), "--input", input.toString());
        assertEquals(1, r.code(), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "stderr lacks '" + part + "': " + r.err());
        }
        assertTrue(r.err().startsWith("koembed: error: "), r.err());
        assertFalse(r.err().contains("\tat "), "stack trace on stderr: " + r.err());
        assertEquals("", r.out());
    }

    private static void write(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void replaceIn(Path p, String from, String to) {
        String s = new String(read(p), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(s.contains(from), p + " lacks " + from);
        write(p, s.replace(from, to).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void truncatedSafetensors() throws IOException {
        Path m = brokenCopy(d -> {
            byte[] b = read(d.resolve("model.safetensors"));
            write(d.resolve("model.safetensors"), java.util.Arrays.copyOf(b, b.length / 2));
        });
        assertFailsNaming(m, "model.safetensors");
    }

    @Test
    void safetensorsHeaderLongerThanTheFile() throws IOException {
        Path m = brokenCopy(d -> {
            byte[] b = read(d.resolve("model.safetensors"));
            b[0] = (byte) 0xFF;
            b[1] = (byte) 0xFF;
            b[2] = (byte) 0xFF;
            write(d.resolve("model.safetensors"), b);
        });
        assertFailsNaming(m, "model.safetensors", "header");
    }

    @Test
    void missingWeights() throws IOException {
        Path m = brokenCopy(d -> write(d.resolve("model.safetensors"), new byte[0]));
        assertFailsNaming(m, "model.safetensors");
        Path gone = brokenCopy(d -> d.resolve("model.safetensors").toFile().delete());
        assertFailsNaming(gone, "model.safetensors");
    }

    @Test
    void unknownModelType() throws IOException {
        Path m = brokenCopy(d -> replaceIn(d.resolve("config.json"), "\"xlm-roberta\"", "\"gpt2\""));
        assertFailsNaming(m, "config.json", "model_type", "gpt2");
    }

    @Test
    void weightsOfTheWrongShapeForTheConfig() throws IOException {
        Path m = brokenCopy(d -> replaceIn(d.resolve("config.json"), "\"intermediate_size\": 128",
                "\"intermediate_size\": 256"));
        assertFailsNaming(m, "model.safetensors", "intermediate");
    }

    @Test
    void noTokenizer() throws IOException {
        Path m = brokenCopy(d -> {
            d.resolve("tokenizer.json").toFile().delete();
            d.resolve("sentencepiece.bpe.model").toFile().delete();
        });
        assertFailsNaming(m, "tokenizer.json", "sentencepiece.bpe.model");
    }

    @Test
    void corruptTokenizerJson() throws IOException {
        Path m = brokenCopy(d -> write(d.resolve("tokenizer.json"), "{\"model\": ".getBytes()));
        assertFailsNaming(m, "tokenizer.json");
    }

    @Test
    void aBrokenTokenizerIsReportedBeforeBrokenWeights() throws IOException {
        // the two load side by side; the report is the one the tokenizer's load gives, as when they loaded in turn
        Path m = brokenCopy(d -> {
            write(d.resolve("tokenizer.json"), "{\"model\": ".getBytes());
            byte[] b = read(d.resolve("model.safetensors"));
            write(d.resolve("model.safetensors"), java.util.Arrays.copyOf(b, b.length / 2));
        });
        assertFailsNaming(m, "tokenizer.json");
        CliTestSupport.Result r = CliTestSupport.run("encode", "--model", m.toString(), "--input",
                tmp.resolve("in.txt").toString());
        assertFalse(r.err().contains("model.safetensors"), r.err());
    }

    @Test
    void corruptModulesAndPoolingConfig() throws IOException {
        Path modules = brokenCopy(d -> write(d.resolve("modules.json"), "[{\"idx\": 0}]".getBytes()));
        assertFailsNaming(modules, "modules.json");
        Path pooling = brokenCopy(d -> write(d.resolve("1_Pooling/config.json"), "{}".getBytes()));
        assertFailsNaming(pooling, "1_Pooling", "word_embedding_dimension");
    }
}
