package io.koembed.eval;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An STS evaluation set: sentence pairs with a gold similarity score each, in file order.
 *
 * <p>Scores are kept exactly as the file gives them (KorSTS, STS-B and KLUE-STS: 0 to 5). sentence-transformers'
 * evaluator also takes the gold scores as given; the model card of {@code upskyy/e5-base-korean} was made with
 * the KorSTS scores divided by 5, which changes no Pearson or Spearman correlation. A score outside [0, 5] is
 * data, not an error.
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li>{@link Format#TSV}: KorSTS / STS-B layout, one pair a line, fields split on TAB with no quote handling
 *       ({@code genre filename year id score sentence1 sentence2}, 7 fields, or 9 where STS-B adds two source
 *       fields after {@code sentence2}). A first line whose fifth field is {@code score} is a header.</li>
 *   <li>{@link Format#KLUE_JSON}: KLUE-STS, a JSON array of {@code {sentence1, sentence2, labels: {label}}}.</li>
 *   <li>{@link Format#JSONL}: one {@code {"sentence1": ..., "sentence2": ..., "score": ...}} object a line.</li>
 * </ul>
 * Files must be UTF-8 (a leading byte order mark is skipped); lines end with LF or CRLF. A malformed file is a
 * {@link StsDataException} naming the file and line.
 *
 * @param name       short name, used in output file names (e.g. {@code korsts-dev}, or the file's base name)
 * @param source     the file the pairs were read from
 * @param sentences1 first sentence of each pair
 * @param sentences2 second sentence of each pair
 * @param scores     gold score of each pair, as given in the file
 */
public record StsDataset(String name, Path source, List<String> sentences1, List<String> sentences2,
                         double[] scores) {

    /** How a file is laid out. */
    public enum Format {
        /** Tab-separated KorSTS / STS-B rows. */
        TSV,
        /** KLUE-STS JSON array. */
        KLUE_JSON,
        /** JSON Lines with sentence1, sentence2, score. */
        JSONL;

        /** The format a file name implies: .jsonl/.ndjson, .json, anything else (.tsv, .csv, .txt) TSV. */
        public static Format of(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                return JSONL;
            }
            if (n.endsWith(".json")) {
                return KLUE_JSON;
            }
            return TSV;
        }
    }

    /** Whether a TSV file starts with a header line. */
    public enum Header {
        /** The first line must be the header (KorSTS). */
        REQUIRED,
        /** No header: the first line is a pair (STS-B). */
        NONE,
        /** A header if the first line's fifth field is "score". */
        DETECT
    }

    /** A set shipped in the repository's {@code data/} folder. */
    private record Named(String relativePath, Format format, Header header, int expectedPairs) {}

    private static final Map<String, Named> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("korsts-dev", new Named("korsts/sts-dev.tsv", Format.TSV, Header.REQUIRED, 1500));
        NAMED.put("korsts-test", new Named("korsts/sts-test.tsv", Format.TSV, Header.REQUIRED, 1379));
        NAMED.put("klue-sts-dev", new Named("klue-sts/klue-sts-v1.1_dev.json", Format.KLUE_JSON, Header.NONE, 519));
        NAMED.put("stsb-dev", new Named("stsb/sts-dev.csv", Format.TSV, Header.NONE, 1500));
        NAMED.put("stsb-test", new Named("stsb/sts-test.csv", Format.TSV, Header.NONE, 1379));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final String TSV_FIELDS = "genre, filename, year, id, score, sentence1, sentence2";

    public StsDataset {
        Objects.requireNonNull(name, "name");
        sentences1 = List.copyOf(sentences1);
        sentences2 = List.copyOf(sentences2);
        scores = scores.clone();
        if (sentences1.size() != sentences2.size() || sentences1.size() != scores.length) {
            throw new IllegalArgumentException("sentences1, sentences2 and scores differ in length: "
                    + sentences1.size() + ", " + sentences2.size() + ", " + scores.length);
        }
    }

    /** A data set from lists in memory. */
    public static StsDataset of(String name, List<String> sentences1, List<String> sentences2, double[] scores) {
        return new StsDataset(name, null, sentences1, sentences2, scores);
    }

    /** The same pairs under another name (the name goes into output file names). */
    public StsDataset withName(String newName) {
        return new StsDataset(newName, source, sentences1, sentences2, scores);
    }

    /** Number of pairs. */
    public int size() {
        return scores.length;
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }

    // ---- named sets ---------------------------------------------------------------------------------------

    /** The names {@link #named} knows, in a fixed order. */
    public static List<String> names() {
        return List.copyOf(NAMED.keySet());
    }

    /** Whether {@code name} is one of {@link #names()}. */
    public static boolean isNamed(String name) {
        return NAMED.containsKey(name);
    }

    /** A set shipped in the repository's data folder ({@link #dataDirectory()}), e.g. {@code korsts-dev}. */
    public static StsDataset named(String name) {
        return named(name, dataDirectory());
    }

    /** A named set read from the given data folder. */
    public static StsDataset named(String name, Path dataDirectory) {
        Named n = NAMED.get(name);
        if (n == null) {
            throw new StsDataException("unknown dataset '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        Path file = dataDirectory.resolve(n.relativePath);
        StsDataset d = read(file, n.format, n.header, name);
        if (d.size() != n.expectedPairs) {
            throw StsDataException.in(file, "expected " + n.expectedPairs + " pairs for " + name + ", read "
                    + d.size() + " (is the file a modified copy?)");
        }
        return d;
    }

    /**
     * A named set (see {@link #names()}) or else a file path: .jsonl, .json (KLUE-STS layout) or a TSV in the
     * KorSTS / STS-B layout.
     */
    public static StsDataset resolve(String nameOrFile) {
        if (isNamed(nameOrFile)) {
            return named(nameOrFile);
        }
        Path file = Path.of(nameOrFile);
        if (!Files.exists(file)) {
            throw new StsDataException("unknown dataset '" + nameOrFile + "': no such file, and not one of "
                    + String.join(", ", names()));
        }
        return read(file);
    }

    /**
     * The folder with the shipped data sets: the system property {@code koembed.data} if set; else
     * {@code $koembed.home/data} (bin/koembed sets {@code koembed.home} to the repository root); else, in the
     * tests, the parent of {@code koembed.testdata} plus {@code /data}; else the first ancestor of the running
     * code's location that has a {@code data/korsts} folder.
     */
    public static Path dataDirectory() {
        String data = System.getProperty("koembed.data");
        if (data != null && !data.isBlank()) {
            return Path.of(data);
        }
        List<Path> tried = new ArrayList<>();
        String home = System.getProperty("koembed.home");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).resolve("data");
            if (Files.isDirectory(p)) {
                return p;
            }
            tried.add(p);
        }
        String testdata = System.getProperty("koembed.testdata");
        if (testdata != null && !testdata.isBlank()) {
            Path parent = Path.of(testdata).toAbsolutePath().normalize().getParent();
            if (parent != null && Files.isDirectory(parent.resolve("data"))) {
                return parent.resolve("data");
            }
        }
        try {
            var location = StsDataset.class.getProtectionDomain().getCodeSource();
            if (location != null) {
                for (Path p = Path.of(location.getLocation().toURI()).toAbsolutePath(); p != null; p = p.getParent()) {
                    if (Files.isDirectory(p.resolve("data").resolve("korsts"))) {
                        return p.resolve("data");
                    }
                }
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall through to the error below
        }
        throw new StsDataException("cannot find KoEmbed's data folder" + (tried.isEmpty() ? "" : " (tried " + tried + ")")
                + "; set -Dkoembed.data=DIR (a folder with korsts/, klue-sts/, stsb/) or give a dataset file");
    }

    // ---- files --------------------------------------------------------------------------------------------

    /** Reads a file in the format its name implies (header detected for TSV); the name is the base name. */
    public static StsDataset read(Path file) {
        return read(file, Format.of(file), Header.DETECT, baseName(file));
    }

    /** Reads a file in the given format. */
    public static StsDataset read(Path file, Format format, Header header, String name) {
        String text = readUtf8(file);
        Builder b = new Builder();
        switch (format) {
            case TSV -> parseTsv(file, text, header, b);
            case JSONL -> parseJsonl(file, text, b);
            case KLUE_JSON -> parseKlueJson(file, text, b);
        }
        if (b.scores.isEmpty()) {
            throw StsDataException.in(file, text.isBlank() ? "empty file: no sentence pairs" : "no sentence pairs");
        }
        double[] scores = new double[b.scores.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = b.scores.get(i);
        }
        return new StsDataset(name, file, b.s1, b.s2, scores);
    }

    /** The file name without its last extension: {@code sts-dev.tsv} gives {@code sts-dev}. */
    static String baseName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static final class Builder {
        final List<String> s1 = new ArrayList<>();
        final List<String> s2 = new ArrayList<>();
        final List<Double> scores = new ArrayList<>();

        void add(String a, String b, double score) {
            s1.add(a);
            s2.add(b);
            scores.add(score);
        }
    }

    private static void parseTsv(Path file, String text, Header header, Builder b) {
        List<String> lines = lines(text);
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String[] f = lines.get(i).split("\t", -1);
            if (i == 0) {
                boolean looksLikeHeader = f.length >= 5 && f[4].trim().equalsIgnoreCase("score");
                if (header == Header.REQUIRED && !looksLikeHeader) {
                    throw StsDataException.at(file, lineNo, "expected the header line (" + TSV_FIELDS.replace(", ", " ")
                            + "), found: " + abbreviate(lines.get(i)));
                }
                if (looksLikeHeader && header != Header.NONE) {
                    continue;
                }
            }
            if (f.length != 7 && f.length != 9) {
                throw StsDataException.at(file, lineNo, "found " + f.length + (f.length == 1 ? " field" : " fields")
                        + ", expected 7 separated by tabs (" + TSV_FIELDS + "), or 9 as in STS-B"
                        + (lines.get(i).isEmpty() ? " (empty line)" : ""));
            }
            b.add(f[5], f[6], parseScore(file, lineNo, f[4]));
        }
    }

    private static void parseJsonl(Path file, String text, Builder b) {
        List<String> lines = lines(text);
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
            b.add(text(file, lineNo, node, "sentence1"), text(file, lineNo, node, "sentence2"),
                    number(file, lineNo, node.get("score"), "", "score"));
        }
    }

    private static void parseKlueJson(Path file, String text, Builder b) {
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
                b.add(text(file, lineNo, item, "sentence1", where), text(file, lineNo, item, "sentence2", where),
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

    private static String text(Path file, long lineNo, JsonNode node, String field) {
        return text(file, lineNo, node, field, null);
    }

    private static String text(Path file, long lineNo, JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        String prefix = where == null ? "" : where + ": ";
        if (v == null || v.isNull()) {
            throw StsDataException.at(file, lineNo, prefix + "missing \"" + field + "\"");
        }
        if (!v.isTextual()) {
            throw StsDataException.at(file, lineNo, prefix + "\"" + field + "\" is not a string");
        }
        return v.asText();
    }

    private static double number(Path file, long lineNo, JsonNode v, String prefix, String field) {
        if (v == null || v.isNull()) {
            throw StsDataException.at(file, lineNo, prefix + "missing \"" + field + "\"");
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            return parseScore(file, lineNo, v.asText());
        }
        throw StsDataException.at(file, lineNo, prefix + "\"" + field + "\" is not a number: "
                + abbreviate(v.toString()));
    }

    private static double parseScore(Path file, long lineNo, String field) {
        String s = field.strip();
        if (!NUMBER.matcher(s).matches()) {
            throw StsDataException.at(file, lineNo, "score '" + abbreviate(field) + "' is not a number");
        }
        double v = Double.parseDouble(s);
        if (!Double.isFinite(v)) {
            throw StsDataException.at(file, lineNo, "score '" + abbreviate(field) + "' is out of the range of a double");
        }
        return v;
    }

    /** Lines split on LF with a CR before it dropped; a final line break does not start another line. */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        for (int i = 0; i < out.size(); i++) {
            String l = out.get(i);
            if (l.endsWith("\r")) {
                out.set(i, l.substring(0, l.length() - 1));
            }
        }
        return out;
    }

    private static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw StsDataException.in(file, "file not found");
        } catch (IOException e) {
            throw StsDataException.in(file, "cannot read: " + e.getMessage());
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start))
                    .toString();
        } catch (MalformedInputException e) {
            int bad = badUtf8Offset(bytes, start);
            long lineNo = 1;
            for (int i = start; i < bad; i++) {
                if (bytes[i] == '\n') {
                    lineNo++;
                }
            }
            throw StsDataException.at(file, lineNo, "invalid UTF-8 at byte offset " + bad);
        } catch (CharacterCodingException e) {
            throw StsDataException.in(file, "not UTF-8: " + e.getMessage());
        }
    }

    private static int badUtf8Offset(byte[] bytes, int start) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        var out = java.nio.CharBuffer.allocate(bytes.length);
        decoder.decode(in, out, true);
        return in.position();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StsDataset d && name.equals(d.name) && Objects.equals(source, d.source)
                && sentences1.equals(d.sentences1) && sentences2.equals(d.sentences2)
                && Arrays.equals(scores, d.scores);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, source, sentences1, sentences2, Arrays.hashCode(scores));
    }

    @Override
    public String toString() {
        return "StsDataset[" + name + ", " + size() + " pairs" + (source == null ? "" : ", " + source) + "]";
    }
}
