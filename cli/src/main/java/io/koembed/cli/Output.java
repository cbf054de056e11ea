package io.koembed.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a command writes its results: stdout, or a file that appears only when complete (written beside it
 * and moved into place), so a failure never leaves a half-written file or clobbers an existing one.
 */
final class Output implements AutoCloseable {
    private final Writer writer;
    private final Path target;
    private final Path temp;
    private boolean committed;

    private Output(Writer writer, Path target, Path temp) {
        this.writer = writer;
        this.target = target;
        this.temp = temp;
    }

    static Output open(Path file, PrintWriter stdout) throws IOException {
        if (file == null || file.toString().equals("-")) {
            return new Output(stdout, null, null);
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".part");
        Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(temp), StandardCharsets.UTF_8),
                1 << 16);
        return new Output(w, file, temp);
    }

    Writer writer() {
        return writer;
    }

    /** Marks the output complete: the file is moved into place on close. */
    void commit() {
        committed = true;
    }

    @Override
    public void close() throws IOException {
        writer.flush();
        if (target == null) {
            return;
        }
        writer.close();
        if (committed) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.deleteIfExists(temp);
        }
    }
}
