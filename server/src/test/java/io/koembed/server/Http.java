package io.koembed.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A plain HTTP client for the tests: real requests over the loopback interface, JSON answers. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path TESTDATA = Path.of(System.getProperty("koembed.testdata", "../testdata"));
    static final Path MODEL = TESTDATA.resolve("fixtures/tiny-xlmr-ko");

    record Answer(int status, java.net.http.HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String apiKey;

    Http(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    Answer get(String path) {
        return send(request(path).GET());
    }

    Answer postJson(String path, Object body) {
        try {
            return post(path, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Answer post(String path, String contentType, byte[] body) {
        HttpRequest.Builder r = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            r.header("Content-Type", contentType);
        }
        return send(r);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder r = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            r.header("Authorization", "Bearer " + apiKey);
        }
        return r;
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of a sample line of the Prometheus text, e.g. {@code koembed_batch_requests_count}. */
    static double metric(String metricsText, String sample) {
        for (String line : metricsText.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + sample + " in\n" + metricsText);
    }
}
