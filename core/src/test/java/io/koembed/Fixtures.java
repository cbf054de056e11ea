package io.koembed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where the tests find the fixture models and their expected outputs (the repository's testdata/ folder). */
public final class Fixtures {
    private Fixtures() {}

    public static Path testdata() {
        String dir = System.getProperty("koembed.testdata");
        Path p = dir != null ? Path.of(dir) : Path.of("../testdata");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("testdata folder not found at " + p.toAbsolutePath());
        }
        return p;
    }

    /** A fixture model directory, e.g. {@code model("tiny-xlmr-ko")}. */
    public static Path model(String name) {
        return testdata().resolve("fixtures").resolve(name);
    }

    /** The expected outputs of a fixture model, e.g. {@code expected("tiny-xlmr-ko")}. */
    public static Path expected(String name) {
        return testdata().resolve("fixtures").resolve(name + "-expected");
    }

    /** Copies fixture model {@code name} into {@code target} (created), leaving out the files named in {@code except}. */
    public static Path copyModel(String name, Path target, String... except) {
        Path source = model(name);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path to = target.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else if (!java.util.List.of(except).contains(f.getFileName().toString())) {
                    Files.copy(f, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }
}
