package io.koembed.classify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.TextFileException;
import io.koembed.TextFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads classification data. Errors name the file and line ({@link DataFormatException}).
 * <ul>
 *   <li>{@link Format#KORNLI}: KorNLI's TSV (e.g. {@code xnli.dev.ko.tsv}): the header
 *       {@code sentence1<TAB>sentence2<TAB>gold_label}, then one pair per line, split on tabs with no quote
 *       handling (the sentences hold literal {@code "}).</li>
 *   <li>{@link Format#JSONL}: one JSON object per line, {@code {"text": ..., "label": ...}} for single texts or
 *       {@code {"sentence1": ..., "sentence2": ..., "label": ...}} for pairs; every line of a file the same kind.
 *       The label may be a string, number or boolean (kept as written); other fields are ignored.</li>
 *   <li>{@link Format#TXT}: one text per line, no labels (for prediction).</li>
 * </ul>
 * Text is read as {@link TextFiles} reads every text file: strict UTF-8, lines ending at LF, CRLF or a lone CR.
 */
public final class LabeledData {
    public enum Format { KORNLI, JSONL, TXT }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KORNLI_HEADER = "sentence1\tsentence2\tgold_label";

    private LabeledData() {}

    /** The format a file name implies ({@code .tsv}, {@code .jsonl}/{@code .ndjson}, {@code .txt}), unless given. */
    public static Format formatOf(String name, Format explicit) {
        if (explicit != null) {
            return explicit;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".tsv")) {
            return Format.KORNLI;
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        if (lower.endsWith(".txt")) {
            return Format.TXT;
        }
        throw new IllegalArgumentException(name + ": cannot tell the format from the file name (.tsv for KorNLI, "
                + ".jsonl, .txt); give it explicitly");
    }

    public static List<LabeledExample> read(Path file, Format format) throws IOException {
        return parse(file.toString(), Files.readAllBytes(file), format);
    }

    public static List<LabeledExample> parse(String name, byte[] bytes, Format format) {
        List<String> lines;
        try {
            lines = TextFiles.lines(name, bytes);
        } catch (TextFileException e) {
            throw new DataFormatException(e);
        }
        return switch (format) {
            case KORNLI -> kornli(name, lines);
            case JSONL -> jsonl(name, lines);
            case TXT -> {
                List<LabeledExample> out = new ArrayList<>(lines.size());
                for (int i = 0; i < lines.size(); i++) {
                    out.add(new LabeledExample(lines.get(i), null, null, name + ":" + (i + 1)));
                }
                yield out;
            }
        };
    }

    private static List<LabeledExample> kornli(String name, List<String> lines) {
        if (lines.isEmpty()) {
            throw new DataFormatException(name + ":1", "empty file; expected the KorNLI header " + show(KORNLI_HEADER));
        }
        if (!lines.getFirst().equals(KORNLI_HEADER)) {
            throw new DataFormatException(name + ":1", "expected the KorNLI header " + show(KORNLI_HEADER)
                    + ", found " + show(abbreviate(lines.getFirst())));
        }
        List<LabeledExample> out = new ArrayList<>(lines.size() - 1);
        for (int i = 1; i < lines.size(); i++) {
            String where = name + ":" + (i + 1);
            String line = lines.get(i);
            if (line.isEmpty()) {
                throw new DataFormatException(where, "empty line");
            }
            String[] fields = line.split("\t", -1);
            if (fields.length != 3) {
                throw new DataFormatException(where, "expected 3 tab-separated fields (sentence1, sentence2, "
                        + "gold_label), found " + fields.length);
            }
            if (fields[2].isEmpty()) {
                throw new DataFormatException(where, "empty gold_label");
            }
            out.add(new LabeledExample(fields[0], fields[1], fields[2], where));
        }
        return out;
    }

    private static List<LabeledExample> jsonl(String name, List<String> lines) {
        List<LabeledExample> out = new ArrayList<>(lines.size());
        Boolean pairs = null;
        for (int i = 0; i < lines.size(); i++) {
            String where = name + ":" + (i + 1);
            String line = lines.get(i);
            if (line.isBlank()) {
                throw new DataFormatException(where, "empty line (each line must be one JSON object)");
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DataFormatException(where, "not valid JSON: " + e.getOriginalMessage());
            }
            if (node == null || !node.isObject()) {
                throw new DataFormatException(where, "expected a JSON object {\"text\": ..., \"label\": ...} or "
                        + "{\"sentence1\": ..., \"sentence2\": ..., \"label\": ...}");
            }
            boolean single = node.has("text");
            boolean pair = node.has("sentence1") || node.has("sentence2");
            if (single == pair) {
                throw new DataFormatException(where, single ? "has both \"text\" and \"sentence1\"/\"sentence2\""
                        : "needs \"text\" or \"sentence1\" and \"sentence2\"");
            }
            if (pairs != null && pairs != pair) {
                throw new DataFormatException(where, "mixes single texts and sentence pairs: earlier lines hold "
                        + (pairs ? "pairs" : "single texts"));
            }
            pairs = pair;
            String label = label(where, node.get("label"));
            if (pair) {
                out.add(new LabeledExample(string(where, node, "sentence1"), string(where, node, "sentence2"), label,
                        where));
            } else {
                out.add(new LabeledExample(string(where, node, "text"), null, label, where));
            }
        }
        return out;
    }

    private static String string(String where, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null) {
            throw new DataFormatException(where, "missing \"" + field + "\"");
        }
        if (!v.isTextual()) {
            throw new DataFormatException(where, "\"" + field + "\" must be a string, found "
                    + v.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        return v.asText();
    }

    private static String label(String where, JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() || v.isNumber() || v.isBoolean()) {
            String s = v.asText();
            if (s.isEmpty()) {
                throw new DataFormatException(where, "empty \"label\"");
            }
            return s;
        }
        throw new DataFormatException(where, "\"label\" must be a string, number or boolean, found "
                + v.getNodeType().toString().toLowerCase(Locale.ROOT));
    }

    private static String show(String s) {
        return "\"" + s.replace("\t", "\\t") + "\"";
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
