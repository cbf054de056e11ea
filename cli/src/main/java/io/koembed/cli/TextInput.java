package io.koembed.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the texts a command works on: a {@code .txt} file (one text per line) or a {@code .jsonl} file (one
 * JSON string per line, so a text may hold newlines and tabs); {@code -} is standard input. Lines and UTF-8 are
 * read as {@link TextFiles} reads every text file: a bad byte is an error naming the file, line and byte offset.
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
        if (path.equals("-")) {
            return parse("<stdin>", System.in.readAllBytes(), formatOf(path, explicit));
        }
        return parse(path, TextFiles.read(Path.of(path)), formatOf(path, explicit));
    }

    static List<String> parse(String name, byte[] bytes, Format format) {
        List<String> lines = TextFiles.lines(name, bytes);
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
}
