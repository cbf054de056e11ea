package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.JSON;
import static io.koembed.cli.CliTestSupport.MODEL;
import static io.koembed.cli.CliTestSupport.TESTDATA;
import static io.koembed.cli.CliTestSupport.lines;
import static io.koembed.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.cli.CliTestSupport.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as a user runs them, on the tiny XLM-R fixture, checked against sentence-transformers' outputs. */
class CliTest {
    private static final Path EXPECTED = TESTDATA.resolve("fixtures/tiny-xlmr-ko-expected");

    @TempDir
    Path tmp;

    /** The first n items of an expected-output file, with texts free of line breaks (so a .txt can hold them). */
    static List<JsonNode> expectedItems(String file, int n) throws IOException {
        return expectedItems(EXPECTED, file, n);
    }

    static List<JsonNode> expectedItems(Path expected, String file, int n) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : JSON.readTree(expected.resolve(file).toFile()).get("items")) {
            String t = item.get("text").asText();
            if (items.size() < n && !t.contains("\n") && !t.contains("\r") && !t.contains("\u0085")
                    && !t.contains("\u2028") && !t.contains("\u2029")) {
                items.add(item);
            }
        }
        return items;
    }

    /** The encode command's lines against the expected items' embeddings, in order, within 1e-4. */
    static void assertEmbeddingsMatch(List<JsonNode> items, List<JsonNode> out) {
        assertEquals(items.size(), out.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode ref = items.get(i).get("embedding");
            JsonNode ours = out.get(i).get("embedding");
            assertEquals(ref.size(), ours.size());
            for (int d = 0; d < ref.size(); d++) {
                assertEquals(ref.get(d).asDouble(), ours.get(d).asDouble(), 1e-4, "line " + i + " dim " + d);
            }
        }
    }

    @Test
    void encodeTxtMatchesSentenceTransformersInInputOrder() throws IOException {
        List<JsonNode> items = expectedItems("embeddings.json", 25);
        Path input = tmp.resolve("in.txt");
        Files.write(input, items.stream().map(i -> i.get("text").asText()).toList(), StandardCharsets.UTF_8);

        Result r = run("encode", "--model", MODEL.toString(), "--input", input.toString(), "--batch-size", "4");
        assertEquals(0, r.code(), r.err());
        assertEmbeddingsMatch(items, lines(r.out()));
    }

    @Test
    void encodeJsonlKeepsNewlinesInsideTexts() throws IOException {
        List<String> texts = List.of("줄\n바꿈", "탭\t포함", "");
        Path input = tmp.resolve("in.jsonl");
        List<String> lines = new ArrayList<>();
        for (String t : texts) {
            lines.add(JSON.writeValueAsString(t));
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Path output = tmp.resolve("out.jsonl");
        Result r = run("encode", "-m", MODEL.toString(), "-i", input.toString(), "-o", output.toString(),
                "--normalize");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = lines(Files.readString(output));
        assertEquals(3, out.size());
        double norm = 0;
        for (JsonNode v : out.get(0).get("embedding")) {
            norm += v.asDouble() * v.asDouble();
        }
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void tokenizeGivesTheIdsTheModelSees() throws IOException {
        assertTokenizeGivesTheIdsTheModelSees(MODEL, EXPECTED);
    }

    /** {@code tokenize} over a fixture's tokenization.json texts (as JSONL) gives sentence-transformers' ids. */
    private void assertTokenizeGivesTheIdsTheModelSees(Path model, Path expected) throws IOException {
        List<JsonNode> items = expectedItems(expected, "tokenization.json", 400);
        Path input = tmp.resolve("in.jsonl");
        List<String> lines = new ArrayList<>();
        for (JsonNode i : items) {
            lines.add(JSON.writeValueAsString(i.get("text").asText()));
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        Result r = run("tokenize", "--model", model.toString(), "--input", input.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> out = lines(r.out());
        assertEquals(items.size(), out.size());
        for (int i = 0; i < items.size(); i++) {
            assertEquals(items.get(i).get("st_input_ids"), out.get(i).get("ids"), items.get(i).get("id").asText());
        }
    }

    @Test
    void bertModelTokenizesAndEncodesAsSentenceTransformers() throws IOException {
        // tiny-bert-ko: BertModel with a WordPiece vocabulary, as snunlp/KR-SBERT
        Path bert = TESTDATA.resolve("fixtures/tiny-bert-ko");
        Path expected = TESTDATA.resolve("fixtures/tiny-bert-ko-expected");
        assertTokenizeGivesTheIdsTheModelSees(bert, expected);

        List<JsonNode> items = expectedItems(expected, "embeddings.json", 20);
        Path txt = tmp.resolve("bert.txt");
        Files.write(txt, items.stream().map(i -> i.get("text").asText()).toList(), StandardCharsets.UTF_8);
        Result r = run("encode", "--model", bert.toString(), "--input", txt.toString(), "--batch-size", "8");
        assertEquals(0, r.code(), r.err());
        assertEmbeddingsMatch(items, lines(r.out()));
    }

    @Test
    void similarityPrintsTheMatrix() throws IOException {
        Result r = run("similarity", "--model", MODEL.toString(), "--json", "아이를 가진 엄마가 해변을 걷는다.",
                "두 사람이 해변을 걷는다.", "한 남자가 해변에서 개를 산책시킨다.");
        assertEquals(0, r.code(), r.err());
        JsonNode m = JSON.readTree(r.out()).get("similarity");
        assertEquals(3, m.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, m.get(i).get(i).asDouble(), 1e-5);
            for (int j = 0; j < 3; j++) {
                assertEquals(m.get(i).get(j).asDouble(), m.get(j).get(i).asDouble(), 1e-6);
            }
        }
        Result table = run("similarity", "--model", MODEL.toString(), "가", "나");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("cosine"), table.out());
    }

    @Test
    void reducedWeightsMoveTheEmbeddingsALittle() throws IOException {
        Path input = Files.writeString(tmp.resolve("in.txt"), "두 사람이 해변을 걷는다.\n");
        float[] fp32 = embedding(run("encode", "-m", MODEL.toString(), "-i", input.toString()));
        for (String weights : new String[] {"bfloat16", "int8"}) {
            float[] reduced = embedding(run("encode", "-m", MODEL.toString(), "-i", input.toString(),
                    "--weights", weights));
            double dot = 0, a = 0, b = 0, maxDiff = 0;
            for (int d = 0; d < fp32.length; d++) {
                dot += fp32[d] * reduced[d];
                a += fp32[d] * fp32[d];
                b += reduced[d] * reduced[d];
                maxDiff = Math.max(maxDiff, Math.abs(fp32[d] - reduced[d]));
            }
            assertTrue(dot / Math.sqrt(a * b) > 0.995 && maxDiff > 1e-5, weights + ": " + dot / Math.sqrt(a * b)
                    + ", max diff " + maxDiff);
        }
        Result bad = run("encode", "-m", MODEL.toString(), "-i", input.toString(), "--weights", "fp8");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown weight precision 'fp8'"), bad.err());
    }

    private static float[] embedding(Result r) throws IOException {
        assertEquals(0, r.code(), r.err());
        JsonNode e = lines(r.out()).getFirst().get("embedding");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) e.get(i).asDouble();
        }
        return v;
    }

    @Test
    void sharedEncodeOptionsKeepEachCommandsDefaultAndHelp() {
        // One declaration of --batch-size, --prompt, ... (EncodeFlags); the commands that say more keep saying it.
        String[][] expected = {
            {"encode", "Texts per forward pass (default 32).", "Text put before every input, e.g. \"query: \"."},
            {"mine", "Texts per forward pass (default 32).", "A prompt from the model's"},
            {"eval", "Texts per forward pass (default 16, the evaluator's default)."},
            {"search", "Queries per forward pass (default 32)."},
            {"index", "Texts per forward pass (default 32).", "New index only: keep the first N dimensions"},
            {"classify train", "Text put before every input (remembered).", "(its text is remembered)"},
            {"classify predict", "Texts per forward pass (default 32)."},
        };
        for (String[] c : expected) {
            String[] args = (c[0] + " --help").split(" ");
            Result help = run(args);
            assertEquals(0, help.code(), help.err());
            String text = help.out().replaceAll("\\s+", " ");
            for (int i = 1; i < c.length; i++) {
                assertTrue(text.contains(c[i]), c[0] + ": " + c[i] + " in\n" + help.out());
            }
        }
    }

    @Test
    void usageErrorsExitWith2AndOtherErrorsWith1() throws IOException {
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "가\n");
        Result batch = run("encode", "-m", MODEL.toString(), "-i", input.toString(), "--batch-size", "0");
        assertEquals(2, batch.code());
        assertEquals("koembed: error: --batch-size must be at least 1, got 0", batch.err().strip());
        Result prompts = run("mine", "-m", MODEL.toString(), "-i", input.toString(), "--prompt", "a: ",
                "--prompt-name", "query");
        assertEquals(2, prompts.code());
        assertEquals("koembed: error: give --prompt or --prompt-name, not both", prompts.err().strip());
        Result unknownFlag = run("encode", "-m", MODEL.toString(), "-i", input.toString(), "--batch", "4");
        assertEquals(2, unknownFlag.code(), "picocli's own usage errors give 2 as well");
        Result missing = run("encode", "-m", MODEL.toString(), "-i", tmp.resolve("none.txt").toString());
        assertEquals(1, missing.code(), "a missing input file is an error, not a usage error");
    }

    @Test
    void invalidUtf8IsReportedWithFileLineAndOffset() throws IOException {
        Path input = tmp.resolve("bad.txt");
        Files.write(input, new byte[] {'o', 'k', '\n', 'a', (byte) 0xC3, '(', '\n'});
        Path output = tmp.resolve("out.jsonl");
        Files.writeString(output, "previous results\n");
        Result r = run("encode", "--model", MODEL.toString(), "--input", input.toString(), "-o", output.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.txt:2: invalid UTF-8 at byte offset 4"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals("previous results\n", Files.readString(output), "a failed run must not clobber the output");
    }

    @Test
    void missingModelAndInputAreClearErrors() throws IOException {
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "가\n");
        Result noModel = run("encode", "--model", tmp.resolve("nowhere").toString(), "--input", input.toString());
        assertEquals(1, noModel.code());
        assertTrue(noModel.err().contains("nowhere") && noModel.err().contains("not found"), noModel.err());

        Result noInput = run("encode", "--model", MODEL.toString(), "--input", tmp.resolve("none.txt").toString());
        assertEquals(1, noInput.code());
        assertTrue(noInput.err().contains("none.txt: file not found"), noInput.err());

        // without --model: upskyy/e5-base-korean from the Hub, which the tests' offline, empty cache lacks
        Result defaultModel = run("encode", "--input", input.toString());
        assertEquals(1, defaultModel.code());
        assertTrue(defaultModel.err().startsWith("koembed: error: upskyy/e5-base-korean@main is not in the cache"),
                defaultModel.err());
    }

    @Test
    void badJsonlLineIsReported() throws IOException {
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, "\"좋다\"\n{\"text\": 1}\n");
        Result r = run("encode", "--model", MODEL.toString(), "--input", input.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("in.jsonl:2: expected a JSON string"), r.err());
    }
}
