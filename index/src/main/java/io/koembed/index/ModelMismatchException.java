package io.koembed.index;

/** A query (or documents) embedded by another model than the one that built the index. */
public final class ModelMismatchException extends IllegalArgumentException {
    public ModelMismatchException(String message) {
        super(message);
    }
}
