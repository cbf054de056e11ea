package io.koembed.hub;

/** Told how far the download of one file has come; called from the downloading thread. */
@FunctionalInterface
public interface DownloadProgress {
    DownloadProgress NONE = (repoId, file, done, total) -> { };

    /**
     * {@code done} of {@code total} bytes of {@code file} (a path in repository {@code repoId}) are on disk. The first
     * call gives the bytes kept from an interrupted earlier download (often 0), the last one has {@code done == total}.
     */
    void update(String repoId, String file, long done, long total);
}
