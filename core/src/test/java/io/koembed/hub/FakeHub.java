package io.koembed.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.koembed.JsonFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, answering as the Hub does (see HubHttp for the protocol):
 * repositories with commits, branches and tags; the revision API; resolve URLs that answer plain files directly
 * (ETag = git blob sha1) and redirect LFS files (*.safetensors, *.bin, *.model) to a CDN path with X-Linked-Etag
 * (their sha256), X-Linked-Size and X-Repo-Commit; a CDN that serves Range requests. The CDN is addressed as
 * "localhost" while the Hub is "127.0.0.1", so that it is another host, as the real CDN is. Every request is
 * recorded, and knobs break a download part way, corrupt one, or make the server hostile. Public (in
 * koembed-core's test-jar) so that other modules' tests can fill a Hub cache the way the real client does.
 */
public final class FakeHub implements AutoCloseable {

    record Request(String method, String path, String host, String authorization, String range) {
        boolean isFile() {
            return path.contains("/resolve/") || path.startsWith("/cdn/");
        }
    }

    public static final class Repo {
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        final Map<String, String> refs = new ConcurrentHashMap<>();
        /** Null for a public repository. */
        volatile String token;
        volatile boolean gated;
        /** Names listed besides the real files (a hostile server). */
        final List<String> extraListing = Collections.synchronizedList(new ArrayList<>());
        /** Error messages repeat the Authorization header received (a careless server). */
        volatile boolean echoAuthorization;
        /** Sent as every LFS file's X-Linked-Etag instead of its sha256 (a hostile server). */
        volatile String etagOverride;

        /** Adds a commit holding {@code files} and points {@code ref} (a branch or tag) at it. */
        public String commit(String ref, Map<String, byte[]> files) {
            String commit = sha1Hex(String.valueOf(new TreeMap<>(hashes(files))).getBytes(StandardCharsets.UTF_8));
            commits.put(commit, Map.copyOf(files));
            refs.put(ref, commit);
            return commit;
        }
    }

    final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final HttpServer server;
    /** The next CDN download of {@link #target} sends only this many bytes, then drops the connection; -1: none. */
    volatile long cutNextDownloadAfter = -1;
    /** The CDN sends {@link #target} with one byte changed. */
    volatile boolean corruptDownloads;
    /** The sha256 of the file the knobs above act on. */
    volatile String target;

    /**
     * Serves a model folder as repository {@code koembed/NAME} (branch main) until stopped, printing each request,
     * so that Python's huggingface_hub can be pointed at it (HF_ENDPOINT) to compare the caches both make:
     * {@code bin/run-test-main core io.koembed.hub.FakeHub testdata/fixtures/tiny-xlmr-ko 8765}.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FakeHub hub = new FakeHub(args.length > 1 ? Integer.parseInt(args[1]) : 0);
        String commit = hub.repo("koembed/" + dir.getFileName()).commit("main", filesOf(dir));
        System.out.println("serving koembed/" + dir.getFileName() + " (main = " + commit + ") at " + hub.endpoint());
        while (true) {
            Thread.sleep(500);
            synchronized (hub.requests) {
                hub.requests.forEach(System.out::println);
                hub.requests.clear();
            }
        }
    }

    public FakeHub() throws IOException {
        this(0);
    }

    private FakeHub(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private String cdn() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    public Repo repo(String id) {
        return repos.computeIfAbsent(id, k -> new Repo());
    }

    List<Request> fileRequests() {
        synchronized (requests) {
            return requests.stream().filter(Request::isFile).toList();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Every file under {@code dir}, by its '/'-separated path. */
    public static Map<String, byte[]> filesOf(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static boolean isLfs(String path) {
        return path.endsWith(".safetensors") || path.endsWith(".bin") || path.endsWith(".model");
    }

    /** What the Hub uses as a plain file's ETag: the git blob id, sha1("blob {size}\0" + bytes). */
    static String gitBlobSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return sha1Hex(all);
    }

    static String sha256Hex(byte[] content) {
        return digest("SHA-256", content);
    }

    private static String sha1Hex(byte[] content) {
        return digest("SHA-1", content);
    }

    private static String digest(String algorithm, byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> hashes(Map<String, byte[]> files) {
        Map<String, String> h = new TreeMap<>();
        files.forEach((k, v) -> h.put(k, sha256Hex(v)));
        return h;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Host"),
                ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Range")));
        try (ex) {
            if (path.startsWith("/api/models/")) {
                revision(ex, path.substring("/api/models/".length()).split("/", 4));
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()));
            } else {
                resolve(ex, path.substring(1).split("/", 5));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The repository and commit that {org}/{name}/{kind}/{revision}/... names. */
    private record Target(Repo repo, String commit) {}

    /** The target of a request, or null after answering for a bad path, repository or revision as the Hub does. */
    private Target target(HttpExchange ex, String[] parts, String kind, int length) throws IOException {
        if (parts.length < length || !parts[2].equals(kind)) {
            error(ex, 404, null, "not found");
            return null;
        }
        Repo repo = access(ex, parts[0] + "/" + parts[1]);
        if (repo == null) {
            return null;
        }
        String commit = commitOf(repo, URLDecoder.decode(parts[3], StandardCharsets.UTF_8));
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id");
            return null;
        }
        return new Target(repo, commit);
    }

    /** {org}/{name}/revision/{revision, %-encoded}. */
    private void revision(HttpExchange ex, String[] parts) throws IOException {
        Target t = target(ex, parts, "revision", 4);
        if (t == null) {
            return;
        }
        ObjectNode root = JsonFiles.mapper().createObjectNode();
        root.put("id", parts[0] + "/" + parts[1]);
        root.put("sha", t.commit());
        ArrayNode siblings = root.putArray("siblings");
        t.repo().commits.get(t.commit()).keySet().stream().sorted()
                .forEach(f -> siblings.addObject().put("rfilename", f));
        t.repo().extraListing.forEach(f -> siblings.addObject().put("rfilename", f));
        send(ex, 200, Map.of("Content-Type", "application/json"), JsonFiles.mapper().writeValueAsBytes(root));
    }

    /** {org}/{name}/resolve/{revision}/{path}. */
    private void resolve(HttpExchange ex, String[] parts) throws IOException {
        Target t = target(ex, parts, "resolve", 5);
        if (t == null) {
            return;
        }
        Repo repo = t.repo();
        String commit = t.commit();
        String file = URLDecoder.decode(parts[4], StandardCharsets.UTF_8);
        byte[] content = repo.commits.get(commit).get(file);
        if (content == null) {
            ex.getResponseHeaders().set("X-Repo-Commit", commit);
            error(ex, 404, "EntryNotFound", "Entry not found");
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (isLfs(file)) {
            String sha = sha256Hex(content);
            h.set("ETag", "\"" + gitBlobSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha
                    + "\nsize " + content.length + "\n").getBytes(StandardCharsets.UTF_8)) + "\"");
            h.set("X-Linked-Etag", "\"" + (repo.etagOverride != null ? repo.etagOverride : sha) + "\"");
            h.set("X-Linked-Size", String.valueOf(content.length));
            h.set("Location", cdn() + "/cdn/" + sha + "?response-content-disposition=attachment");
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.set("ETag", "\"" + gitBlobSha1(content) + "\"");
        send(ex, 200, Map.of(), content);
    }

    /** The bytes of an LFS file by sha256, with Range support. */
    private void cdn(HttpExchange ex, String sha) throws IOException {
        byte[] content = repos.values().stream().flatMap(r -> r.commits.values().stream())
                .flatMap(files -> files.values().stream()).filter(c -> sha256Hex(c).equals(sha))
                .findFirst().orElse(null);
        if (content == null) {
            error(ex, 404, null, "no such object");
            return;
        }
        boolean targeted = sha.equals(target);
        if (targeted && corruptDownloads) {
            content = content.clone();
            content[content.length / 2] ^= 1;
        }
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= content.length) {
                error(ex, 416, null, "range not satisfiable");
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/"
                    + content.length);
        }
        long cut = targeted ? cutNextDownloadAfter : -1;
        if (targeted) {
            cutNextDownloadAfter = -1;
        }
        ex.sendResponseHeaders(range != null ? 206 : 200, content.length - from);
        OutputStream out = ex.getResponseBody();
        int end = cut < 0 ? content.length : (int) Math.min(content.length, from + cut);
        out.write(content, from, end - from);
        out.flush();
        // Closing the exchange with bytes missing makes the server drop the connection, as a broken network does.
    }

    /** The repository, or null after answering as the Hub does for a missing, private or gated one. */
    private Repo access(HttpExchange ex, String id) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", "Repository not found");
            return null;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (repo.token != null && !("Bearer " + repo.token).equals(auth)) {
            if (repo.gated) {
                error(ex, 403, "GatedRepo", "Access to model " + id + " is restricted");
            } else {
                error(ex, 401, "RepoNotFound", "Invalid username or password."
                        + (repo.echoAuthorization ? " You sent: " + auth : ""));
            }
            return null;
        }
        return repo;
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.commits.containsKey(revision)) {
            return revision;
        }
        return repo.refs.get(revision);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        send(ex, status, Map.of("Content-Type", "application/json"),
                ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }
}
