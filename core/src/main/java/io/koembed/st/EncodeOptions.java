package io.koembed.st;

/**
 * The options of {@link SentenceTransformer#encode(java.util.List, EncodeOptions)}, named as in
 * sentence-transformers' {@code encode}. Immutable; start from {@link #defaults()} and change with the
 * {@code with...} methods.
 *
 * @param batchSize   texts per forward pass (sentence-transformers' default 32)
 * @param normalize   L2-normalize the outputs ({@code normalize_embeddings}); after truncation
 * @param prompt      text put before every input ({@code prompt}); wins over {@code promptName}
 * @param promptName  key into the model's configured prompts ({@code prompt_name}), e.g. "query"
 * @param precision   {@code precision}: float32 (default) for {@code encode}, or int8/uint8/binary/ubinary for
 *                    {@link SentenceTransformer#encodeQuantized}
 * @param truncateDim {@code truncate_dim}: keep only the first this many dimensions (Matryoshka); 0 keeps all, as
 *                    does a value at or above the model's dimension
 */
public record EncodeOptions(int batchSize, boolean normalize, String prompt, String promptName,
                            Precision precision, int truncateDim) {

    public EncodeOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (precision == null) {
            precision = Precision.FLOAT32;
        }
        if (truncateDim < 0) {
            throw new IllegalArgumentException("truncate dim must be positive (or 0 for none), got " + truncateDim);
        }
    }

    /** The options before precision and truncateDim existed: float32, all dimensions. */
    public EncodeOptions(int batchSize, boolean normalize, String prompt, String promptName) {
        this(batchSize, normalize, prompt, promptName, Precision.FLOAT32, 0);
    }

    public static EncodeOptions defaults() {
        return new EncodeOptions(32, false, null, null, Precision.FLOAT32, 0);
    }

    public EncodeOptions withBatchSize(int batchSize) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }

    public EncodeOptions withNormalize(boolean normalize) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }

    public EncodeOptions withPrompt(String prompt) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }

    public EncodeOptions withPromptName(String promptName) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }

    public EncodeOptions withPrecision(Precision precision) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }

    /** Matryoshka truncation to the first {@code truncateDim} dimensions (0: none). */
    public EncodeOptions withTruncateDim(int truncateDim) {
        return new EncodeOptions(batchSize, normalize, prompt, promptName, precision, truncateDim);
    }
}
