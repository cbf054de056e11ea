package io.koembed.cli;

import io.koembed.server.EmbeddingServer;
import io.koembed.server.ServerOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code koembed serve}: the embedding server (OpenAI {@code /v1/embeddings} and text-embeddings-inference's
 * routes) until SIGINT or SIGTERM, which stop it gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the model over HTTP: OpenAI's POST /v1/embeddings and text-embeddings-inference's "
                + "/embed, /similarity, /tokenize, /info, /health and /metrics, with dynamic batching.")
final class ServeCommand implements Callable<Integer> {
    private static final ServerOptions DEFAULTS = ServerOptions.defaults("");

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1; "
            + "0.0.0.0 for every interface).")
    String host = DEFAULTS.host();

    @Option(names = {"-p", "--port"}, description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = DEFAULTS.port();

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "Model name in /info and OpenAI responses (default: the --model argument).")
    String servedModelName;

    @Option(names = "--max-batch-tokens", paramLabel = "N",
            description = "Token budget of one engine batch (default ${DEFAULT-VALUE}).")
    int maxBatchTokens = DEFAULTS.maxBatchTokens();

    @Option(names = "--max-batch-wait-ms", paramLabel = "MS",
            description = "How long an idle engine waits for more requests to join a batch (default ${DEFAULT-VALUE}).")
    long maxBatchWaitMs = DEFAULTS.maxBatchWait().toMillis();

    @Option(names = "--max-concurrent-requests", paramLabel = "N",
            description = "Requests queued or running at once; more get 429 with Retry-After (default ${DEFAULT-VALUE}).")
    int maxConcurrentRequests = DEFAULTS.maxConcurrentRequests();

    @Option(names = "--max-client-batch-size", paramLabel = "N",
            description = "Inputs in one request; more get 413 (default ${DEFAULT-VALUE}).")
    int maxClientBatchSize = DEFAULTS.maxClientBatchSize();

    @Option(names = "--max-input-length", paramLabel = "TOKENS",
            description = "Tokens per input, special tokens included (default: the model's max_seq_length). Longer "
                    + "inputs get 413 unless the request says \"truncate\": true.")
    int maxInputLength = DEFAULTS.maxInputLength();

    @Option(names = "--max-payload-bytes", paramLabel = "BYTES",
            description = "Largest request body; larger ones get 413 (default ${DEFAULT-VALUE}).")
    int maxPayloadBytes = DEFAULTS.maxPayloadBytes();

    @Option(names = "--auto-truncate", description = "Cut over-long inputs when a request does not say "
            + "\"truncate\" (and always on /v1/embeddings), as text-embeddings-inference's --auto-truncate.")
    boolean autoTruncate;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require \"Authorization: Bearer KEY\" "
            + "(all routes but /health and /metrics). Default: the environment variable KOEMBED_API_KEY, if set.")
    String apiKey = System.getenv("KOEMBED_API_KEY");

    @Option(names = "--shutdown-timeout-ms", paramLabel = "MS",
            description = "On SIGTERM/SIGINT, how long to wait for requests in flight (default ${DEFAULT-VALUE}).")
    long shutdownTimeoutMs = DEFAULTS.shutdownTimeout().toMillis();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        String name = servedModelName != null ? servedModelName : String.valueOf(model.model);
        ServerOptions options = new ServerOptions(host, port, name, maxBatchTokens, Duration.ofMillis(maxBatchWaitMs),
                maxConcurrentRequests, maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey,
                Duration.ofMillis(shutdownTimeoutMs));
        // The server closes before the model: close() waits until no batch runs any more.
        try (SentenceTransformer st = model.load();
             EmbeddingServer server = EmbeddingServer.start(st, options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "koembed-shutdown"));
            err.println("koembed: serving " + name + " (" + st.dimension() + " dimensions) on " + server.uri()
                    + (options.apiKey() != null ? " (API key required)" : ""));
            err.flush();
            server.join();
        }
        return 0;
    }
}
