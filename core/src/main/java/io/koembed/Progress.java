package io.koembed;

/**
 * Told how far a long computation has come: {@code done} of {@code total} units (texts encoded, texts compared,
 * k-means runs, L-BFGS iterations; each method says which). Called on the thread that started the computation,
 * with {@code done} never decreasing. Where the work may stop early (iterations that converge), {@code total} is
 * the most it can take. {@code SentenceTransformer.encode} reports after every encoder pass, as
 * sentence-transformers' {@code show_progress_bar} does; the CLI turns these calls into its meter on stderr.
 */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total) -> { };

    void update(long done, long total);
}
