package io.koembed.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bytes clients see: field names, order, nulls and number formats of the answers, as the server wrote them
 * before its wire types became records (the expected texts were taken from that server), and HEAD on the GET
 * routes.
 */
class WireFormatTest {
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
