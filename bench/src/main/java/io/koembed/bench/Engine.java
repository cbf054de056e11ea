package io.koembed.bench;

import java.util.List;
import java.util.Optional;

/**
 * One row of the results table: something that turns texts into sentence embeddings. Every engine gets the
 * same texts and batch size and must return mean-pooled embeddings in input order, batching the texts the way
 * sentence-transformers does (longest first, padded per batch to the batch's longest sequence).
 */
public interface Engine extends AutoCloseable {

    /** The row label, e.g. "KoEmbed fp32" or "ONNX Runtime fp32". */
    String name();

    /** Embeddings of {@code texts}, one row per text in input order, computed {@code batchSize} texts at a time. */
    float[][] encode(List<String> texts, int batchSize);

    /** The tokenizer this engine uses, if it brings one (KoEmbed does; ONNX Runtime borrows one). */
    default Optional<TextTokenizer> tokenizer() {
        return Optional.empty();
    }

    /**
     * True if this engine must reproduce the reference within the benchmark's tolerance (fp32 engines); false
     * for reduced-precision engines, whose distance to fp32 is measured and reported instead.
     */
    default boolean isExact() {
        return true;
    }

    /** True for the engine every ratio is taken against (ONNX Runtime). */
    default boolean isBaseline() {
        return false;
    }

    @Override
    void close();
}
