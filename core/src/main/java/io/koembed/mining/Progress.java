package io.koembed.mining;

/**
 * Told how far a long computation has come: {@code done} of {@code total} units (rows, iterations). Called from the
 * thread that started the computation, with {@code done} never decreasing.
 */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total) -> { };

    void update(long done, long total);
}
