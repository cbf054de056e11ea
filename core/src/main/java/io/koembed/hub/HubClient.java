package io.koembed.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings sentence-transformers models from the Hugging Face Hub into the cache that Python's huggingface_hub uses
 * (see {@link RepoCache} for its layout), so Python and Java share one cache and neither downloads twice.
 *
 * <pre>{@code
 * Path dir = HubClient.builder().build().resolve(ModelId.parse("upskyy/e5-base-korean"));
 * try (SentenceTransformer model = SentenceTransformer.load(dir)) { ... }
 * }</pre>
 *
 * {@link #builder()} takes its settings from the environment, as huggingface_hub does: {@code HF_ENDPOINT} (default
 * https://huggingface.co), the cache folder {@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else
 * {@code ~/.cache/huggingface/hub} ({@code XDG_CACHE_HOME} in place of ~/.cache), the token {@code HF_TOKEN}, else the
 * file {@code HF_HOME/token}, and {@code HF_HUB_OFFLINE=1} to use the cache without any network.
 *
 * <p>Online, {@link #resolve} asks the Hub which commit the revision names and which files the repository has (one
 * request), then downloads the files the model needs that the snapshot of that commit lacks (a HEAD and a GET each;
 * nothing when the snapshot has them all). Downloads resume from a left-over {@code .incomplete} file, LFS files are
 * checked against their sha256, and whatever names the server sends, nothing is written outside the cache. When the
 * Hub cannot be reached or refuses (but not for a revision it says does not exist), a cached snapshot of the revision
 * is used, as huggingface_hub does.
 */
public final class HubClient {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private final String endpoint;
    private final Path cacheDir;
    private final boolean hasToken;
    private final boolean offline;
    private final DownloadProgress progress;
    private final int retries;
    private final HubHttp http;

    private HubClient(Builder b) {
        this.endpoint = b.endpoint;
        this.cacheDir = b.cacheDir;
        this.hasToken = b.token != null;
        this.offline = b.offline;
        this.progress = b.progress;
        this.retries = b.retries;
        HttpClient given = b.httpClient;
        // Made on the first request, not here: a client loads the TLS trust store (about 0.2 s), and a model
        // directory or a complete cached snapshot needs no request at all.
        this.http = new HubHttp(() -> given != null ? given : HttpClient.newBuilder()
                .connectTimeout(HubHttp.TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER) // redirects are followed by hand, see HubHttp
                .proxy(ProxySelector.getDefault())
                .build(), endpoint, b.token);
    }

    /** Settings from the environment; see the class comment. */
    public static Builder builder() {
        return builder(System.getenv());
    }

    /** Settings from the given environment variables, read as huggingface_hub reads them. */
    public static Builder builder(Map<String, String> env) {
        Builder b = new Builder();
        String endpoint = nonEmpty(env.get("HF_ENDPOINT"));
        b.endpoint(endpoint != null ? endpoint : DEFAULT_ENDPOINT);
        String xdg = nonEmpty(env.get("XDG_CACHE_HOME"));
        String home = nonEmpty(env.get("HF_HOME"));
        Path hfHome = home != null ? expandHome(home)
                : (xdg != null ? expandHome(xdg) : expandHome("~/.cache")).resolve("huggingface");
        String cache = nonEmpty(env.get("HF_HUB_CACHE"));
        cache = cache != null ? cache : nonEmpty(env.get("HUGGINGFACE_HUB_CACHE"));
        b.cacheDir(cache != null ? expandHome(cache) : hfHome.resolve("hub"));
        String token = cleanToken(env.get("HF_TOKEN"));
        token = token != null ? token : cleanToken(env.get("HUGGING_FACE_HUB_TOKEN"));
        if (token == null) {
            String tokenPath = nonEmpty(env.get("HF_TOKEN_PATH"));
            token = readToken(tokenPath != null ? expandHome(tokenPath) : hfHome.resolve("token"));
        }
        b.token(token);
        String offline = nonEmpty(env.get("HF_HUB_OFFLINE"));
        b.offline(isTrue(offline != null ? offline : env.get("TRANSFORMERS_OFFLINE")));
        return b;
    }

    public static final class Builder {
        private String endpoint = DEFAULT_ENDPOINT;
        private Path cacheDir;
        private String token;
        private boolean offline;
        private HttpClient httpClient;
        private DownloadProgress progress = DownloadProgress.NONE;
        private int retries = 5;

        private Builder() {}

        /** The Hub or a mirror of it, e.g. {@code https://huggingface.co}. */
        public Builder endpoint(String endpoint) {
            String e = endpoint.strip();
            while (e.endsWith("/")) {
                e = e.substring(0, e.length() - 1);
            }
            this.endpoint = e;
            return this;
        }

        /** The huggingface_hub cache folder (the one holding {@code models--org--name} folders). */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /** An access token for private and gated models, or null for none. */
        public Builder token(String token) {
            this.token = cleanToken(token);
            return this;
        }

        /** Use only the cache, never the network. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** The HTTP client (redirects must be off: they are followed by hand). */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        public Builder progress(DownloadProgress progress) {
            this.progress = progress;
            return this;
        }

        /** How often a download that lost its connection is resumed at once (default 5, as huggingface_hub). */
        public Builder retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            }
            this.retries = retries;
            return this;
        }

        public HubClient build() {
            if (cacheDir == null) {
                throw new IllegalStateException("no cache folder set");
            }
            return new HubClient(this);
        }
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /**
     * A model directory for {@code idOrPath}: an existing directory of that name wins; otherwise a Hub id
     * ({@code org/name} or {@code org/name@revision}) is resolved; anything else is returned as the path it names,
     * for the model loader to report as missing.
     */
    public Path locate(String idOrPath) {
        try {
            Path local = Path.of(idOrPath);
            if (Files.isDirectory(local) || !ModelId.looksLikeHubId(idOrPath)) {
                return local;
            }
        } catch (InvalidPathException notAPath) {
            // e.g. a character the file system forbids: only a Hub id can be meant
        }
        return resolve(ModelId.parse(idOrPath));
    }

    /** The local snapshot folder of a model on the Hub, downloading what it lacks; see the class comment. */
    public Path resolve(ModelId id) {
        RepoCache repo = new RepoCache(cacheDir, id.repoId());
        if (offline) {
            Path cached = repo.cachedSnapshot(id.revision());
            if (cached != null) {
                return cached;
            }
            throw new HubException(id + " is not in the cache (" + lookedFor(repo, id) + ") and HF_HUB_OFFLINE is "
                    + "set, so the Hub was not asked; unset HF_HUB_OFFLINE to download it, " + localHint(id));
        }
        HubHttp.Listing listing;
        try {
            listing = http.listing(id);
        } catch (IOException e) {
            boolean noSuchRevision = e instanceof HubHttp.StatusException s && "RevisionNotFound".equals(s.errorCode);
            Path cached = noSuchRevision ? null : repo.cachedSnapshot(id.revision());
            if (cached != null) {
                return cached;
            }
            throw new HubException(listingFailure(id, e) + "; " + id + " is not in the cache ("
                    + lookedFor(repo, id) + "); " + localHint(id), e);
        }
        try {
            for (String file : listing.files()) {
                RepoCache.checkRepoPath(file);
            }
        } catch (HubException e) {
            throw new HubException(http.revisionUrl(id) + " lists an " + e.getMessage());
        }
        try {
            repo.writeRef(id.revision(), listing.commit());
        } catch (IOException e) {
            throw new HubException("cannot record " + id + " in " + repo.folder() + ": " + e, e);
        }
        Set<String> listed = new HashSet<>(listing.files());
        ModelFiles.Fetch fetch = file -> fetch(id, repo, listing.commit(), file);
        List<String> files = ModelFiles.select(listed, fetch);
        if (!files.contains("config.json") && !files.contains("modules.json")) {
            throw new HubException(id + " (commit " + listing.commit() + ") has neither modules.json nor config.json, "
                    + "so it is not a sentence-transformers or transformers model");
        }
        for (String file : files) {
            fetch.fetch(file);
        }
        return repo.snapshot(listing.commit());
    }

    /** One file into the snapshot of {@code commit}: nothing to do if there, else from a cached blob or the Hub. */
    private Path fetch(ModelId id, RepoCache repo, String commit, String file) {
        Path pointer = repo.pointer(commit, file);
        if (Files.exists(pointer)) {
            return pointer;
        }
        String what = id.repoId() + " " + file;
        HubHttp.FileInfo info;
        try {
            info = http.head(id.repoId(), commit, file);
        } catch (IOException e) {
            throw new HubException("cannot fetch " + what + ": " + describe(e), e);
        }
        if (!info.commit().equals(commit)) {
            throw new HubException(http.resolveUrl(id.repoId(), commit, file) + " answered for commit "
                    + RepoCache.printable(info.commit()) + " instead of " + commit);
        }
        Path blob = repo.blob(info.etag());
        Path incomplete = RepoCache.incomplete(blob);
        try {
            repo.locked(info.etag(), () -> {
                boolean newBlob = false;
                if (!Files.exists(blob)) {
                    Files.createDirectories(blob.getParent());
                    http.download(info, incomplete, (done, total) -> progress.update(id.repoId(), file, done, total),
                            retries);
                    if (info.isLfs()) {
                        verifySha256(what, info, incomplete);
                    }
                    Files.move(incomplete, blob, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    newBlob = true;
                }
                if (!Files.exists(pointer)) {
                    RepoCache.link(blob, pointer, newBlob);
                }
            });
        } catch (HubHttp.Interrupted e) {
            String cause = " (" + describe(e.getCause()) + ")";
            throw new HubException(e.done == 0 ? "the download of " + what + " from " + info.location() + " failed"
                    + cause + "; run again to retry"
                    : "the download of " + what + " from " + info.location() + " broke off after " + e.done + " of "
                    + info.size() + " bytes" + cause + "; the part is kept in " + incomplete + " and the next attempt "
                    + "resumes from it", e);
        } catch (IOException e) {
            throw new HubException("cannot fetch " + what + " into " + repo.folder() + ": " + describe(e), e);
        }
        return pointer;
    }

    /** An LFS file's ETag is the sha256 of its bytes; a mismatch throws the download away. */
    private static void verifySha256(String what, HubHttp.FileInfo info, Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equalsIgnoreCase(info.etag())) {
            Files.delete(file);
            throw new HubException(what + " downloaded from " + info.location() + " has sha256 " + actual
                    + ", not the " + info.etag() + " the Hub announced; the download was deleted, run again to "
                    + "download it anew");
        }
    }

    private String listingFailure(ModelId id, IOException e) {
        if (e instanceof HubHttp.StatusException s) {
            String code = s.errorCode == null ? "" : s.errorCode;
            if (code.equals("RevisionNotFound")) {
                return id.repoId() + " has no revision '" + id.revision() + "' (" + s.getMessage()
                        + "): give a branch, tag or commit it has";
            }
            if (code.equals("GatedRepo")) {
                return id.repoId() + " is gated (" + s.getMessage() + "): accept its conditions at " + endpoint + "/"
                        + id.repoId() + " and set HF_TOKEN to a token of that account";
            }
            if (code.equals("RepoNotFound") || s.status == 401 || s.status == 404) {
                return "repository " + id.repoId() + " not found (" + s.getMessage() + "): check the id; for a "
                        + "private or gated model " + (hasToken ? "the token given (HF_TOKEN or the token file) was "
                        + "refused or may not read it" : "set HF_TOKEN to a token that may read it");
            }
            if (s.status == 403) {
                return "access to " + id.repoId() + " was refused (" + s.getMessage() + "): check that "
                        + (hasToken ? "the token may read it" : "the model is public, or set HF_TOKEN");
            }
            return "the Hub failed to list " + id + " (" + s.getMessage() + ")";
        }
        return "cannot reach the Hub at " + http.revisionUrl(id) + " (" + describe(e) + "); check the network, "
                + "a proxy (-Dhttps.proxyHost) or HF_ENDPOINT";
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e instanceof HubHttp.StatusException ? m
                : e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static String lookedFor(RepoCache repo, ModelId id) {
        Path where = id.isCommit() ? repo.snapshot(id.revision()) : repo.folder().resolve("refs").resolve(id.revision());
        return "looked for " + where;
    }

    private static String localHint(ModelId id) {
        return "or pass a local model directory instead (e.g. one made by `huggingface-cli download " + id.repoId()
                + " --local-dir DIR`)";
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + path.substring(1));
        }
        return Path.of(path);
    }

    /** As huggingface_hub: line breaks removed, surrounding blanks stripped, empty means none. */
    static String cleanToken(String token) {
        if (token == null) {
            return null;
        }
        String t = token.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? null : t;
    }

    private static String readToken(Path file) {
        try {
            return cleanToken(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null; // no token file (or unreadable): no token, as for anonymous use
        }
    }

    private static boolean isTrue(String value) {
        return value != null && Set.of("1", "ON", "YES", "TRUE").contains(value.toUpperCase(java.util.Locale.ROOT));
    }
}
