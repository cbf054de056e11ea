package io.koembed.spark;

import static io.koembed.spark.SparkTestSupport.MODEL;
import static io.koembed.spark.SparkTestSupport.assertVector;
import static io.koembed.spark.SparkTestSupport.encode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.st.EncodeOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The koembed-spark job in local[2]: its files in and out, and one line for each kind of bad input. */
class EmbedJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SparkSession spark;
    static List<String> texts;
    static float[][] expected;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSupport.session();
        texts = SparkTestSupport.sentences(40);
        expected = encode(texts, EncodeOptions.defaults());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EmbedJob.run(args, spark, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs the job with the fixture model on {@code input}, writing into a new folder, and checks it succeeded. */
    static Path embed(Path input, String... more) {
        Path output = tmp.resolve("out-" + input.getFileName() + "-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of("--model", MODEL.toString(), "--input", input.toString(),
                "--output", output.toString()));
        args.addAll(List.of(more));
        Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("koembed-spark: "), r.err());
        return output;
    }

    /** The lines of a JSON output folder's part files, in part order. */
    static List<JsonNode> jsonLines(Path folder) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(folder)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return lines;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    @Test
    void txtToParquet() throws IOException {
        Path input = tmp.resolve("texts.txt");
        // a byte order mark, and the three kinds of line end: none of them is part of a text
        StringBuilder file = new StringBuilder("\uFEFF");
        for (int i = 0; i < texts.size(); i++) {
            file.append(texts.get(i)).append(i % 3 == 0 ? "\n" : i % 3 == 1 ? "\r\n" : "\r");
        }
        Files.writeString(input, file);
        Path output = embed(input, "--partitions", "3");
        Dataset<Row> written = spark.read().parquet(output.toString());
        assertEquals("struct<id:bigint,text:string,embedding:array<float>>", written.schema().simpleString());
        List<Row> rows = written.orderBy("id").collectAsList();
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).getLong(0), "the 0-based line number");
            assertEquals(texts.get(i), rows.get(i).getString(1));
            assertVector(expected[i], SparkTestSupport.floats(rows.get(i), "embedding"), "line " + i);
        }
    }

    @Test
    void jsonlToJsonlKeepsIdsAndGivesNullForANullText() throws IOException {
        Path input = tmp.resolve("docs.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String text = JSON.writeValueAsString(texts.get(i));
            lines.add(switch (i % 3) {
                case 0 -> text;                                                       // a bare string
                case 1 -> "{\"id\":\"doc-" + i + "\",\"text\":" + text + ",\"lang\":\"ko\"}";
                default -> "{\"text\":" + text + "}";                                // no id: the line number
            });
        }
        lines.add("{\"id\":\"nothing\",\"text\":null}");
        Files.write(input, lines);

        List<JsonNode> out = jsonLines(embed(input, "--output-format", "jsonl", "--partitions", "2"));
        assertEquals(11, out.size());
        for (int i = 0; i < 10; i++) {
            JsonNode line = out.get(i);
            assertEquals(List.of("id", "text", "embedding"), iterate(line.fieldNames()));
            // a string id among them makes every id a string
            assertEquals(i % 3 == 1 ? "doc-" + i : String.valueOf(i), line.get("id").textValue());
            assertEquals(texts.get(i), line.get("text").textValue());
            float[] e = floats(line.get("embedding"));
            assertVector(expected[i], e, "line " + i);
            for (int k = 0; k < e.length; k++) {
                assertEquals(Float.floatToIntBits(expected[i][k]), Float.floatToIntBits(e[k]),
                        "floats are written so that they read back exactly");
            }
        }
        assertEquals("{\"id\":\"nothing\",\"text\":null,\"embedding\":null}", out.get(10).toString());
    }

    @Test
    void integerIdsStayNumbers() throws IOException {
        Path input = tmp.resolve("numbered.jsonl");
        Files.write(input, List.of("{\"id\":700,\"text\":\"하나\"}", "\"둘\"", "{\"id\":9000000000,\"text\":\"셋\"}"));
        Path output = embed(input);
        Dataset<Row> written = spark.read().parquet(output.toString());
        assertEquals("struct<id:bigint,text:string,embedding:array<float>>", written.schema().simpleString());
        Map<String, Long> ids = written.collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(1), r -> r.getLong(0)));
        assertEquals(Map.of("하나", 700L, "둘", 1L, "셋", 9000000000L), ids);
    }

    @Test
    void parquetToJsonlWithMorePartitionsThanRows() throws IOException {
        StructType schema = new StructType().add("doc", DataTypes.IntegerType).add("body", DataTypes.StringType)
                .add("year", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(RowFactory.create(100 + i, texts.get(i), 2024));
        }
        Path input = tmp.resolve("docs.parquet");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(input.toString());

        List<JsonNode> out = jsonLines(embed(input, "--output-format", "jsonl", "--text-column", "body",
                "--id-column", "doc", "--partitions", "30"));
        assertEquals(12, out.size());
        for (JsonNode line : out) {
            int i = line.get("id").intValue() - 100;
            assertEquals(texts.get(i), line.get("text").textValue());
            assertVector(expected[i], floats(line.get("embedding")), "doc " + (100 + i));
        }
    }

    @Test
    void aFolderIsReadInNameOrderWithEmptyPartitions() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("folder"));
        Files.write(folder.resolve("b.txt"), texts.subList(3, 5));
        Files.write(folder.resolve("a.txt"), texts.subList(0, 3));
        Files.writeString(folder.resolve("_SUCCESS"), "");
        Files.writeString(folder.resolve(".hidden.txt"), "not read");
        Path output = embed(folder, "--partitions", "20");
        List<Row> rows = spark.read().parquet(output.toString()).orderBy("id").collectAsList();
        assertEquals(5, rows.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(i, rows.get(i).getLong(0), "line numbers run on from a.txt into b.txt");
            assertVector(expected[i], SparkTestSupport.floats(rows.get(i), "embedding"), "line " + i);
        }
    }

    @Test
    void aBadLineIsNamedByFileAndLineBeforeAnyModelLoads() throws IOException {
        Path input = tmp.resolve("bad.txt");
        List<byte[]> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            lines.add(texts.get(i).getBytes(StandardCharsets.UTF_8));
        }
        lines.set(33, new byte[] {'o', 'k', (byte) 0xFF, 'x'});
        Files.write(input, join(lines));
        // the model does not exist: the input is checked first
        Result r = run("--model", "/no/such/model", "--input", input.toString(), "--output",
                tmp.resolve("never").toString(), "--partitions", "4");
        assertEquals(1, r.code());
        assertEquals("koembed-spark: error: " + input
                + ":34: invalid UTF-8 at byte offset 2 of the line (byte 0xFF)\n", r.err());
        assertFalse(Files.exists(tmp.resolve("never")));
    }

    @Test
    void badJsonlLinesAreNamed() throws IOException {
        String[][] cases = {
                {"{\"text\":\"a\"}\n{\"text\": oops}\n", ":2: not valid JSON: Unrecognized token 'oops': was expecting "},
                {"\"a\"\n\n", ":2: empty line (a jsonl input holds one JSON string or object per line; write \"\" "
                        + "for an empty text)"},
                {"{\"body\":\"a\"}\n", ":1: no \"text\" field (the field of the text; name another with --text-column)"},
                {"{\"text\":7}\n", ":1: \"text\" is a number, not a string"},
                {"[\"a\"]\n", ":1: expected a JSON string or object, found an array"},
                {"{\"text\":\"a\",\"id\":true}\n", ":1: \"id\" is a boolean; an id is a string or a number"},
        };
        for (String[] c : cases) {
            Path input = tmp.resolve("bad-" + System.nanoTime() + ".jsonl");
            Files.writeString(input, c[0]);
            Result r = run("--model", MODEL.toString(), "--input", input.toString(), "--output",
                    tmp.resolve("never").toString());
            assertEquals(1, r.code(), c[0]);
            String prefix = "koembed-spark: error: " + input;
            assertTrue(r.err().startsWith(prefix + c[1]), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void parquetColumnsAreChecked() {
        Path input = tmp.resolve("cols.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1, 2L, "셋")), new StructType().add("id", DataTypes.IntegerType)
                .add("text", DataTypes.LongType).add("body", DataTypes.StringType)).write().parquet(input.toString());
        Result notText = run("--model", MODEL.toString(), "--input", input.toString(), "--output",
                tmp.resolve("never").toString());
        assertEquals(1, notText.code());
        assertEquals("koembed-spark: error: " + input + ": column 'text' holds bigint, not strings (name the text "
                + "column with --text-column)\n", notText.err());
        Result missing = run("--model", MODEL.toString(), "--input", input.toString(), "--output",
                tmp.resolve("never").toString(), "--text-column", "body", "--id-column", "key");
        assertEquals("koembed-spark: error: " + input + ": no column 'key' among [id, text, body] (name it with "
                + "--id-column)\n", missing.err());
    }

    @Test
    void aModelAnExecutorCannotLoadIsOneLine() throws IOException {
        Path input = tmp.resolve("two.txt");
        Files.write(input, texts.subList(0, 2));
        Result r = run("--model", "/no/such/model", "--input", input.toString(), "--output",
                tmp.resolve("never").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().matches("koembed-spark: error: model /no/such/model could not be loaded on executor "
                + "driver on \\S+: /no/such/model: model directory not found\n"), r.err());
        assertFalse(Files.exists(tmp.resolve("never")), "a failed job leaves no output behind");
    }

    @Test
    void missingInputExistingOutputAndUsage() throws IOException {
        Result missing = run("--model", MODEL.toString(), "--input", tmp.resolve("absent.txt").toString(),
                "--output", tmp.resolve("never").toString());
        assertEquals("koembed-spark: error: " + tmp.resolve("absent.txt") + ": not found\n", missing.err());

        Path input = tmp.resolve("one.txt");
        Files.write(input, texts.subList(0, 1));
        Path existing = Files.createDirectories(tmp.resolve("existing"));
        Result exists = run("--model", MODEL.toString(), "--input", input.toString(), "--output", existing.toString());
        assertEquals(1, exists.code());
        assertEquals("koembed-spark: error: " + existing + " already exists; koembed-spark writes a new folder "
                + "(remove it or choose another --output)\n", exists.err());

        Result batch = run("--model", MODEL.toString(), "--input", input.toString(), "--output",
                tmp.resolve("never").toString(), "--batch-size", "0");
        assertEquals(2, batch.code());
        assertTrue(batch.err().startsWith("--batch-size must be at least 1, got 0\n"), batch.err());
        Result format = run("--model", MODEL.toString(), "--input", input.toString(), "--output",
                tmp.resolve("never").toString(), "--input-format", "csv");
        assertEquals(2, format.code());
    }

    private static byte[] join(List<byte[]> lines) {
        int size = lines.stream().mapToInt(l -> l.length + 1).sum();
        byte[] out = new byte[size];
        int at = 0;
        for (byte[] line : lines) {
            System.arraycopy(line, 0, out, at, line.length);
            at += line.length;
            out[at++] = '\n';
        }
        return out;
    }

    private static <T> List<T> iterate(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
