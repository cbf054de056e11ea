package io.koembed.cli;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a command writes its results: stdout, or a file that appears only when complete (written beside it
 * and moved into place), so a failure never leaves a half-written file or clobbers an existing one. The file gets
 * the permissions a plain new file gets under the umask, or keeps those of the file it replaces, as a shell
 * redirect would.
 */
final class Output implements AutoCloseable {
    private final Writer writer;
    private final OutputStream stream;
    private final Path target;
    private final Path temp;
    private boolean committed;

    private Output(Writer writer, OutputStream stream, Path target, Path temp) {
        this.writer = writer;
        this.stream = stream;
        this.target = target;
        this.temp = temp;
    }

    /** The file, or stdout when it is null or "-". */
    static Output open(Path file, PrintWriter stdout) throws IOException {
        if (file == null || file.toString().equals("-")) {
            return new Output(stdout, null, null, null);
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: its files are private (0600), and the result is not a temporary file.
        Path temp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".part");
        OutputStream stream = new BufferedOutputStream(
                Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16);
        return new Output(new OutputStreamWriter(stream, StandardCharsets.UTF_8), stream, file, temp);
    }

    /** Writes a whole file at once; it appears only when complete. */
    static void write(Path file, byte[] bytes) throws IOException {
        try (Output out = open(file, null)) {
            out.stream.write(bytes);
            out.commit();
        }
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
            keepPermissions(target, temp);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.deleteIfExists(temp);
        }
    }

    /** A file that is replaced keeps its permissions (where the file system has POSIX ones). */
    private static void keepPermissions(Path target, Path temp) throws IOException {
        if (Files.exists(target) && Files.getFileAttributeView(target, PosixFileAttributeView.class) != null) {
            Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
        }
    }
}
