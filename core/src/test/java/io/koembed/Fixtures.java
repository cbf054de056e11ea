package io.koembed;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
