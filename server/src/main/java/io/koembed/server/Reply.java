package io.koembed.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.koembed.JsonFiles;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** An HTTP answer: status, content type, extra headers and body; with the two error bodies the APIs define. */
record Reply(int status, String contentType, Map<String, String> headers, byte[] body) {

    static final String JSON = "application/json";

    static Reply json(Object value) {
        return new Reply(200, JSON, Map.of(), toJson(value));
    }

    /**
     * The error body of the API the path belongs to: OpenAI's {@code {"error": {"message", "type", "param",
     * "code"}}} under {@code /v1/}, text-embeddings-inference's {@code {"error", "error_type"}} elsewhere. 429 and
     * 503 say when to retry.
     */
    static Reply error(ApiError e, int status, boolean openAi) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (openAi) {
            Map<String, Object> inner = new LinkedHashMap<>();
            inner.put("message", e.getMessage());
            inner.put("type", e.kind.openAiType);
            inner.put("param", e.param);
            inner.put("code", e.kind.openAiCode);
            body.put("error", inner);
        } else {
            body.put("error", e.getMessage());
            body.put("error_type", e.kind.teiType);
        }
        Map<String, String> headers = status == 429 || status == 503 ? Map.of("Retry-After", "1") : Map.of();
        return new Reply(status, JSON, headers, toJson(body));
    }

    /** Whether a path is answered in OpenAI's format. */
    static boolean isOpenAiPath(String path) {
        return path != null && (path.startsWith("/v1/") || path.equals("/embeddings"));
    }

    Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, contentType, h, body);
    }

    void send(Response response, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        headers.forEach((name, value) -> response.getHeaders().put(name, value));
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static byte[] toJson(Object value) {
        try {
            return JsonFiles.mapper().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // maps, lists, arrays and numbers always serialize
        }
    }
}
