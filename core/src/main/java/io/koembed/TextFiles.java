package io.koembed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way KoEmbed reads text files: texts to embed, corpora, STS and classification data.
 *
 * <ul>
 *   <li>Strict UTF-8: a byte sequence that is not UTF-8 is an error naming the file, the line and the byte offset
 *       from the start of the file ({@code "in.txt:2: invalid UTF-8 at byte offset 4 (byte 0xE9)"}), never a
 *       silent U+FFFD. A byte order mark (EF BB BF) at the start is dropped.</li>
 *   <li>Lines end at LF, CRLF or a lone CR: the line ends of a file opened in text mode in Python
 *       ({@code for line in open(f)}, and the {@code csv} module's reader, which the data sets' parsing note
 *       names) and of Java's {@code BufferedReader}. A final line end does not start another line. The other
 *       characters Python's {@code str.splitlines()} also breaks at (U+000B, U+000C, U+001C to U+001E, U+0085,
 *       U+2028, U+2029) stay inside a line, as they do when a file is read line by line.</li>
 * </ul>
 */
public final class TextFiles {
    private TextFiles() {}

    /** The lines of a file, by the rules above. */
    public static List<String> lines(Path file) {
        return lines(file.toString(), read(file));
    }

    /** The lines of {@code bytes} read from {@code name} (a path, or e.g. {@code <stdin>} for error messages). */
    public static List<String> lines(String name, byte[] bytes) {
        String text = text(name, bytes);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    /** The whole text of {@code bytes} (for formats that are not line by line, such as a JSON document). */
    public static String text(String name, byte[] bytes) {
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length - start); // UTF-8 never gives more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position(); // the decoder stops at the first byte of the bad sequence
            throw new TextFileException(name + ":" + lineAt(bytes, start, bad), String.format(
                    "invalid UTF-8 at byte offset %d (byte 0x%02X)", bad, bytes[bad] & 0xFF));
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** A file's bytes; a missing or unreadable file is a {@link TextFileException} naming it. */
    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TextFileException(file.toString(), "file not found");
        } catch (IOException e) {
            throw new TextFileException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    /** The 1-based line that byte {@code offset} is on. CR and LF never occur inside a UTF-8 sequence. */
    private static long lineAt(byte[] bytes, int from, int offset) {
        long line = 1;
        for (int i = from; i < offset; i++) {
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
                line++;
            }
        }
        return line;
    }
}
