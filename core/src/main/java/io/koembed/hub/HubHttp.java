package io.koembed.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.Progress;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The Hub's HTTP protocol, as huggingface_hub speaks it:
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{org}/{name}/revision/{revision}}: the commit ({@code sha}) a revision names
 *       and the repository's files ({@code siblings[].rfilename});</li>
 *   <li>{@code HEAD {endpoint}/{org}/{name}/resolve/{commit}/{path}} (relative redirects followed, others not): a
 *       file's {@code X-Repo-Commit}, its ETag ({@code X-Linked-Etag} before {@code ETag}: the sha256 of an LFS
 *       file, the git blob sha1 of others), its size ({@code X-Linked-Size} before {@code Content-Length}) and,
 *       for LFS files, a redirect to where the bytes are ({@code Location}, often a CDN);</li>
 *   <li>{@code GET} of that location with {@code Range: bytes=N-} to resume.</li>
 * </ul>
 * The token goes as {@code Authorization: Bearer} to the endpoint's host only, never to a CDN, and appears in no
 * message. Errors carry the Hub's {@code X-Error-Code} (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 */
final class HubHttp {
    /** huggingface_hub's default for metadata requests and for the wait on a download's first bytes. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_REDIRECTS = 10;

    private final Supplier<HttpClient> clientFactory;
    private HttpClient client; // made on the first request: see HubClient's constructor
    private final String endpoint;
    private final String token;
    private final String endpointAuthority;

    HubHttp(Supplier<HttpClient> clientFactory, String endpoint, String token) {
        this.clientFactory = clientFactory;
        this.endpoint = endpoint;
        this.token = token;
        this.endpointAuthority = URI.create(endpoint).getRawAuthority();
    }

    /** The server answered with an HTTP error. */
    static final class StatusException extends IOException {
        final int status;
        final String errorCode;
        final URI url;

        StatusException(int status, String errorCode, String serverMessage, URI url) {
            super("HTTP " + status + (errorCode == null ? "" : " " + errorCode) + " from " + url
                    + (serverMessage == null || serverMessage.isBlank() ? "" : ": " + RepoCache.printable(serverMessage)));
            this.status = status;
            this.errorCode = errorCode;
            this.url = url;
        }
    }

    /** The commit a revision names and every file of the repository at that commit. */
    record Listing(String commit, List<String> files) {}

    /** What a HEAD request on a file's resolve URL tells. {@code etag} is a sha256 for LFS files. */
    record FileInfo(String commit, String etag, long size, URI location) {
        boolean isLfs() {
            return etag.length() == 64 && etag.chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }
    }

    URI revisionUrl(ModelId id) {
        return URI.create(endpoint + "/api/models/" + id.repoId() + "/revision/" + encode(id.revision(), false));
    }

    URI resolveUrl(String repoId, String commit, String path) {
        return URI.create(endpoint + "/" + repoId + "/resolve/" + commit + "/" + encode(path, true));
    }

    Listing listing(ModelId id) throws IOException {
        URI url = revisionUrl(id);
        HttpResponse<byte[]> r = follow(url, "GET", HttpResponse.BodyHandlers.ofByteArray(), true);
        JsonNode root;
        try {
            root = JsonFiles.mapper().readTree(r.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("the answer from " + url + " is not JSON: " + redact(e.getOriginalMessage()));
        }
        String commit = root == null ? null : root.path("sha").asText(null);
        JsonNode siblings = root == null ? null : root.get("siblings");
        if (!ModelId.isCommitHash(commit) || siblings == null || !siblings.isArray()) {
            throw new IOException("the answer from " + url + " lacks a 40-digit 'sha' or a 'siblings' list, so it "
                    + "does not come from a Hugging Face Hub (check HF_ENDPOINT)");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode s : siblings) {
            files.add(s.path("rfilename").asText(null));
        }
        return new Listing(commit, files);
    }

    FileInfo head(String repoId, String commit, String path) throws IOException {
        URI url = resolveUrl(repoId, commit, path);
        HttpResponse<Void> r = follow(url, "HEAD", HttpResponse.BodyHandlers.discarding(), false);
        var h = r.headers();
        String repoCommit = h.firstValue("X-Repo-Commit").orElse(null);
        if (repoCommit == null) {
            throw new IOException("the answer from " + url + " has no X-Repo-Commit header, so it does not come "
                    + "from a Hugging Face Hub (check HF_ENDPOINT and any proxy)");
        }
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubHttp::normalizeEtag)
                .orElseThrow(() -> new IOException("the answer from " + url + " has no ETag"));
        String size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length"))
                .orElseThrow(() -> new IOException("the answer from " + url + " gives no file size"));
        URI location = r.statusCode() / 100 == 3
                ? r.uri().resolve(h.firstValue("Location").orElseThrow())
                : r.uri();
        try {
            return new FileInfo(repoCommit, etag, Long.parseLong(size.strip()), location);
        } catch (NumberFormatException e) {
            throw new IOException("the answer from " + url + " gives the size '" + RepoCache.printable(size)
                    + "', not a number");
        }
    }

    /** Thrown when a download stopped part way; the bytes so far stay in the .incomplete file. */
    static final class Interrupted extends IOException {
        final long done;

        Interrupted(long done, Throwable cause) {
            super(cause.getMessage(), cause);
            this.done = done;
        }
    }

    /**
     * Downloads {@code info.location()} into {@code incomplete}, resuming from its length with a Range request. A
     * connection lost part way is retried up to {@code retries} times after a second's pause (the count starts
     * again whenever bytes arrived), as huggingface_hub does; HTTP errors are not retried.
     */
    void download(FileInfo info, Path incomplete, Progress progress, int retries) throws IOException {
        long expected = info.size();
        int left = retries;
        while (true) {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (have > expected) {
                Files.delete(incomplete); // not a prefix of this file: start again
                have = 0;
            }
            progress.update(have, expected);
            if (have == expected) {
                return;
            }
            try {
                fetch(info.location(), incomplete, have, expected, progress);
            } catch (StatusException e) {
                if (e.status == 416 || e.status / 100 == 2) {
                    Files.deleteIfExists(incomplete); // the part on disk does not fit this file: start anew next time
                }
                throw e;
            } catch (IOException e) {
                long now = Files.exists(incomplete) ? Files.size(incomplete) : 0;
                if (now > have) {
                    left = retries;
                }
                if (left-- <= 0) {
                    throw new Interrupted(now, e);
                }
                pause();
            }
        }
    }

    private void fetch(URI location, Path incomplete, long have, long expected, Progress progress) throws IOException {
        HttpResponse<InputStream> r = follow(location, "GET", HttpResponse.BodyHandlers.ofInputStream(), true,
                have > 0 ? "bytes=" + have + "-" : null);
        try (InputStream in = r.body()) {
            long done = have;
            if (r.statusCode() == 206) {
                String range = r.headers().firstValue("Content-Range").orElse("");
                if (!range.startsWith("bytes " + have + "-")) {
                    throw new StatusException(206, null, "asked for bytes " + have + "-, got " + range, location);
                }
            } else {
                done = 0; // the server ignored the Range header and sends the whole file
            }
            StandardOpenOption mode = done > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
            try (OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, mode)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (done + n > expected) {
                        throw new StatusException(r.statusCode(), null, "more bytes than the "
                                + expected + " announced", location);
                    }
                    out.write(buffer, 0, n);
                    done += n;
                    progress.update(done, expected);
                }
            }
            if (done < expected) {
                throw new EOFException("the connection ended after " + done + " of " + expected + " bytes");
            }
        }
    }

    /**
     * Sends a request and follows redirects by hand: HEAD requests follow only relative ones (a renamed repository)
     * so that the metadata of the first absolute redirect (an LFS file's CDN location) can be read; GET requests
     * follow all. The token is sent only to the endpoint's host.
     */
    private <T> HttpResponse<T> follow(URI url, String method, HttpResponse.BodyHandler<T> body, boolean all,
                                       String... range) throws IOException {
        URI current = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(TIMEOUT)
                    .header("User-Agent", "koembed; java/" + Runtime.version().feature())
                    .header("Accept-Encoding", "identity");
            if (token != null && Objects.equals(current.getRawAuthority(), endpointAuthority)) {
                b.header("Authorization", "Bearer " + token);
            }
            if (range.length > 0 && range[0] != null) {
                b.header("Range", range[0]);
            }
            HttpResponse<T> r = send(b.build(), body);
            int status = r.statusCode();
            String location = r.headers().firstValue("Location").orElse(null);
            if (status / 100 == 3 && location != null) {
                URI raw;
                URI next;
                try {
                    raw = URI.create(location);
                    next = current.resolve(raw);
                } catch (IllegalArgumentException e) {
                    close(r);
                    throw new IOException("the redirect from " + current + " goes to '" + RepoCache.printable(location)
                            + "', not a URL");
                }
                boolean relative = raw.getScheme() == null && raw.getRawAuthority() == null;
                if (all || relative) {
                    close(r);
                    current = next;
                    continue;
                }
                return r;
            }
            if (status >= 400 || status / 100 == 3) {
                close(r);
                throw new StatusException(status, r.headers().firstValue("X-Error-Code").orElse(null),
                        redact(r.headers().firstValue("X-Error-Message").orElse(null)), current);
            }
            return r;
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + url);
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = clientFactory.get();
        }
        return client;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            return client().send(request, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri());
        }
    }

    private static void close(HttpResponse<?> r) throws IOException {
        if (r.body() instanceof InputStream in) {
            in.close();
        }
    }

    private static void pause() throws InterruptedIOException {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to resume a download");
        }
    }

    /** Server text for a message, without the token should the server have echoed it. */
    private String redact(String serverText) {
        return token == null || serverText == null ? serverText : serverText.replace(token, "<token>");
    }

    /** {@code W/"abc"} and {@code "abc"} are both {@code abc}. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    /**
     * Percent-encodes UTF-8 as Python's {@code urllib.parse.quote}: letters, digits and {@code _.-~} stay, and
     * {@code /} too where {@code keepSlash} (file paths; revisions encode it, e.g. {@code refs%2Fpr%2F1}).
     */
    static String encode(String s, boolean keepSlash) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '~' || (keepSlash && c == '/')) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return b.toString();
    }
}
