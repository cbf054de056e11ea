package io.koembed.server;

import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP embedding server for one {@link SentenceTransformer}: OpenAI's {@code POST /v1/embeddings} and
 * text-embeddings-inference's {@code /embed}, {@code /similarity}, {@code /tokenize}, {@code /info}, {@code /health}
 * and {@code /metrics}, with dynamic batching ({@link DynamicBatcher}).
 *
 * <pre>{@code
 * try (SentenceTransformer model = SentenceTransformer.load(dir);
 *      EmbeddingServer server = EmbeddingServer.start(model, ServerOptions.defaults("e5-base-korean"))) {
 *     server.join(); // until close() from another thread, e.g. a shutdown hook
 * }
 * }</pre>
 *
 * <p>HTTP is Jetty 12's core (no servlets): a request runs on a virtual thread and may block while it waits for its
 * batch; Jetty's own refusals (bad request lines, oversized headers, shutdown) get JSON bodies too.
 * {@link #close()} is graceful: connections stop being accepted, requests on open connections get 503, requests in
 * flight finish (up to {@link ServerOptions#shutdownTimeout()}), then the batcher drains and stops. The model stays
 * open: it belongs to the caller.
 */
public final class EmbeddingServer implements AutoCloseable {
    private final Server jetty;
    private final ServerConnector connector;
    private final DynamicBatcher batcher;

    private EmbeddingServer(Server jetty, ServerConnector connector, DynamicBatcher batcher) {
        this.jetty = jetty;
        this.connector = connector;
        this.batcher = batcher;
    }

    /**
     * Starts serving.
     *
     * @throws IllegalArgumentException when the limits do not fit the model (an input longer than its
     *                                  max_seq_length, or a batch budget smaller than one input)
     * @throws IOException              when the address cannot be bound
     */
    public static EmbeddingServer start(SentenceTransformer model, ServerOptions options) throws IOException {
        int maxInputLength = options.maxInputLength() == 0 ? model.maxSeqLength() : options.maxInputLength();
        if (maxInputLength > model.maxSeqLength()) {
            throw new IllegalArgumentException("max input length " + maxInputLength + " exceeds the model's "
                    + "max_seq_length " + model.maxSeqLength());
        }
        if (options.maxBatchTokens() < maxInputLength) {
            throw new IllegalArgumentException("max batch tokens " + options.maxBatchTokens() + " must be at least "
                    + "the max input length " + maxInputLength + ", so that the longest input fits in a batch");
        }
        ServerMetrics metrics = new ServerMetrics();
        DynamicBatcher batcher = new DynamicBatcher(model, options.maxBatchTokens(), options.maxBatchWait(),
                options.maxConcurrentRequests(), metrics);
        metrics.watchQueue(batcher::waitingRequests, batcher::admittedRequests);
        Routes routes = new Routes(new Embedder(model, batcher, maxInputLength, options.maxClientBatchSize()),
                options, maxInputLength);

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("koembed-http");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(options.host());
        connector.setPort(options.port());
        jetty.addConnector(connector);
        jetty.setHandler(new GracefulHandler(new ApiHandler(routes, metrics, options)));
        jetty.setErrorHandler(EmbeddingServer::jettyError);
        jetty.setStopTimeout(options.shutdownTimeout().toMillis());
        try {
            jetty.start();
        } catch (Exception e) {
            batcher.close();
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // already failing; the bind error below is the one to report
            }
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        return new EmbeddingServer(jetty, connector, batcher);
    }

    /** The port listened on (the one picked when {@link ServerOptions#port()} was 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        String host = connector.getHost() == null || connector.getHost().equals("0.0.0.0") ? "127.0.0.1"
                : connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /** Requests admitted and not yet answered (queued or in the engine). */
    int inflightRequests() {
        return batcher.admittedRequests();
    }

    /** Graceful stop: refuse new requests, finish those in flight, stop the batcher. Idempotent. */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the HTTP server failed: " + e, e);
        } finally {
            batcher.close();
        }
    }

    /** Jetty's own refusals (malformed HTTP, too large headers, 503 while shutting down) as JSON error bodies. */
    private static boolean jettyError(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        String text = message != null ? message.toString() : HttpStatus.getMessage(status);
        if (status == HttpStatus.SERVICE_UNAVAILABLE_503) {
            text = "the server is shutting down";
        }
        ApiError e = new ApiError(ApiError.Kind.ofStatus(status), text);
        Reply.error(e, status, Reply.isOpenAiPath(request.getHttpURI().getPath())).send(response, callback);
        return true;
    }
}
