package io.koembed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFilesTest {
    static List<String> lines(String text) {
        return TextFiles.lines("f", text.getBytes(StandardCharsets.UTF_8));
    }

    static String error(byte[] bytes) {
        return assertThrows(TextFileException.class, () -> TextFiles.lines("f", bytes)).getMessage();
    }

    @Test
    void linesEndWhereAPythonTextFileBreaksThem() {
        // Python 3: [l.rstrip("\n") for l in open(f, encoding="utf-8")] on these bytes, and csv.reader with
        // QUOTE_NONE, give the same five lines; str.splitlines() would give nine.
        assertEquals(List.of("a", "b", "c\u000Bd\u2028e\u0085f\u000Cg", "", "h"),
                lines("a\rb\r\nc\u000Bd\u2028e\u0085f\u000Cg\n\nh\r"));
        assertEquals(List.of("no final line end"), lines("no final line end"));
        assertEquals(List.of(), lines(""));
        assertEquals(List.of(""), lines("\n"));
        assertEquals(List.of("", ""), lines("\r\r"));
        assertEquals(List.of("bom dropped", "\uFEFFkept inside"), lines("\uFEFFbom dropped\n\uFEFFkept inside"));
    }

    @Test
    void badBytesAreNamedByLineAndOffset() {
        // a \r \n b \r c \n <0xE9>: the bad byte is at offset 7, on line 4
        byte[] latin1 = {'a', '\r', '\n', 'b', '\r', 'c', '\n', (byte) 0xE9, 'x'};
        assertEquals("f:4: invalid UTF-8 at byte offset 7 (byte 0xE9)", error(latin1));
        // offsets count from the start of the file, byte order mark included; a sequence cut short at the end
        byte[] cut = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'x', (byte) 0xC3};
        assertEquals("f:1: invalid UTF-8 at byte offset 4 (byte 0xC3)", error(cut));
        // a UTF-16 surrogate written as UTF-8 (CESU-8) is not UTF-8, as in Python
        byte[] surrogate = {'o', 'k', '\n', (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        assertEquals("f:2: invalid UTF-8 at byte offset 3 (byte 0xED)", error(surrogate));
    }

    @Test
    void missingFile(@TempDir Path tmp) {
        Path none = tmp.resolve("none.txt");
        TextFileException e = assertThrows(TextFileException.class, () -> TextFiles.lines(none));
        assertEquals(none + ": file not found", e.getMessage());
    }
}
