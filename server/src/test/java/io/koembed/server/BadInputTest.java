package io.koembed.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.st.SentenceTransformer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A catalogue of bad requests. Each gets its 4xx status and a JSON error body (TEI's {"error", "error_type"}, or
 * OpenAI's {"error": {"message", "type", "param", "code"}} under /v1) whose message says what was wrong; afterwards
 * the server still answers a valid request.
 */
class BadInputTest {
    static final String KEY = "test-key";
    static final int PAYLOAD_LIMIT = 64 * 1024;

    static SentenceTransformer model;
    static EmbeddingServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        model = SentenceTransformer.load(Http.MODEL);
        server = EmbeddingServer.start(model, ServerOptions.defaults("tiny").withPort(0).withApiKey(KEY)
                .withMaxPayloadBytes(PAYLOAD_LIMIT));
        http = new Http(server.uri(), KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    /** One bad request: what is sent and what must come back. */
    record Case(String name, String method, String path, String contentType, byte[] body, Map<String, String> headers,
                int status, String message) {}

    static Case json(String name, String path, String body, int status, String message) {
        return new Case(name, "POST", path, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of(),
                status, message);
    }

    static Case raw(String name, String method, String path, String contentType, byte[] body, int status,
                    String message) {
        return new Case(name, method, path, contentType, body, Map.of(), status, message);
    }

    static List<Case> catalogue() {
        String longText = String.join(" ", Collections.nCopies(400, "해변을 걷는다"));
        List<String> tooMany = Collections.nCopies(33, "a");
        byte[] badUtf8 = {'{', '"', 'i', 'n', 'p', 'u', 't', 's', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        byte[] huge = ("{\"inputs\":\"" + "a".repeat(PAYLOAD_LIMIT) + "\"}").getBytes(StandardCharsets.UTF_8);
        return List.of(
                json("malformed JSON", "/embed", "{\"inputs\": ", 400, "not valid JSON"),
                json("trailing garbage", "/embed", "{\"inputs\": \"a\"} extra", 400, "not valid JSON"),
                json("duplicate key", "/embed", "{\"inputs\": \"a\", \"inputs\": \"b\"}", 400, "Duplicate field"),
                json("array instead of object", "/embed", "[\"a\"]", 400, "must be a JSON object"),
                json("JSON null body", "/embed", "null", 400, "must be a JSON object"),
                json("empty body", "/embed", "", 400, "the request body is empty"),
                json("nesting too deep", "/embed", "{\"inputs\": " + "[".repeat(5000) + "]".repeat(5000) + "}", 400,
                        "not valid JSON"),
                raw("invalid UTF-8", "POST", "/embed", "application/json", badUtf8, 400, "not valid UTF-8"),
                raw("text/plain", "POST", "/embed", "text/plain", "{\"inputs\":\"a\"}".getBytes(), 415,
                        "Content-Type must be application/json"),
                raw("no content type", "POST", "/embed", null, "{\"inputs\":\"a\"}".getBytes(), 415, "got none"),
                raw("latin-1 charset", "POST", "/embed", "application/json; charset=ISO-8859-1",
                        "{\"inputs\":\"a\"}".getBytes(), 415, "Content-Type must be application/json"),
                json("inputs missing", "/embed", "{}", 422, "`inputs` is required"),
                json("inputs null", "/embed", "{\"inputs\": null}", 422, "`inputs` is required"),
                json("inputs a number", "/embed", "{\"inputs\": 42}", 422, "`inputs` must be a string"),
                json("inputs an object", "/embed", "{\"inputs\": {\"a\": 1}}", 422, "`inputs` must be a string"),
                json("empty input list", "/embed", "{\"inputs\": []}", 400, "`inputs` cannot be empty"),
                json("empty string", "/embed", "{\"inputs\": \"\"}", 422, "`inputs` is an empty string"),
                json("empty string in a list", "/embed", "{\"inputs\": [\"a\", \"\"]}", 422,
                        "`inputs[1]` is an empty string"),
                json("null in a list", "/embed", "{\"inputs\": [\"a\", null]}", 422, "`inputs[1]` is null"),
                json("number in a list of strings", "/embed", "{\"inputs\": [\"a\", 5]}", 422,
                        "`inputs[1]` must be a string or an array of token ids"),
                json("fractional token id", "/embed", "{\"inputs\": [[0, 2.5]]}", 422, "`inputs[0][1]` must be a token id"),
                json("negative token id", "/embed", "{\"inputs\": [-1]}", 422, "`inputs[0]` must be a token id"),
                json("token id out of range", "/embed", "{\"inputs\": [[0, 99999, 2]]}", 422,
                        "is 99999, not a token id of the model"),
                json("empty token id list", "/embed", "{\"inputs\": [[]]}", 422, "empty array of token ids"),
                json("too many inputs", "/embed", toJson(Map.of("inputs", tooMany)), 413,
                        "batch size 33 > maximum allowed batch size 32"),
                json("input too long", "/embed", toJson(Map.of("inputs", longText)), 413,
                        "must have at most 128 tokens"),
                json("token ids too long", "/embed", toJson(Map.of("inputs", List.of(Collections.nCopies(129, 5)))),
                        413, "must have at most 128 tokens"),
                json("normalize not a boolean", "/embed", "{\"inputs\": \"a\", \"normalize\": \"yes\"}", 422,
                        "`normalize` must be true or false"),
                json("truncate a number", "/embed", "{\"inputs\": \"a\", \"truncate\": 1}", 422,
                        "`truncate` must be true or false"),
                json("negative dimensions", "/embed", "{\"inputs\": \"a\", \"dimensions\": -1}", 422,
                        "`dimensions` must be between 1 and 64"),
                json("zero dimensions", "/embed", "{\"inputs\": \"a\", \"dimensions\": 0}", 422,
                        "`dimensions` must be between 1 and 64"),
                json("too many dimensions", "/embed", "{\"inputs\": \"a\", \"dimensions\": 65}", 422,
                        "`dimensions` must be between 1 and 64"),
                json("huge dimensions", "/embed", "{\"inputs\": \"a\", \"dimensions\": 1e400}", 422,
                        "`dimensions` must be an integer"),
                json("dimensions a string", "/embed", "{\"inputs\": \"a\", \"dimensions\": \"8\"}", 422,
                        "`dimensions` must be an integer"),
                json("unknown prompt name", "/embed", "{\"inputs\": \"a\", \"prompt_name\": \"query\"}", 422,
                        "`prompt_name` is \"query\" but the model's prompts are []"),
                json("left truncation", "/embed", "{\"inputs\": \"a\", \"truncation_direction\": \"Left\"}", 422,
                        "`truncation_direction` \"Left\" is not supported"),
                raw("oversized body", "POST", "/embed", "application/json", huge, 413,
                        "more than the limit of 65536 bytes"),
                raw("unknown route", "POST", "/embedz", "application/json", "{}".getBytes(), 404, "no endpoint /embedz"),
                raw("GET on a POST route", "GET", "/embed", null, null, 405, "GET /embed is not allowed; use POST"),
                raw("POST on a GET route", "POST", "/health", "application/json", "{}".getBytes(), 405,
                        "use GET"),
                new Case("missing API key", "POST", "/embed", "application/json", "{\"inputs\":\"a\"}".getBytes(),
                        Map.of("Authorization", ""), 401, "missing API key"),
                new Case("wrong API key", "POST", "/embed", "application/json", "{\"inputs\":\"a\"}".getBytes(),
                        Map.of("Authorization", "Bearer test-kez"), 401, "invalid API key"),
                new Case("header too large", "GET", "/info", null, null, Map.of("X-Big", "a".repeat(20000)), 431,
                        "Request Header Fields Too Large"),
                json("OpenAI: input missing", "/v1/embeddings", "{\"model\": \"x\"}", 422, "`input` is required"),
                json("OpenAI: bad encoding_format", "/v1/embeddings",
                        "{\"input\": \"a\", \"encoding_format\": \"int8\"}", 422,
                        "`encoding_format` must be \"float\" or \"base64\""),
                json("OpenAI: model not a string", "/v1/embeddings", "{\"input\": \"a\", \"model\": 5}", 422,
                        "`model` must be a string"),
                json("OpenAI: empty input list", "/v1/embeddings", "{\"input\": []}", 400, "`input` cannot be empty"),
                json("similarity: no inputs", "/similarity", "{\"parameters\": {}}", 422, "`inputs` is required"),
                json("similarity: no sentences", "/similarity",
                        "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": []}}", 400,
                        "`sentences` cannot be empty"),
                json("similarity: source not a string", "/similarity",
                        "{\"inputs\": {\"source_sentence\": [\"a\"], \"sentences\": [\"b\"]}}", 422,
                        "`source_sentence` must be a string"),
                json("tokenize: without special tokens", "/tokenize",
                        "{\"inputs\": \"a\", \"add_special_tokens\": false}", 422, "`add_special_tokens`"));
    }

    private static String toJson(Object value) {
        try {
            return Http.JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void catalogueHasAtLeast30Cases() {
        assertTrue(catalogue().size() >= 30, "only " + catalogue().size() + " cases");
    }

    @TestFactory
    Stream<DynamicTest> eachBadRequestGetsItsStatusAndAClearJsonError() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : catalogue()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(Case c) {
        HttpRequest.Builder r = http.request(c.path()).method(c.method(), c.body() == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        if (c.contentType() != null) {
            r.header("Content-Type", c.contentType());
        }
        c.headers().forEach((name, value) -> {
            if (value.isEmpty()) {
                r.setHeader(name, "Basic nothing"); // replaces the test key: no Bearer token at all
            } else {
                r.setHeader(name, value);
            }
        });
        Http.Answer a = http.send(r);
        assertEquals(c.status(), a.status(), c.name() + ": " + a.body());
        assertEquals("application/json", a.headers().firstValue("Content-Type").orElse(""), c.name());
        JsonNode body = a.json();
        String message;
        if (Reply.isOpenAiPath(c.path())) {
            JsonNode error = body.get("error");
            message = error.get("message").asText();
            assertNotNull(error.get("type").textValue(), c.name());
            assertTrue(error.has("param") && error.has("code"), c.name());
        } else {
            message = body.get("error").asText();
            assertNotNull(body.get("error_type").textValue(), c.name());
        }
        assertTrue(message.contains(c.message()), c.name() + ": \"" + message + "\" lacks \"" + c.message() + "\"");
        // and the server still serves
        Http.Answer ok = http.postJson("/embed", Map.of("inputs", "해변을 걷는 사람"));
        assertEquals(200, ok.status(), "after " + c.name() + ": " + ok.body());
    }

    @Test
    void healthAndMetricsNeedNoKeyButInfoDoes() {
        Http anonymous = new Http(server.uri(), null);
        assertEquals(200, anonymous.get("/health").status());
        assertEquals(200, anonymous.get("/metrics").status());
        Http.Answer info = anonymous.get("/info");
        assertEquals(401, info.status());
        assertEquals("Unauthorized", info.json().get("error_type").asText());
        assertEquals("invalid_api_key", anonymous.postJson("/v1/embeddings", Map.of("input", "a")).json()
                .get("error").get("code").asText());
        assertEquals(200, http.get("/info").status());
    }

    @Test
    void truncateCutsOverLongInputsToTheModelMaximum() {
        String longText = String.join(" ", Collections.nCopies(400, "해변을 걷는다"));
        JsonNode cut = http.postJson("/embed", Map.of("inputs", longText, "truncate", true)).json();
        float[] expected = model.encode(List.of(longText), io.koembed.st.EncodeOptions.defaults().withNormalize(true))[0];
        float[] got = EmbeddingServerTest.floats(cut.get(0));
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, got, 1e-6f);
    }
}
