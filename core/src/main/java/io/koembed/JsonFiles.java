package io.koembed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a model's JSON files with errors that name the file (and line and column for bad JSON). */
public final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFiles() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The file's top-level JSON object. */
    public static JsonNode readObject(Path file) {
        JsonNode node;
        try {
            node = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw ModelFormatException.in(file, "file not found");
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw ModelFormatException.in(file, "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw ModelFormatException.in(file, "cannot read: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw ModelFormatException.in(file, "expected a JSON object");
        }
        return node;
    }

    /** Like {@link #readObject} but an absent file gives null: for optional configuration files. */
    public static JsonNode readOptionalObject(Path file) {
        return Files.exists(file) ? readObject(file) : null;
    }
}
