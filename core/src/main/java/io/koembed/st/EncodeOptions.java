package io.koembed.st;

/**
 * The options of {@link SentenceTransformer#encode(java.util.List, EncodeOptions)}, named as in
 * sentence-transformers' {@code encode}. Immutable; start from {@link #defaults()} and change with the
 * {@code with...} methods.
 *
 * @param batchSize  texts per forward pass (sentence-transformers' default 32)
 * @param normalize  L2-normalize the outputs ({@code normalize_embeddings})
 * @param prompt     text put before every input ({@code prompt}); wins over {@code promptName}
 * @param promptName key into the model's configured prompts ({@code prompt_name}), e.g. "query"
 */
public record EncodeOptions(int batchSize, boolean normalize, String prompt, String promptName) {

    public EncodeOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
    }

    public static EncodeOptions defaults() {
        return new EncodeOptions(32, false, null, null);
    }

    public EncodeOptions withBatchSize(int batchSize) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName);
    }

    public EncodeOptions withNormalize(boolean normalize) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName);
    }

    public EncodeOptions withPrompt(String prompt) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName);
    }

    public EncodeOptions withPromptName(String promptName) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName);
    }
}
