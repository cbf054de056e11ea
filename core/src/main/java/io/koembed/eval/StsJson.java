package io.koembed.eval;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The two JSON layouts: JSON Lines, one {@code {"sentence1", "sentence2", "score"}} object a line, and KLUE-STS,
 * one array of {@code {sentence1, sentence2, labels: {label}}} objects read as a stream (errors name the line of
 * the item).
 */
final class StsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StsJson() {}

    static void parseLines(Path file, List<String> lines, StsPairs into) {
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (line.isBlank()) {
                throw StsDataException.at(file, lineNo, "empty line (expected one JSON object a line)");
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw StsDataException.at(file, lineNo, "not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw StsDataException.at(file, lineNo, "expected a JSON object {\"sentence1\":...,"
                        + "\"sentence2\":...,\"score\":...}");
            }
            into.add(text(file, lineNo, node, "sentence1", ""), text(file, lineNo, node, "sentence2", ""),
                    number(file, lineNo, node.get("score"), "", "score"));
        }
    }

    static void parseKlue(Path file, String text, StsPairs into) {
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_ARRAY) {
                throw StsDataException.at(file, line(p.currentTokenLocation()),
                        "expected a JSON array of {sentence1, sentence2, labels: {label}} objects (KLUE-STS)");
            }
            int index = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    throw StsDataException.in(file, "JSON array not closed");
                }
                long lineNo = line(p.currentTokenLocation());
                JsonNode item = p.readValueAsTree();
                String where = "item " + index;
                if (item == null || !item.isObject()) {
                    throw StsDataException.at(file, lineNo, where + ": expected a JSON object");
                }
                if (item.hasNonNull("guid")) {
                    where += " (" + item.get("guid").asText() + ")";
                }
                JsonNode labels = item.get("labels");
                if (labels == null || !labels.isObject()) {
                    throw StsDataException.at(file, lineNo, where + ": missing \"labels\": {\"label\": score}");
                }
                into.add(text(file, lineNo, item, "sentence1", where + ": "),
                        text(file, lineNo, item, "sentence2", where + ": "),
                        number(file, lineNo, labels.get("label"), where + ": ", "labels.label"));
                index++;
            }
            if (p.nextToken() != null) {
                throw StsDataException.at(file, line(p.currentTokenLocation()), "unexpected content after the JSON array");
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw StsDataException.at(file, loc == null ? 0 : loc.getLineNr(), "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw StsDataException.in(file, "cannot read: " + e.getMessage());
        }
    }

    private static long line(JsonLocation loc) {
        return loc == null ? 0 : loc.getLineNr();
    }

    private static String text(Path file, long lineNo, JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw StsDataException.at(file, lineNo, prefix + "missing \"" + field + "\"");
        }
        if (!v.isTextual()) {
            throw StsDataException.at(file, lineNo, prefix + "\"" + field + "\" is not a string");
        }
        return v.asText();
    }

    /** A score given as a JSON number, or as a string holding a decimal number (as {@link StsPairs#score}). */
    private static double number(Path file, long lineNo, JsonNode v, String prefix, String field) {
        if (v == null || v.isNull()) {
            throw StsDataException.at(file, lineNo, prefix + "missing \"" + field + "\"");
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            return StsPairs.score(file, lineNo, v.asText());
        }
        throw StsDataException.at(file, lineNo, prefix + "\"" + field + "\" is not a number: "
                + StsPairs.abbreviate(v.toString()));
    }
}
