package io.koembed.classify;

/** A classifier was asked to work on embeddings of another model than the one it was trained on. */
public class EmbeddingModelMismatchException extends IllegalArgumentException {
    public EmbeddingModelMismatchException(String message) {
        super(message);
    }
}
