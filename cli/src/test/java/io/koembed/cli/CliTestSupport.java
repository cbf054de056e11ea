package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** Running the CLI in-process and reading its JSONL, for the mining and classification CLI tests. */
final class CliTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private CliTestSupport() {}

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

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
