package io.koembed.spark;

/**
 * Embedding failed on an executor: the model could not be had there, or {@code encode} refused a chunk of rows.
 * The message is one line that names the model, the executor and, where rows are to blame, the rows; Spark reports
 * it as the cause of the failed job.
 */
public class EmbedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmbedException(String message, Throwable cause) {
        super(message, cause);
    }
}
