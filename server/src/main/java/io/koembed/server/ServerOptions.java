package io.koembed.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link EmbeddingServer} listens, batches and limits. Defaults follow text-embeddings-inference's where it has
 * the same knob. Immutable; start from {@link #defaults(String)} and change with the {@code with...} methods.
 *
 * @param host                  address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
 * @param port                  TCP port (default 8080; 0 picks a free one)
 * @param modelId               the model name reported in {@code /info} and OpenAI responses
 * @param maxBatchTokens        token budget of one engine batch (TEI's {@code --max-batch-tokens}, 16384)
 * @param maxBatchWait          how long an idle engine waits for more requests to join a batch (5 ms)
 * @param maxConcurrentRequests requests admitted at once, queued or running; more get 429 (TEI's default 512)
 * @param maxClientBatchSize    inputs in one request; more get 413 (TEI's default 32)
 * @param maxInputLength        tokens per input, special tokens included; 0 means the model's max_seq_length
 * @param maxPayloadBytes       request body size; larger bodies get 413 (TEI's default 2,000,000)
 * @param autoTruncate          cut over-long inputs instead of refusing them when a request does not say
 *                              ({@code truncate} of /embed; always for /v1/embeddings, as TEI does)
 * @param apiKey                the key clients must send as {@code Authorization: Bearer KEY}; null for none
 * @param shutdownTimeout       how long closing waits for requests in flight
 */
public record ServerOptions(String host, int port, String modelId, int maxBatchTokens, Duration maxBatchWait,
                            int maxConcurrentRequests, int maxClientBatchSize, int maxInputLength,
                            int maxPayloadBytes, boolean autoTruncate, String apiKey, Duration shutdownTimeout) {

    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(maxBatchWait, "maxBatchWait");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        positive("max batch tokens", maxBatchTokens);
        positive("max concurrent requests", maxConcurrentRequests);
        positive("max client batch size", maxClientBatchSize);
        positive("max payload bytes", maxPayloadBytes);
        if (maxInputLength < 0) {
            throw new IllegalArgumentException("max input length must be positive (or 0 for the model's), got "
                    + maxInputLength);
        }
        if (maxBatchWait.isNegative() || shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }

    public static ServerOptions defaults(String modelId) {
        return new ServerOptions("127.0.0.1", 8080, modelId, 16384, Duration.ofMillis(5), 512, 32, 0, 2_000_000,
                false, null, Duration.ofSeconds(30));
    }

    public ServerOptions withHost(String host) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withPort(int port) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxBatchTokens(int maxBatchTokens) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxBatchWait(Duration maxBatchWait) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxConcurrentRequests(int maxConcurrentRequests) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxClientBatchSize(int maxClientBatchSize) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxInputLength(int maxInputLength) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withMaxPayloadBytes(int maxPayloadBytes) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withAutoTruncate(boolean autoTruncate) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withApiKey(String apiKey) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }

    public ServerOptions withShutdownTimeout(Duration shutdownTimeout) {
        return new ServerOptions(host, port, modelId, maxBatchTokens, maxBatchWait, maxConcurrentRequests,
                maxClientBatchSize, maxInputLength, maxPayloadBytes, autoTruncate, apiKey, shutdownTimeout);
    }
}
