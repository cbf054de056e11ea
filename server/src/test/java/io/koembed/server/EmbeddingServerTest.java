package io.koembed.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;
import io.koembed.tokenize.common.Encoding;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server over real HTTP on a free port with the tiny XLM-R fixture: every endpoint against
 * {@link SentenceTransformer} called directly on the same texts, batching, overload and graceful shutdown, and the
 * exact bytes of the answers.
 */
class EmbeddingServerTest {
    static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.", "  앞뒤 공백은 지워진다  ", "KoEmbed serves 임베딩 over HTTP");

    static SentenceTransformer model;
    static EmbeddingServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        model = SentenceTransformer.load(Http.MODEL);
        server = EmbeddingServer.start(model, ServerOptions.defaults("tiny-xlmr-ko").withPort(0));
        http = new Http(server.uri(), null);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }

    @Test
    void embedEqualsEncodeNormalizedByDefault() {
        JsonNode rows = http.postJson("/embed", Map.of("inputs", TEXTS)).json();
        float[][] expected = model.encode(TEXTS, EncodeOptions.defaults().withNormalize(true));
        assertEquals(TEXTS.size(), rows.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertArrayEquals(expected[i], floats(rows.get(i)), 1e-6f, TEXTS.get(i));
        }
    }

    @Test
    void embedSingleStringUnnormalizedWithDimensions() {
        JsonNode raw = http.postJson("/embed", Map.of("inputs", TEXTS.get(1), "normalize", false)).json();
        assertArrayEquals(model.encode(List.of(TEXTS.get(1)))[0], floats(raw.get(0)), 1e-6f);

        JsonNode cut = http.postJson("/embed", Map.of("inputs", TEXTS, "dimensions", 16)).json();
        float[][] expected = model.encode(TEXTS, EncodeOptions.defaults().withTruncateDim(16).withNormalize(true));
        for (int i = 0; i < TEXTS.size(); i++) {
            assertEquals(16, cut.get(i).size());
            assertArrayEquals(expected[i], floats(cut.get(i)), 1e-6f);
        }
    }

    @Test
    void openAiEmbeddingsFloatAndBase64() {
        JsonNode r = http.postJson("/v1/embeddings", Map.of("input", TEXTS, "model", "anything")).json();
        float[][] expected = model.encode(TEXTS, EncodeOptions.defaults().withNormalize(true));
        assertEquals("list", r.get("object").asText());
        assertEquals("tiny-xlmr-ko", r.get("model").asText());
        int tokens = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonNode item = r.get("data").get(i);
            assertEquals("embedding", item.get("object").asText());
            assertEquals(i, item.get("index").asInt());
            assertArrayEquals(expected[i], floats(item.get("embedding")), 1e-6f);
            tokens += model.tokenize(TEXTS.get(i)).length();
        }
        assertEquals(tokens, r.get("usage").get("prompt_tokens").asInt());
        assertEquals(tokens, r.get("usage").get("total_tokens").asInt());

        // base64: little-endian float32 bytes; dimensions: the first 8, normalized again
        JsonNode b = http.postJson("/v1/embeddings", Map.of("input", TEXTS.get(0), "encoding_format", "base64",
                "dimensions", 8)).json();
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b.get("data").get(0).get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        float[] cut = model.encode(List.of(TEXTS.get(0)), EncodeOptions.defaults().withTruncateDim(8)
                .withNormalize(true))[0];
        assertArrayEquals(cut, decoded, 1e-6f);
        double norm = 0;
        for (float x : decoded) {
            norm += x * x;
        }
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void tokenIdsAreEncodedAsGiven() {
        Encoding e = model.tokenize(TEXTS.get(0));
        JsonNode single = http.postJson("/embed", Map.of("inputs", e.ids())).json();
        JsonNode batch = http.postJson("/v1/embeddings", Map.of("input", List.of(e.ids(), e.ids()))).json();
        float[] expected = model.encode(List.of(TEXTS.get(0)), EncodeOptions.defaults().withNormalize(true))[0];
        assertArrayEquals(expected, floats(single.get(0)), 1e-6f);
        assertArrayEquals(expected, floats(batch.get("data").get(1).get("embedding")), 1e-6f);
        assertEquals(2 * e.length(), batch.get("usage").get("total_tokens").asInt());
    }

    @Test
    void similarityIsCosineToTheSource() {
        JsonNode r = http.postJson("/similarity", Map.of("inputs",
                Map.of("source_sentence", TEXTS.get(0), "sentences", TEXTS.subList(1, 4)))).json();
        float[][] e = model.encode(TEXTS.subList(0, 4));
        for (int i = 1; i < 4; i++) {
            assertEquals(Similarity.COSINE.score(e[0], e[i]), r.get(i - 1).floatValue(), 1e-6f);
        }
    }

    @Test
    void tokenizeShowsWhatTheEncoderSees() {
        JsonNode r = http.postJson("/tokenize", Map.of("inputs", List.of(TEXTS.get(0), TEXTS.get(3)))).json();
        for (int t = 0; t < 2; t++) {
            Encoding e = model.tokenize(TEXTS.get(t == 0 ? 0 : 3));
            JsonNode tokens = r.get(t);
            assertEquals(e.length(), tokens.size());
            for (int i = 0; i < e.length(); i++) {
                assertEquals(e.ids()[i], tokens.get(i).get("id").asInt());
                assertEquals(e.tokens().get(i), tokens.get(i).get("text").asText());
                boolean edge = i == 0 || i == e.length() - 1; // <s> ... </s>
                assertEquals(edge, tokens.get(i).get("special").asBoolean());
            }
        }
    }

    @Test
    void infoHealthAndMetrics() {
        JsonNode info = http.get("/info").json();
        assertEquals("tiny-xlmr-ko", info.get("model_id").asText());
        assertEquals(64, info.get("dimensions").asInt());
        assertEquals(128, info.get("max_input_length").asInt());
        assertEquals(16384, info.get("max_batch_tokens").asInt());
        assertEquals(32, info.get("max_client_batch_size").asInt());
        assertEquals("mean", info.get("model_type").get("embedding").get("pooling").asText());
        assertEquals(200, http.get("/health").status());

        http.postJson("/embed", Map.of("inputs", "metrics"));
        Http.Answer m = http.get("/metrics");
        assertTrue(m.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        assertTrue(Http.metric(m.body(), "koembed_requests_total{endpoint=\"/embed\",status=\"200\"}") >= 1);
        assertTrue(Http.metric(m.body(), "koembed_tokens_total") > 0);
        assertTrue(Http.metric(m.body(), "koembed_inference_seconds_count") >= 1);
        for (String name : List.of("koembed_queue_requests", "koembed_inflight_requests", "koembed_batch_tokens_sum",
                "koembed_batch_sequences_count", "koembed_queue_seconds_count", "koembed_tokens_per_second")) {
            Http.metric(m.body(), name); // present
        }
    }

    /** Requests sent together share engine batches; each still gets exactly its own vectors. */
    @Test
    void concurrentRequestsAreMergedIntoBatches() throws Exception {
        try (EmbeddingServer s = EmbeddingServer.start(model, ServerOptions.defaults("m").withPort(0)
                .withMaxBatchWait(Duration.ofMillis(500)));
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Http h = new Http(s.uri(), null);
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (String text : TEXTS) {
                answers.add(clients.submit(() -> h.postJson("/embed", Map.of("inputs", text)).json()));
            }
            for (int i = 0; i < TEXTS.size(); i++) {
                float[] expected = model.encode(List.of(TEXTS.get(i)), EncodeOptions.defaults().withNormalize(true))[0];
                assertArrayEquals(expected, floats(answers.get(i).get().get(0)), 1e-6f);
            }
            String metrics = h.get("/metrics").body();
            double batches = Http.metric(metrics, "koembed_batch_requests_count");
            assertEquals(TEXTS.size(), Http.metric(metrics, "koembed_batch_requests_sum"));
            assertTrue(batches < TEXTS.size(), TEXTS.size() + " requests ran in " + batches + " batches");
        }
    }

    /** A full queue answers 429 with Retry-After at once instead of queueing without bound. */
    @Test
    void fullQueueIsRefusedWith429() throws Exception {
        try (EmbeddingServer s = EmbeddingServer.start(model, ServerOptions.defaults("m").withPort(0)
                .withMaxConcurrentRequests(1).withMaxBatchWait(Duration.ofMillis(1500)))) {
            Http h = new Http(s.uri(), null);
            CompletableFuture<Http.Answer> first = CompletableFuture.supplyAsync(
                    () -> h.postJson("/embed", Map.of("inputs", "first")));
            awaitInflight(s, 1);
            Http.Answer refused = h.postJson("/v1/embeddings", Map.of("input", "second"));
            assertEquals(429, refused.status());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("rate_limit_exceeded", refused.json().get("error").get("code").asText());
            Http.Answer tei = h.postJson("/embed", Map.of("inputs", "third"));
            assertEquals("Overloaded", tei.json().get("error_type").asText());
            assertEquals(200, first.get().status());
        }
    }

    /** close() lets the request in flight finish, then refuses new connections. */
    @Test
    void closeFinishesRequestsInFlight() throws Exception {
        EmbeddingServer s = EmbeddingServer.start(model, ServerOptions.defaults("m").withPort(0)
                .withMaxBatchWait(Duration.ofMillis(1000)));
        Http h = new Http(s.uri(), null);
        CompletableFuture<Http.Answer> inFlight = CompletableFuture.supplyAsync(
                () -> h.postJson("/embed", Map.of("inputs", TEXTS.get(2))));
        awaitInflight(s, 1);
        s.close();
        Http.Answer done = inFlight.get();
        assertEquals(200, done.status());
        float[] expected = model.encode(List.of(TEXTS.get(2)), EncodeOptions.defaults().withNormalize(true))[0];
        assertArrayEquals(expected, floats(done.json().get(0)), 1e-6f);
        assertEquals(0, s.inflightRequests());
        assertThrows(UncheckedIOException.class, () -> h.postJson("/embed", Map.of("inputs", "late")));
    }

    static void awaitInflight(EmbeddingServer s, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (s.inflightRequests() < n) {
            assertFalse(System.nanoTime() > deadline, "the request never reached the queue");
            Thread.sleep(5);
        }
    }

    // ---- the bytes clients see: field names, order, nulls and number formats, as the server wrote them before its
    // wire types became records (the expected texts were taken from that server), and HEAD on the GET routes ----

    @Test
    void infoIsTeisWithKoEmbedsOwnFields() {
        assumeTrue(System.getProperty("jdk.virtualThreadScheduler.parallelism") == null,
                "the JVM's carrier threads are sized by jdk.virtualThreadScheduler.parallelism");
        int workers = Runtime.getRuntime().availableProcessors(); // one virtual-thread carrier per core
        assertEquals("{\"model_id\":\"tiny-xlmr-ko\",\"model_sha\":null,\"model_dtype\":\"float32\","
                + "\"model_type\":{\"embedding\":{\"pooling\":\"mean\"}},\"dimensions\":64,"
                + "\"max_concurrent_requests\":512,\"max_input_length\":128,\"max_batch_tokens\":16384,"
                + "\"max_batch_requests\":null,\"max_batch_wait_ms\":5.0,\"max_client_batch_size\":32,"
                + "\"max_payload_bytes\":2000000,\"auto_truncate\":false,\"tokenization_workers\":" + workers + ","
                + "\"prompts\":{},\"version\":\"dev\",\"sha\":null,\"docker_label\":null}", http.get("/info").body());
    }

    @Test
    void tokenizeListsTokensAsTeiDoes() {
        String body = http.postJson("/tokenize", Map.of("inputs", List.of("두 사람이 해변을 걷는다.", "a <mask> b"))).body();
        assertEquals("[[" + token(0, "<s>", true) + "," + token(68, "▁두", false) + "," + token(228, "▁사람이", false)
                + "," + token(828, "▁해변", false) + "," + token(8, "을", false) + "," + token(3505, "▁걷는", false)
                + "," + token(39, "다", false) + "," + token(5, ".", false) + "," + token(2, "</s>", true) + "],["
                + token(0, "<s>", true) + "," + token(11, "▁a", false) + "," + token(8001, "<mask>", true) + ","
                + token(463, "▁b", false) + "," + token(2, "</s>", true) + "]]", body);
    }

    private static String token(int id, String text, boolean special) {
        return "{\"id\":" + id + ",\"text\":\"" + text + "\",\"special\":" + special + ",\"start\":null,\"stop\":null}";
    }

    @Test
    void openAiEmbeddingsInBase64() {
        List<String> texts = List.of("두 사람이 해변을 걷는다.", "해변");
        String body = http.postJson("/v1/embeddings", Map.of("input", texts, "encoding_format", "base64",
                "dimensions", 4)).body();
        float[][] expected = model.encode(texts, EncodeOptions.defaults().withTruncateDim(4).withNormalize(true));
        assertEquals("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"embedding\":\""
                + littleEndianBase64(expected[0]) + "\",\"index\":0},{\"object\":\"embedding\",\"embedding\":\""
                + littleEndianBase64(expected[1]) + "\",\"index\":1}],\"model\":\"tiny-xlmr-ko\","
                + "\"usage\":{\"prompt_tokens\":12,\"total_tokens\":12}}", body);
    }

    private static String littleEndianBase64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    @Test
    void errorBodiesOfBothApis() {
        String message = "must be a string, an array of strings, an array of token ids or an array of arrays of "
                + "token ids, got 5";
        assertEquals("{\"error\":\"`inputs` " + message + "\",\"error_type\":\"Validation\"}",
                http.postJson("/embed", Map.of("inputs", 5)).body());
        assertEquals("{\"error\":{\"message\":\"`input` " + message + "\",\"type\":\"invalid_request_error\","
                + "\"param\":\"input\",\"code\":null}}", http.postJson("/v1/embeddings", Map.of("input", 5)).body());
    }

    @Test
    void headOnAGetRouteAnswersAsGetWithoutTheBody() {
        int infoLength = http.get("/info").body().getBytes(StandardCharsets.UTF_8).length;
        Http.Answer info = head("/info");
        assertEquals(200, info.status());
        assertEquals("application/json", info.headers().firstValue("Content-Type").orElse(""));
        assertEquals(String.valueOf(infoLength), info.headers().firstValue("Content-Length").orElse(""));
        assertEquals("", info.body());
        assertEquals(200, head("/health").status());
        Http.Answer metrics = head("/metrics");
        assertEquals(200, metrics.status());
        assertEquals("", metrics.body());

        Http.Answer embed = head("/embed");
        assertEquals(405, embed.status());
        assertEquals("POST", embed.headers().firstValue("Allow").orElse(""));
        Http.Answer postHealth = http.post("/health", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(405, postHealth.status());
        assertEquals("GET, HEAD", postHealth.headers().firstValue("Allow").orElse(""));
    }

    private static Http.Answer head(String path) {
        return http.send(http.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }
}
