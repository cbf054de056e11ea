package io.koembed.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link EmbeddingSimilarityEvaluator} found for one data set: the ten metrics, named as sentence-transformers
 * 3.0.1 names them (and as the model card lists them), plus the per-pair scores behind them.
 *
 * @param name    the evaluator's name (the data set's name), used in output file names
 * @param gold    the gold scores, as given in the data
 * @param scores  the predicted scores of each pair
 * @param metrics metric name → value, in {@link EmbeddingSimilarityEvaluator#METRICS} order
 * @param seconds wall time of the evaluation (encoding included); 0 when evaluated from given embeddings
 */
public record StsEvaluation(String name, double[] gold, PairScores scores, Map<String, Double> metrics,
                            double seconds) {

    /** The CSV header sentence-transformers 3.0.1 writes (its column order differs from the metric order). */
    public static final List<String> CSV_HEADER = List.of("epoch", "steps", "cosine_pearson", "cosine_spearman",
            "euclidean_pearson", "euclidean_spearman", "manhattan_pearson", "manhattan_spearman", "dot_pearson",
            "dot_spearman");

    private static final MathContext SIGNIFICANT_16 = new MathContext(16, RoundingMode.HALF_EVEN);

    public StsEvaluation {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** Number of pairs evaluated. */
    public int pairs() {
        return gold.length;
    }

    /** One metric, e.g. {@code metric("spearman_cosine")}. */
    public double metric(String metricName) {
        Double v = metrics.get(metricName);
        if (v == null) {
            throw new IllegalArgumentException("no metric '" + metricName + "' (known: " + metrics.keySet() + ")");
        }
        return v;
    }

    /** The metrics with the evaluator's name put before each key, as sentence-transformers returns them. */
    public Map<String, Double> prefixedMetrics() {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((k, v) -> out.put(name.isEmpty() ? k : name + "_" + k, v));
        return out;
    }

    /** {@code similarity_evaluation_<name>_results.csv}, the file name sentence-transformers uses. */
    public String csvFileName() {
        return "similarity_evaluation" + (name.isEmpty() ? "" : "_" + name) + "_results.csv";
    }

    /** The CSV data row, values printed as Python prints floats. */
    public List<String> csvRow(int epoch, int steps) {
        return List.of(Integer.toString(epoch), Integer.toString(steps),
                PythonFloat.repr(metric("pearson_cosine")), PythonFloat.repr(metric("spearman_cosine")),
                PythonFloat.repr(metric("pearson_euclidean")), PythonFloat.repr(metric("spearman_euclidean")),
                PythonFloat.repr(metric("pearson_manhattan")), PythonFloat.repr(metric("spearman_manhattan")),
                PythonFloat.repr(metric("pearson_dot")), PythonFloat.repr(metric("spearman_dot")));
    }

    /**
     * Writes the results CSV into {@code directory} as sentence-transformers 3.0.1 does outside training
     * (epoch and steps -1): a new file gets the header first; an existing one gets one more row appended.
     * Lines end with CRLF, as Python's {@code csv.writer} ends them.
     *
     * @return the CSV file
     */
    public Path writeCsv(Path directory) {
        return writeCsv(directory, -1, -1);
    }

    /** {@link #writeCsv(Path)} with the given epoch and steps. */
    public Path writeCsv(Path directory, int epoch, int steps) {
        Path file = directory.resolve(csvFileName());
        try {
            Files.createDirectories(directory);
            StringBuilder text = new StringBuilder();
            boolean exists = Files.isRegularFile(file);
            if (!exists) {
                text.append(String.join(",", CSV_HEADER)).append("\r\n");
            }
            text.append(String.join(",", csvRow(epoch, steps))).append("\r\n");
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            if (exists) {
                Files.write(file, bytes, StandardOpenOption.APPEND);
            } else {
                writeAtomically(file, bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
        return file;
    }

    /**
     * Writes the metrics as JSON: {@code {"name", "dataset", "model", "pairs", "seconds", "metrics": {...}}}
     * (metric values as full doubles; NaN as the string "NaN"). The file appears only when complete.
     */
    public Path writeJson(Path file, String dataset, String model) {
        try {
            var out = new java.io.ByteArrayOutputStream();
            try (JsonGenerator g = new ObjectMapper().getFactory().createGenerator((OutputStream) out, JsonEncoding.UTF8)) {
                g.setPrettyPrinter(new DefaultPrettyPrinter());
                g.writeStartObject();
                g.writeStringField("name", name);
                g.writeStringField("dataset", dataset);
                g.writeStringField("model", model);
                g.writeNumberField("pairs", pairs());
                g.writeNumberField("seconds", seconds);
                g.writeObjectFieldStart("metrics");
                for (var e : metrics.entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            out.write('\n');
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            writeAtomically(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
        return file;
    }

    /** A value as the report prints it: 16 significant digits, like the model card; "nan" for NaN. */
    public static String format16(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return "0";
        }
        BigDecimal r = new BigDecimal(v).round(SIGNIFICANT_16);
        int integerDigits = r.precision() - r.scale(); // digits before the point (<= 0 for |v| < 0.1)
        return r.setScale(Math.max(0, 16 - integerDigits)).toPlainString();
    }

    /**
     * The metrics as the model card lays them out: a Markdown table {@code | metric | value |}, one row per
     * metric in {@link EmbeddingSimilarityEvaluator#METRICS} order, values to 16 significant digits.
     */
    public String markdownTable() {
        int w1 = "metric".length();
        int w2 = "value".length();
        for (var e : metrics.entrySet()) {
            w1 = Math.max(w1, e.getKey().length());
            w2 = Math.max(w2, format16(e.getValue()).length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(pad("metric", w1)).append(" | ").append(pad("value", w2)).append(" |\n");
        sb.append("|:").append("-".repeat(w1 + 1)).append("|:").append("-".repeat(w2 + 1)).append("|\n");
        for (var e : metrics.entrySet()) {
            sb.append("| ").append(pad(e.getKey(), w1)).append(" | ").append(pad(format16(e.getValue()), w2))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The report the CLI prints: a short header (model, data set, pairs, seconds, what the gold scores are) and
     * the {@link #markdownTable()}.
     */
    public String report(String model, String dataset) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double g : gold) {
            min = Math.min(min, g);
            max = Math.max(max, g);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("model:   ").append(model).append('\n');
        sb.append("dataset: ").append(dataset).append('\n');
        sb.append("pairs:   ").append(pairs()).append(" (gold scores as given, ").append(PythonFloat.repr(min))
                .append(" to ").append(PythonFloat.repr(max)).append(")\n");
        sb.append(String.format(Locale.ROOT, "seconds: %.1f", seconds)).append('\n');
        sb.append('\n');
        sb.append(markdownTable());
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** Writes beside the target and moves into place, so no reader sees half a file (permissions as usual). */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(System.nanoTime()) + ".part");
        try {
            Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String toString() {
        return "StsEvaluation[" + name + ", " + pairs() + " pairs, " + metrics + "]";
    }
}
