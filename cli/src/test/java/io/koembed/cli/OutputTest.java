package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --output} files get the permissions of any new file, or keep those of the file they replace (POSIX). */
class OutputTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    }

    @Test
    void aNewFileHasThePermissionsOfAPlainNewFile() throws IOException {
        Path plain = Files.createFile(tmp.resolve("plain.txt")); // 0666 less the umask
        Path out = tmp.resolve("out.jsonl");
        try (Output o = Output.open(out, null)) {
            o.writer().write("{}\n");
            o.commit();
        }
        assertEquals("{}\n", Files.readString(out));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out));
        try (Stream<Path> files = Files.list(tmp)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".part")), "no temporary file left");
        }
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Path out = tmp.resolve("out.png");
        Files.writeString(out, "old");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
        Output.write(out, new byte[] {1, 2, 3});
        assertEquals(3, Files.size(out));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }
}
