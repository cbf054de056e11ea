package io.koembed.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The HTTP side of the API: finds the route, checks the method, the API key, the content type and the body size,
 * parses the JSON, calls {@link Routes}, and turns every refusal into the JSON error body of its API. Runs on a
 * virtual thread per request, so it may block while the request waits for its batch.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = Logger.getLogger(ApiHandler.class.getName());

    /**
     * One endpoint: its method, whether it needs the API key, and what it does with the body (null for GET). A GET
     * route also answers HEAD, as GET without the body (Jetty leaves the body of a HEAD answer out).
     */
    private record Route(String method, boolean needsKey, Function<byte[], Reply> action) {
        boolean allows(String requestMethod) {
            return method.equals(requestMethod) || (method.equals("GET") && requestMethod.equals("HEAD"));
        }

        /** The {@code Allow} header of a 405. */
        String allowed() {
            return method.equals("GET") ? "GET, HEAD" : method;
        }
    }

    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final ServerMetrics metrics;
    private final int maxPayloadBytes;
    private final byte[] apiKeyDigest; // null: no key required

    ApiHandler(Routes api, ServerMetrics metrics, ServerOptions options) {
        this.metrics = metrics;
        this.maxPayloadBytes = options.maxPayloadBytes();
        this.apiKeyDigest = options.apiKey() == null ? null : sha256(options.apiKey());
        post("/embed", api::embed);
        post("/similarity", api::similarity);
        post("/tokenize", api::tokenize);
        post("/v1/embeddings", api::openAiEmbeddings);
        post("/embeddings", api::openAiEmbeddings); // TEI serves the OpenAI route under both names
        routes.put("/info", new Route("GET", true, body -> Reply.json(api.info())));
        // Health and metrics stay open, as in TEI: probes and scrapers carry no key.
        routes.put("/health", new Route("GET", false, body -> new Reply(200, Reply.JSON, Map.of(), new byte[0])));
        routes.put("/metrics", new Route("GET", false,
                body -> new Reply(200, metrics.contentType(), Map.of(), metrics.scrape())));
    }

    private void post(String path, Function<RequestBody, Object> endpoint) {
        routes.put(path, new Route("POST", true, body -> Reply.json(endpoint.apply(RequestBody.parse(body)))));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        Route route = routes.get(path);
        Reply reply;
        try {
            reply = answer(request, path, route);
        } catch (ApiError e) {
            if (e.kind != ApiError.Kind.TOO_LARGE && e.kind != ApiError.Kind.MALFORMED) {
                dropUnreadBody(request);
            }
            reply = Reply.error(e, e.kind.status, Reply.isOpenAiPath(path));
            if (e.kind == ApiError.Kind.METHOD_NOT_ALLOWED) {
                reply = reply.withHeader("Allow", route.allowed());
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "request " + request.getMethod() + " " + path + " failed", e);
            reply = Reply.error(new ApiError(ApiError.Kind.BACKEND, "internal error: " + e), 500,
                    Reply.isOpenAiPath(path));
        }
        metrics.request(route == null ? "other" : path, reply.status());
        reply.send(response, callback);
        return true;
    }

    private Reply answer(Request request, String path, Route route) {
        if (route == null) {
            throw new ApiError(ApiError.Kind.NOT_FOUND, "no endpoint " + path + "; the endpoints are "
                    + String.join(", ", routes.keySet()));
        }
        if (!route.allows(request.getMethod())) {
            throw new ApiError(ApiError.Kind.METHOD_NOT_ALLOWED, request.getMethod() + " " + path
                    + " is not allowed; use " + route.method());
        }
        if (route.needsKey()) {
            checkApiKey(request);
        }
        return route.action().apply(route.method().equals("POST") ? readJsonBody(request) : null);
    }

    /** {@code Authorization: Bearer KEY}, compared in constant time (digests of equal length, MessageDigest.isEqual). */
    private void checkApiKey(Request request) {
        if (apiKeyDigest == null) {
            return;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(ApiError.Kind.UNAUTHORIZED, "missing API key: send the header "
                    + "\"Authorization: Bearer YOUR_KEY\"");
        }
        if (!MessageDigest.isEqual(apiKeyDigest, sha256(header.substring(7).trim()))) {
            throw new ApiError(ApiError.Kind.UNAUTHORIZED, "invalid API key");
        }
    }

    /** The body of a JSON request, refused when it is not JSON in UTF-8 or larger than the payload limit. */
    private byte[] readJsonBody(Request request) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (!isJsonUtf8(type)) {
            throw new ApiError(ApiError.Kind.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json "
                    + "(UTF-8), got " + (type == null ? "none" : "\"" + type + "\""));
        }
        long declared = request.getLength();
        try (InputStream in = Request.asInputStream(request)) {
            if (declared > maxPayloadBytes) {
                drain(in);
                throw tooLarge(declared + " bytes");
            }
            byte[] body = in.readNBytes(maxPayloadBytes + 1);
            if (body.length > maxPayloadBytes) {
                drain(in);
                throw tooLarge("more than " + maxPayloadBytes + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw new ApiError(ApiError.Kind.MALFORMED, "cannot read the request body: " + e.getMessage());
        }
    }

    /** How much of a refused body is read and dropped so that the client, still sending, gets the 413. */
    private static final long DRAIN_BYTES = 8L << 20;

    /**
     * Reads and drops what is left of a refused body, up to {@link #DRAIN_BYTES}: a client that sends its whole
     * body before it reads the answer (the JDK's HttpClient does) would otherwise meet a closed connection while
     * still writing, and report a broken pipe instead of the 413. A larger body is cut off.
     */
    private static void drain(InputStream in) throws IOException {
        long left = DRAIN_BYTES;
        byte[] buf = new byte[8192];
        for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; ) {
            left -= n;
        }
    }

    /**
     * Reads and drops the body of a request refused before its body was read (unknown route, wrong method, API key,
     * content type), as {@link #drain} does for a too large one. Left unread, Jetty closes the connection after the
     * answer without saying so in a header, and a client that reuses its connections (the JDK's HttpClient, the
     * server tests) may send the next request down it and get no answer at all.
     */
    private static void dropUnreadBody(Request request) {
        try (InputStream in = Request.asInputStream(request)) {
            drain(in);
        } catch (IOException e) {
            // the connection is gone or the body broken: the answer is all that is left to try
        }
    }

    private ApiError tooLarge(String size) {
        return new ApiError(ApiError.Kind.TOO_LARGE, "the request body has " + size + ", more than the limit of "
                + maxPayloadBytes + " bytes (--max-payload-bytes)");
    }

    /** application/json (or a +json type), with no charset or charset=utf-8. */
    static boolean isJsonUtf8(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String media = parts[0].trim();
        if (!media.equals("application/json") && !(media.startsWith("application/") && media.endsWith("+json"))) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("charset=") && !p.substring(8).replace("\"", "").equals("utf-8")) {
                return false;
            }
        }
        return true;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
