package io.koembed.index;

/**
 * A text to index and its id. A null id gets the next automatic one ("0", "1", ... counted per index); adding a
 * document whose id is already in the index replaces it.
 */
public record Document(String id, String text) {
    public Document {
        if (text == null) {
            throw new IllegalArgumentException("document text is null");
        }
    }

    public static Document of(String text) {
        return new Document(null, text);
    }
}
