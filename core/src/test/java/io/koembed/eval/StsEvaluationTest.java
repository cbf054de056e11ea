package io.koembed.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outputs: the results CSV as sentence-transformers writes it, the Markdown table, the JSON. */
class StsEvaluationTest {
    @TempDir
    Path tmp;

    static StsEvaluation sample() {
        float[][] e1 = {{1, 0, 0}, {1, 1, 0}, {0, 1, 1}, {1, 2, 3}, {0.5f, 0.1f, 0}};
        float[][] e2 = {{1, 0.1f, 0}, {0, 1, 0}, {1, 0, 0}, {1, 2, 2}, {0, 1, 0}};
        StsDataset d = StsDataset.of("sts-dev", List.of("a", "b", "c", "d", "e"), List.of("f", "g", "h", "i", "j"),
                new double[] {5, 3, 0, 4.6, 1});
        return new EmbeddingSimilarityEvaluator(d).evaluate(e1, e2);
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("0.1", PythonFloat.repr(0.1));
        assertEquals("1.0", PythonFloat.repr(1.0));
        assertEquals("-1.0", PythonFloat.repr(-1.0));
        assertEquals("0.0", PythonFloat.repr(0.0));
        assertEquals("-0.0", PythonFloat.repr(-0.0));
        assertEquals("0.8594090938044348", PythonFloat.repr(0.8594090938044348));
        assertEquals("0.0001", PythonFloat.repr(0.0001));
        assertEquals("1e-05", PythonFloat.repr(0.00001));
        assertEquals("-2.5e-07", PythonFloat.repr(-2.5e-7));
        assertEquals("123.25", PythonFloat.repr(123.25));
        assertEquals("1e+16", PythonFloat.repr(1e16));
        assertEquals("1234567890123456.0", PythonFloat.repr(1234567890123456.0));
        assertEquals("0.30000000000000004", PythonFloat.repr(0.1 + 0.2));
        assertEquals("nan", PythonFloat.repr(Double.NaN));
        assertEquals("-inf", PythonFloat.repr(Double.NEGATIVE_INFINITY));
    }

    @Test
    void csvAsSentenceTransformersWritesIt() throws IOException {
        StsEvaluation r = sample();
        Path csv = r.writeCsv(tmp);
        assertEquals("similarity_evaluation_sts-dev_results.csv", csv.getFileName().toString());
        String text = Files.readString(csv, StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n", -1);
        assertEquals(3, lines.length, text);
        assertEquals("epoch,steps,cosine_pearson,cosine_spearman,euclidean_pearson,euclidean_spearman,"
                + "manhattan_pearson,manhattan_spearman,dot_pearson,dot_spearman", lines[0]);
        String[] row = lines[1].split(",");
        assertEquals("-1", row[0]);
        assertEquals("-1", row[1]);
        assertEquals(r.metric("pearson_cosine"), Double.parseDouble(row[2]));
        assertEquals(r.metric("spearman_cosine"), Double.parseDouble(row[3]));
        assertEquals(r.metric("pearson_euclidean"), Double.parseDouble(row[4]));
        assertEquals(r.metric("spearman_euclidean"), Double.parseDouble(row[5]));
        assertEquals(r.metric("pearson_manhattan"), Double.parseDouble(row[6]));
        assertEquals(r.metric("spearman_manhattan"), Double.parseDouble(row[7]));
        assertEquals(r.metric("pearson_dot"), Double.parseDouble(row[8]));
        assertEquals(r.metric("spearman_dot"), Double.parseDouble(row[9]));
        assertEquals("", lines[2]);

        r.writeCsv(tmp); // a second run appends a row, as sentence-transformers does
        assertEquals(4, Files.readString(csv).split("\r\n", -1).length);
    }

    @Test
    void markdownTableInTheModelCardsLayout() {
        StsEvaluation r = sample();
        List<String> lines = r.markdownTable().lines().toList();
        assertEquals(12, lines.size());
        assertTrue(lines.get(0).matches("\\| metric +\\| value +\\|"), lines.get(0));
        assertTrue(lines.get(1).matches("\\|:-+\\|:-+\\|"), lines.get(1));
        for (int i = 0; i < 10; i++) {
            String[] cells = lines.get(i + 2).split("\\|");
            assertEquals(EmbeddingSimilarityEvaluator.METRICS.get(i), cells[1].strip());
            String value = cells[2].strip();
            double v = r.metric(EmbeddingSimilarityEvaluator.METRICS.get(i));
            assertEquals(v, Double.parseDouble(value), Math.abs(v) * 1e-15 + 1e-300);
            assertEquals(16, value.replace("-", "").replace(".", "").replaceFirst("^0+", "").length(), value);
        }
        assertTrue(r.report("model-dir", "sts-dev (file)").startsWith("model:   model-dir\ndataset: sts-dev (file)\npairs:   5 (gold scores as given, 0.0 to 5.0)\n"));
    }

    @Test
    void format16() {
        assertEquals("0.8594090938044348", StsEvaluation.format16(0.8594090938044348));
        assertEquals("0.5000000000000000", StsEvaluation.format16(0.5));
        assertEquals("-0.01234567890123457", StsEvaluation.format16(-0.012345678901234567));
        assertEquals("nan", StsEvaluation.format16(Double.NaN));
    }

    @Test
    void jsonHasEveryMetric() throws IOException {
        StsEvaluation r = sample();
        Path f = r.writeJson(tmp.resolve("m.json"), "sts-dev", "some/model");
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        assertEquals("sts-dev", j.get("name").asText());
        assertEquals(5, j.get("pairs").asInt());
        for (String m : EmbeddingSimilarityEvaluator.METRICS) {
            assertEquals(r.metric(m), j.get("metrics").get(m).asDouble(), 0.0, m);
        }
        assertEquals("sts-dev_spearman_max", List.copyOf(r.prefixedMetrics().keySet()).get(9));
    }
}
