package io.koembed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: a local[2] session, the fixture model, test sentences and the reference vectors. */
final class SparkTestSupport {
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    /** The tiny XLM-R fixture: the real architecture and tokenizer, random weights. */
    static final Path MODEL = TESTDATA.resolve("fixtures/tiny-xlmr-ko").toAbsolutePath();
    private static SentenceTransformer reference;

    private SparkTestSupport() {}

    /** Two task threads in one JVM, as on an executor with two cores; one session per test class. */
    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("koembed-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    /** The fixture loaded directly, apart from the executors' copy: what {@code encode} gives is the reference. */
    static synchronized SentenceTransformer reference() {
        if (reference == null) {
            reference = SentenceTransformer.load(MODEL);
        }
        return reference;
    }

    static float[][] encode(List<String> texts, EncodeOptions options) {
        return reference().encode(texts, options);
    }

    /**
     * Sentences of KorSTS dev (first column of the first {@code n} pairs), plus the cases at the edges: an empty
     * text, a blank one, and a text longer than the fixture's 128 tokens.
     */
    static List<String> sentences(int n) throws IOException {
        List<String> lines = Files.readAllLines(TESTDATA.resolveSibling("data/korsts/sts-dev.tsv"));
        List<String> texts = new ArrayList<>();
        for (String line : lines.subList(1, n + 1)) {
            texts.add(line.split("\t")[5]);
        }
        texts.add("");
        texts.add("   ");
        texts.add(String.join(" ", lines.subList(1, 40)));
        return texts;
    }

    /** Every element within 1e-6 of the reference (the bar; in practice they are equal). */
    static void assertVector(float[] expected, float[] actual, String what) {
        assertNotNull(actual, what);
        assertEquals(expected.length, actual.length, what + ": dimension");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, what + ": element " + i);
        }
    }

    /** An {@code array<float>} cell as floats (null for a null cell). */
    static float[] floats(org.apache.spark.sql.Row row, String column) {
        int i = row.fieldIndex(column);
        if (row.isNullAt(i)) {
            return null;
        }
        List<Float> values = row.getList(i);
        float[] out = new float[values.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = values.get(k);
        }
        return out;
    }
}
