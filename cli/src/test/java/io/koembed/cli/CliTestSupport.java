package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the CLI tests share: the fixture model, running the CLI in-process, and reading its JSONL. */
final class CliTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    /** The tiny XLM-R fixture: the real architecture and tokenizer, random weights. */
    static final Path MODEL = TESTDATA.resolve("fixtures/tiny-xlmr-ko");

    private CliTestSupport() {}

    record Result(int code, String out, String err) {}

    /** Runs {@code koembed ARGS} as {@link Main#main} does, with stdout and stderr captured. */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** The JSON objects of a JSONL output, checking that each line is one object. */
    static List<JsonNode> lines(String jsonl) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : jsonl.split("\n")) {
            if (!line.isEmpty()) {
                assertTrue(line.startsWith("{") && line.endsWith("}"), "not one JSON object per line: " + line);
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
