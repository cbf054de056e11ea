package io.koembed.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the texts a command works on: a {@code .txt} file (one text per line) or a {@code .jsonl} file (one
 * JSON string per line, so a text may hold newlines and tabs); {@code -} is standard input. Input must be
 * valid UTF-8: a bad byte is an error naming the file, line and byte offset, never a silent U+FFFD.
 */
final class TextInput {
    enum Format { TXT, JSONL }

    private static final ObjectMapper JSON = new ObjectMapper();

    private TextInput() {}

    /** The format of a path: by extension, or {@code fallback} for standard input and other names. */
    static Format formatOf(String path, Format explicit) {
        if (explicit != null) {
            return explicit;
        }
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        return Format.TXT;
    }

    static List<String> read(String path, Format explicit) throws IOException {
        byte[] bytes;
        String name;
        if (path.equals("-")) {
            bytes = readAll(System.in);
            name = "<stdin>";
        } else {
            try {
                bytes = Files.readAllBytes(Path.of(path));
            } catch (NoSuchFileException e) {
                throw new InputError(path + ": file not found");
            }
            name = path;
        }
        return parse(name, bytes, formatOf(path, explicit));
    }

    static List<String> parse(String name, byte[] bytes, Format format) {
        List<String> lines = splitLines(name, bytes);
        if (format == Format.TXT) {
            return lines;
        }
        List<String> texts = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                throw new InputError(name + ":" + (i + 1) + ": empty line (a .jsonl input holds one JSON string per line; write \"\" for an empty text)");
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new InputError(name + ":" + (i + 1) + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isTextual()) {
                throw new InputError(name + ":" + (i + 1) + ": expected a JSON string, found "
                        + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
            }
            texts.add(node.asText());
        }
        return texts;
    }

    /**
     * Splits on \n, \r\n and \r (Python's universal newlines, as sentence-transformers users read files),
     * decoding each line strictly; a final line break does not start another text.
     */
    private static List<String> splitLines(String name, byte[] bytes) {
        List<String> lines = new ArrayList<>();
        boolean bom = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF;
        int pos = bom ? 3 : 0; // a UTF-8 byte order mark is not part of the first text
        while (pos < bytes.length) {
            int eol = pos;
            while (eol < bytes.length && bytes[eol] != '\n' && bytes[eol] != '\r') {
                eol++;
            }
            lines.add(decodeStrict(name, lines.size() + 1, bytes, pos, eol));
            if (eol == bytes.length) {
                break;
            }
            pos = eol + (bytes[eol] == '\r' && eol + 1 < bytes.length && bytes[eol + 1] == '\n' ? 2 : 1);
        }
        return lines;
    }

    private static String decodeStrict(String name, int lineNumber, byte[] bytes, int from, int to) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            throw new InputError(name + ":" + lineNumber + ": invalid UTF-8 at byte offset " + bad
                    + " (byte 0x" + String.format("%02X", bytes[bad] & 0xFF) + ")");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
