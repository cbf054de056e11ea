package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.JSON;
import static io.koembed.cli.CliTestSupport.MODEL;
import static io.koembed.cli.CliTestSupport.TESTDATA;
import static io.koembed.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.cli.CliTestSupport.Result;
import io.koembed.eval.Correlation;
import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.PairScores;
import io.koembed.eval.StsDataset;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code koembed eval} end to end on the tiny XLM-R fixture. */
class EvalCommandTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path tmp;

    /** The metric rows of the printed Markdown table, in order. */
    static Map<String, String> table(String stdout) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : stdout.lines().toList()) {
            if (line.startsWith("| ") && !line.startsWith("| metric ")) {
                String[] cells = line.split("\\|");
                rows.put(cells[1].strip(), cells[2].strip());
            }
        }
        return rows;
    }

    @Test
    void korstsDevEndToEnd() throws IOException {
        Path out = tmp.resolve("out");
        Result r = run("eval", "--model", MODEL.toString(), "--dataset", "korsts-dev", "--out", out.toString(),
                "--batch-size", "32");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model:   " + MODEL), r.out());
        assertTrue(r.out().contains("dataset: korsts-dev ("), r.out());
        assertTrue(r.out().contains("pairs:   1500 "), r.out());
        assertTrue(r.out().contains("\n| metric "), r.out());

        Map<String, String> printed = table(r.out());
        assertEquals(EmbeddingSimilarityEvaluator.METRICS, List.copyOf(printed.keySet()));

        // Recompute every metric from the model's own embeddings, independently of the evaluator's code path.
        StsDataset data = StsDataset.named("korsts-dev");
        Map<String, Double> expected = new LinkedHashMap<>();
        try (SentenceTransformer st = SentenceTransformer.load(MODEL)) {
            EncodeOptions options = EncodeOptions.defaults().withBatchSize(32);
            float[][] e1 = st.encode(data.sentences1(), options);
            float[][] e2 = st.encode(data.sentences2(), options);
            PairScores s = PairScores.of(e1, e2);
            double[] gold = data.scores();
            double[] cosine = new double[gold.length];
            for (int i = 0; i < gold.length; i++) {
                cosine[i] = Similarity.COSINE.score(e1[i], e2[i]);
                assertEquals(cosine[i], s.cosine()[i], 1e-6, "cosine of pair " + i);
            }
            expected.put("pearson_cosine", Correlation.pearson(gold, s.cosine()));
            expected.put("spearman_cosine", Correlation.spearman(gold, s.cosine()));
            expected.put("pearson_manhattan", Correlation.pearson(gold, s.manhattan()));
            expected.put("spearman_manhattan", Correlation.spearman(gold, s.manhattan()));
            expected.put("pearson_euclidean", Correlation.pearson(gold, s.euclidean()));
            expected.put("spearman_euclidean", Correlation.spearman(gold, s.euclidean()));
            expected.put("pearson_dot", Correlation.pearson(gold, s.dot()));
            expected.put("spearman_dot", Correlation.spearman(gold, s.dot()));
            // The cosine correlations also through Similarity.COSINE (a different formula, float rounding).
            assertEquals(Correlation.pearson(gold, cosine), expected.get("pearson_cosine"), 1e-6);
        }
        expected.put("pearson_max", max(expected, "pearson"));
        expected.put("spearman_max", max(expected, "spearman"));
        for (var e : expected.entrySet()) {
            double v = Double.parseDouble(printed.get(e.getKey()));
            assertEquals(e.getValue(), v, 1e-15 + Math.abs(e.getValue()) * 1e-15, e.getKey());
        }

        // The CSV, as sentence-transformers 3.0.1 writes it.
        Path csv = out.resolve("similarity_evaluation_korsts-dev_results.csv");
        String[] lines = Files.readString(csv, StandardCharsets.UTF_8).split("\r\n", -1);
        assertEquals(3, lines.length);
        assertEquals("epoch,steps,cosine_pearson,cosine_spearman,euclidean_pearson,euclidean_spearman,"
                + "manhattan_pearson,manhattan_spearman,dot_pearson,dot_spearman", lines[0]);
        String[] row = lines[1].split(",");
        assertEquals(10, row.length);
        assertEquals("-1", row[0]);
        assertEquals("-1", row[1]);
        String[] order = {"pearson_cosine", "spearman_cosine", "pearson_euclidean", "spearman_euclidean",
                "pearson_manhattan", "spearman_manhattan", "pearson_dot", "spearman_dot"};
        JsonNode json = JSON.readTree(out.resolve("similarity_evaluation_korsts-dev_metrics.json").toFile());
        for (int i = 0; i < order.length; i++) {
            assertEquals(json.get("metrics").get(order[i]).asDouble(), Double.parseDouble(row[i + 2]), 0.0, order[i]);
            assertEquals(expected.get(order[i]), Double.parseDouble(row[i + 2]), 1e-15, order[i]);
        }
        assertEquals(1500, json.get("pairs").asInt());

        // The scatter plot: a real PNG.
        Path png = out.resolve("similarity_evaluation_korsts-dev_scatter.png");
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8));
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertTrue(image.getWidth() >= 400 && image.getHeight() >= 300);

        // No stray temporary files.
        try (var files = Files.list(out)) {
            assertEquals(3, files.count());
        }
    }

    private static double max(Map<String, Double> m, String kind) {
        double best = m.get(kind + "_cosine");
        for (String fn : List.of("manhattan", "euclidean", "dot")) {
            best = Math.max(best, m.get(kind + "_" + fn));
        }
        return best;
    }

    /**
     * Against sentence-transformers itself: testdata/eval/make_reference.py computed the ten metrics with
     * sentence-transformers 3.0.1's arithmetic (sklearn, scipy) from the reference embeddings of the fixture, over
     * pairs made of the 290 KorSTS dev sentences that have one (seen to agree within 5e-7).
     */
    @Test
    void fixturePairsMatchSentenceTransformersReference() throws IOException {
        JsonNode expected = JSON.readTree(TESTDATA.resolve("eval/fixture_expected_metrics.json").toFile());
        for (var set : expected.get("sets").properties()) {
            Path file = TESTDATA.resolve("eval").resolve(set.getValue().get("file").asText());
            Result r = run("eval", "--model", MODEL.toString(), "--dataset", file.toString(),
                    "--out", tmp.resolve(set.getKey()).toString(), "--no-plot");
            assertEquals(0, r.code(), r.err());
            Map<String, String> printed = table(r.out());
            for (String m : EmbeddingSimilarityEvaluator.METRICS) {
                assertEquals(set.getValue().get("metrics").get(m).asDouble(), Double.parseDouble(printed.get(m)),
                        2e-5, set.getKey() + " " + m);
            }
            assertTrue(Files.exists(tmp.resolve(set.getKey()).resolve(
                    "similarity_evaluation_" + file.getFileName().toString().replace(".jsonl", "") + "_results.csv")));
        }
    }

    @Test
    void nameOptionNamesTheFiles() {
        Path out = tmp.resolve("named");
        Result r = run("eval", "--model", MODEL.toString(), "--dataset",
                TESTDATA.resolve("eval/fixture_pairs_korsts.jsonl").toString(), "--out", out.toString(),
                "--name", "sts-dev", "--no-plot");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("similarity_evaluation_sts-dev_results.csv")));
        assertTrue(Files.exists(out.resolve("similarity_evaluation_sts-dev_metrics.json")));
        assertFalse(Files.exists(out.resolve("similarity_evaluation_sts-dev_scatter.png")));
    }

    @Test
    void unknownDatasetIsOneLineListingTheNames() {
        Result r = run("eval", "--model", MODEL.toString(), "--dataset", "korsts-train", "--out", tmp.toString());
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("koembed: error: unknown dataset 'korsts-train'"), r.err());
        assertTrue(r.err().contains("korsts-dev, korsts-test, klue-sts-dev, stsb-dev, stsb-test"), r.err());
    }

    @Test
    void badLineIsOneLineWithFileAndLine() throws IOException {
        Path bad = tmp.resolve("bad.tsv");
        Files.writeString(bad, "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n"
                + "g\tf\t2012\t1\t4.0\ta\tb\n"
                + "g\tf\t2012\t2\tfour\tc\td\n");
        Result r = run("eval", "--model", MODEL.toString(), "--dataset", bad.toString(), "--out", tmp.toString());
        assertEquals(1, r.code());
        assertEquals("koembed: error: " + bad + ":3: score 'four' is not a number", r.err().strip());
    }

    @Test
    void badBatchSizeAndName() {
        Result r = run("eval", "--model", MODEL.toString(), "--dataset", "korsts-dev", "--batch-size", "0");
        assertEquals(2, r.code(), "a usage error");
        assertEquals("koembed: error: --batch-size must be at least 1, got 0", r.err().strip());
        Result n = run("eval", "--model", MODEL.toString(), "--dataset", "korsts-dev", "--name", "../x");
        assertEquals(2, n.code(), "a usage error");
        assertEquals(1, n.err().lines().count(), n.err());
    }

    @Test
    void progressFormatting() {
        assertEquals("42s", ProgressMeter.duration(41.6));
        assertEquals("2m05s", ProgressMeter.duration(125));
        assertEquals("1h01m", ProgressMeter.duration(3660));
    }
}
