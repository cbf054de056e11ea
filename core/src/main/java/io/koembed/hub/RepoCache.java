package io.koembed.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One model repository's folder in the huggingface_hub cache, laid out as huggingface_hub lays it out, so that
 * Python and Java share one cache and neither downloads a file the other already has:
 * <pre>
 * {cache}/models--{org}--{name}/
 *     blobs/{etag}                 file contents, named by their ETag: the git blob sha1 of a plain file, the sha256
 *                                  of an LFS file
 *     blobs/{etag}.incomplete      a download under way; the next attempt resumes from its length
 *     snapshots/{commit}/{path}    symbolic link ../../blobs/{etag} (one more ../ per folder level of {path});
 *                                  the file itself where the file system has no symbolic links
 *     refs/{revision}              the commit that branch or tag named when last asked (40 hex digits, no newline)
 * {cache}/.locks/models--{org}--{name}/{etag}.lock   held while that blob is downloaded
 * </pre>
 * Every path is built from checked names, and checked again to stay inside its folder, whatever the server says.
 */
final class RepoCache {
    /** ETags name blob files: a safe file name of letters, digits, '-' and '_' (the Hub sends hex digests). */
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** One lock object per lock file: a JVM cannot take the same file lock twice, so its threads queue first. */
    private static final ConcurrentHashMap<Path, Object> THREAD_LOCKS = new ConcurrentHashMap<>();

    private final Path folder;
    private final Path locks;

    RepoCache(Path cacheDir, String repoId) {
        String name = "models--" + repoId.replace("/", "--");
        this.folder = cacheDir.resolve(name);
        this.locks = cacheDir.resolve(".locks").resolve(name);
    }

    Path folder() {
        return folder;
    }

    Path snapshot(String commit) {
        return inside(folder.resolve("snapshots"), commit);
    }

    /** Where file {@code path} of the repository appears in the snapshot of {@code commit}. */
    Path pointer(String commit, String path) {
        return inside(snapshot(commit), checkRepoPath(path));
    }

    Path blob(String etag) {
        if (!ETAG.matcher(etag).matches()) {
            throw new HubException("the server sent the ETag '" + printable(etag) + "', which is not a digest; "
                    + "refusing to use it as a file name in " + folder.resolve("blobs"));
        }
        return folder.resolve("blobs").resolve(etag);
    }

    static Path incomplete(Path blob) {
        return blob.resolveSibling(blob.getFileName() + ".incomplete");
    }

    /**
     * The commit a revision stands for without asking the Hub: the revision itself if it is a commit hash, else
     * what refs/{revision} recorded; null if unknown.
     */
    String cachedCommit(String revision) {
        if (ModelId.isCommitHash(revision)) {
            return revision;
        }
        Path ref = inside(folder.resolve("refs"), revision);
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return ModelId.isCommitHash(commit) ? commit : null;
        } catch (IOException e) {
            return null; // no such ref (or unreadable): not cached
        }
    }

    /** The cached snapshot folder of a revision, or null; as huggingface_hub, its files are not checked. */
    Path cachedSnapshot(String revision) {
        String commit = cachedCommit(revision);
        if (commit == null) {
            return null;
        }
        Path snapshot = snapshot(commit);
        return Files.isDirectory(snapshot) ? snapshot : null;
    }

    /** Records which commit a branch or tag names now (nothing to record for a commit hash). */
    void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit) || commit.equals(cachedCommit(revision))) {
            return;
        }
        Path ref = inside(folder.resolve("refs"), revision);
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes {@code pointer} show {@code blob}: a relative symbolic link as huggingface_hub makes (so the cache can be
     * moved), else the file itself: a new blob is moved there, a blob other snapshots may use is copied.
     */
    static void link(Path blob, Path pointer, boolean newBlob) throws IOException {
        Files.createDirectories(pointer.getParent());
        Files.deleteIfExists(pointer);
        try {
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (UnsupportedOperationException | IOException noLinks) {
            if (newBlob) {
                Files.move(blob, pointer);
            } else {
                Files.copy(blob, pointer);
            }
        }
    }

    interface LockedWork {
        void run() throws IOException;
    }

    /**
     * Runs {@code work} holding the blob's lock file, so that two downloaders (threads or KoEmbed processes) never
     * write one .incomplete file at once. The lock is a POSIX record lock, which Python's filelock (flock) does
     * not see; huggingface_hub writes to a temporary file of its own name, so the two do not collide.
     */
    void locked(String etag, LockedWork work) throws IOException {
        Path lockFile = locks.resolve(blob(etag).getFileName() + ".lock");
        Files.createDirectories(locks);
        synchronized (THREAD_LOCKS.computeIfAbsent(lockFile, k -> new Object())) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                work.run();
            }
        }
    }

    /**
     * A repository path as the Hub names files ({@code 1_Pooling/config.json}), refused if it could leave the folder
     * it is put in: empty, absolute, a '.' or '..' part, a backslash or drive colon, control characters.
     */
    static String checkRepoPath(String path) {
        String problem = null;
        if (path == null || path.isEmpty()) {
            problem = "empty";
        } else if (path.startsWith("/")) {
            problem = "absolute";
        } else {
            for (int i = 0; i < path.length() && problem == null; i++) {
                char c = path.charAt(i);
                if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
                    problem = "holds a control character, a backslash or a colon";
                }
            }
            for (String part : path.split("/", -1)) {
                if (problem == null && (part.isEmpty() || part.equals(".") || part.equals(".."))) {
                    problem = "has an empty, '.' or '..' part";
                }
            }
        }
        if (problem != null) {
            throw new HubException("unsafe file name '" + printable(path) + "' (" + problem + "): refusing to "
                    + "write it anywhere");
        }
        return path;
    }

    /** {@code base/name}, which must lie strictly inside {@code base} once normalised. */
    private static Path inside(Path base, String name) {
        Path p = base.resolve(name).normalize();
        if (!p.startsWith(base.normalize()) || p.equals(base.normalize())) {
            throw new HubException("'" + printable(name) + "' would leave " + base + ": refused");
        }
        return p;
    }

    /** A name from the server, fit for a one-line message. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 200 ? b + "..." : b.toString();
    }
}
