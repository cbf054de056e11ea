package io.koembed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one place a model's JSON files are read: one {@link ObjectMapper}, and errors that name the file (and the
 * line and column for bad JSON) as {@link ModelFormatException}s.
 */
public final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFiles() {}

    /** The shared mapper, for JSON that is not read from a file of its own (e.g. a safetensors header). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * The file's top-level JSON value, of any kind (object, array, ...).
     *
     * @throws ModelFormatException "FILE: file not found", "FILE: not valid JSON at line L, column C: ...",
     *                              "FILE: empty file" or "FILE: cannot read: ..."
     */
    public static JsonNode readTree(Path file) {
        JsonNode node;
        try {
            node = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw ModelFormatException.in(file, "file not found", e);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw ModelFormatException.in(file, "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw ModelFormatException.in(file, "cannot read: " + e, e);
        }
        if (node == null || node.isMissingNode()) {
            throw ModelFormatException.in(file, "empty file");
        }
        return node;
    }

    /** The file's top-level JSON object: {@link #readTree}, and anything but an object is an error. */
    public static JsonNode readObject(Path file) {
        JsonNode node = readTree(file);
        if (!node.isObject()) {
            throw ModelFormatException.in(file, "expected a JSON object, found "
                    + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return node;
    }

    /** Like {@link #readObject} but an absent file gives null: for optional configuration files. */
    public static JsonNode readOptionalObject(Path file) {
        return Files.exists(file) ? readObject(file) : null;
    }
}
