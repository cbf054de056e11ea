package io.koembed.server;

import io.koembed.server.ApiTypes.ErrorResponse;
import io.koembed.server.ApiTypes.OpenAiError;
import io.koembed.server.ApiTypes.OpenAiErrorResponse;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** An HTTP answer: status, content type, extra headers and body; with the two error bodies the APIs define. */
record Reply(int status, String contentType, Map<String, String> headers, byte[] body) {

    static final String JSON = "application/json";

    /** 200 with a record of {@link ApiTypes} as its JSON body. */
    static Reply json(Object value) {
        return new Reply(200, JSON, Map.of(), ApiTypes.toJson(value));
    }

    /**
     * The error body of the API the path belongs to: OpenAI's {@code {"error": {"message", "type", "param",
     * "code"}}} under {@code /v1/}, text-embeddings-inference's {@code {"error", "error_type"}} elsewhere. 429 and
     * 503 say when to retry.
     */
    static Reply error(ApiError e, int status, boolean openAi) {
        Object body = openAi
                ? new OpenAiErrorResponse(new OpenAiError(e.getMessage(), e.kind.openAiType, e.param, e.kind.openAiCode))
                : new ErrorResponse(e.getMessage(), e.kind.teiType);
        Map<String, String> headers = status == 429 || status == 503 ? Map.of("Retry-After", "1") : Map.of();
        return new Reply(status, JSON, headers, ApiTypes.toJson(body));
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
}
