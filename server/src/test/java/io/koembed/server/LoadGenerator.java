package io.koembed.server;

import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load test: N concurrent clients post {@code /embed} requests for T seconds against localhost and it reports
 * throughput, p50/p99 latency, status counts, errors and the server's peak RSS (VmHWM from /proc). A measurement,
 * not a unit test (so its name does not end in Test, which surefire would pick up):
 *
 * <pre>
 * bin/run-test-main server io.koembed.server.LoadGenerator --clients 64 --seconds 30
 * bin/run-test-main server io.koembed.server.LoadGenerator --clients 64 --seconds 30 --max-concurrent-requests 16
 * bin/run-test-main server io.koembed.server.LoadGenerator --url http://127.0.0.1:8080 --server-pid 1234 --clients 64
 * </pre>
 *
 * Without {@code --url} it starts the server in this JVM on a free port (options: {@code --model DIR}, default the
 * tiny fixture; {@code --max-concurrent-requests N}), so the peak RSS is this JVM's, clients included. Each request
 * carries one text (cycling through a few Korean sentences of different lengths). An error is anything but 200,
 * 429 and 503, or a failed connection.
 */
public final class LoadGenerator {
    private static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.", "한국어 문장 임베딩을 HTTP로 제공하는 서버의 부하 시험",
            "오늘은 날씨가 맑고 바람이 시원해서 공원에 산책하러 나온 사람들이 많았다. 아이들은 잔디밭에서 뛰어놀았다.");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        int clients = Integer.parseInt(opt.getOrDefault("clients", "64"));
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "30"));
        EmbeddingServer server = null;
        SentenceTransformer model = null;
        URI base;
        long pid;
        if (opt.containsKey("url")) {
            base = URI.create(opt.get("url"));
            pid = Long.parseLong(opt.getOrDefault("server-pid", "-1"));
        } else {
            model = SentenceTransformer.load(Path.of(opt.getOrDefault("model", "testdata/fixtures/tiny-xlmr-ko")));
            ServerOptions options = ServerOptions.defaults("load-test").withPort(0);
            if (opt.containsKey("max-concurrent-requests")) {
                options = options.withMaxConcurrentRequests(Integer.parseInt(opt.get("max-concurrent-requests")));
            }
            server = EmbeddingServer.start(model, options);
            base = server.uri();
            pid = ProcessHandle.current().pid();
            System.out.println("server in this JVM on " + base + ", max-concurrent-requests "
                    + options.maxConcurrentRequests());
        }
        try {
            run(base, pid, clients, seconds);
        } finally {
            if (server != null) {
                server.close();
                model.close();
            }
        }
    }

    private static void run(URI base, long pid, int clients, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        List<long[]> latencies = new ArrayList<>(); // per client: nanoseconds of its 200 answers
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                long[][] mine = {new long[1024]};
                int[] count = {0};
                int client = c;
                pool.submit(() -> {
                    for (int n = 0; System.nanoTime() < end; n++) {
                        String text = TEXTS.get((client + n) % TEXTS.size());
                        HttpRequest r = HttpRequest.newBuilder(base.resolve("/embed"))
                                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"" + text + "\"}")).build();
                        long t0 = System.nanoTime();
                        try {
                            int status = http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
                            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                            if (status == 200) {
                                if (count[0] == mine[0].length) {
                                    mine[0] = Arrays.copyOf(mine[0], count[0] * 2);
                                }
                                mine[0][count[0]++] = System.nanoTime() - t0;
                            } else if (status == 429 || status == 503) {
                                Thread.sleep(100); // what Retry-After asks of a polite client, shortened
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    synchronized (latencies) {
                        latencies.add(Arrays.copyOf(mine[0], count[0]));
                    }
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long served = all.length;
        System.out.printf(Locale.ROOT, "clients %d, %.1f s against %s%n", clients, elapsed, base);
        System.out.println("answers by status: " + new TreeMap<>(statuses) + ", errors (other status or I/O): "
                + errors.get());
        System.out.printf(Locale.ROOT, "throughput: %.1f served requests/s%n", served / elapsed);
        if (served > 0) {
            System.out.printf(Locale.ROOT, "latency of served requests: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    all[(int) (served * 0.50)] / 1e6, all[Math.min(all.length - 1, (int) (served * 0.99))] / 1e6,
                    all[all.length - 1] / 1e6);
        }
        System.out.println("server peak RSS (VmHWM of pid " + pid + "): " + peakRss(pid));
    }

    private static String peakRss(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        if (pid < 0 || !Files.exists(status)) {
            return "unknown (pass --server-pid)";
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format(Locale.ROOT, "%.1f MB", kb / 1024.0);
            }
        }
        return "unknown";
    }
}
