package io.koembed.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics ({@code GET /metrics}, text format 0.0.4): requests by endpoint and status, the
 * queue, the engine batches (requests, sequences, tokens, seconds) and throughput. One registry per server, so that
 * several servers in one JVM (tests) keep their own counts.
 */
final class ServerMetrics {
    private static final double[] COUNTS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    private static final double[] TOKENS = {16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
    private static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Counter requests = Counter.builder().name("koembed_requests_total")
            .help("HTTP requests answered, by endpoint and status code").labelNames("endpoint", "status")
            .register(registry);
    private final Histogram batchRequests = Histogram.builder().name("koembed_batch_requests")
            .help("Requests that share one engine batch").classicOnly().classicUpperBounds(COUNTS).register(registry);
    private final Histogram batchSequences = Histogram.builder().name("koembed_batch_sequences")
            .help("Sequences (texts) in one engine batch").classicOnly().classicUpperBounds(COUNTS).register(registry);
    private final Histogram batchTokens = Histogram.builder().name("koembed_batch_tokens")
            .help("Tokens in one engine batch").classicOnly().classicUpperBounds(TOKENS).register(registry);
    private final Histogram queueSeconds = Histogram.builder().name("koembed_queue_seconds")
            .help("Time from admission until a request's first sequence enters a batch").classicOnly()
            .classicUpperBounds(SECONDS).register(registry);
    private final Histogram inferenceSeconds = Histogram.builder().name("koembed_inference_seconds")
            .help("Time of one engine batch (encoder and pooling)").classicOnly().classicUpperBounds(SECONDS)
            .register(registry);
    private final Counter tokens = Counter.builder().name("koembed_tokens_total")
            .help("Tokens run through the encoder").register(registry);
    private final Gauge tokensPerSecond = Gauge.builder().name("koembed_tokens_per_second")
            .help("Throughput of the last engine batch: its tokens over its inference time").register(registry);

    /** Registers the gauges read from the batcher at scrape time. */
    void watchQueue(IntSupplier waitingRequests, IntSupplier admittedRequests) {
        GaugeWithCallback.builder().name("koembed_queue_requests")
                .help("Requests with sequences waiting for a batch")
                .callback(cb -> cb.call(waitingRequests.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("koembed_inflight_requests")
                .help("Requests admitted and not yet answered (queued or in the engine)")
                .callback(cb -> cb.call(admittedRequests.getAsInt())).register(registry);
    }

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    void queueTime(double seconds) {
        queueSeconds.observe(seconds);
    }

    void batch(int requestCount, int sequenceCount, long tokenCount, double seconds) {
        batchRequests.observe(requestCount);
        batchSequences.observe(sequenceCount);
        batchTokens.observe(tokenCount);
        inferenceSeconds.observe(seconds);
        tokens.inc(tokenCount);
        if (seconds > 0) {
            tokensPerSecond.set(tokenCount / seconds);
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
