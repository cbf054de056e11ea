package io.koembed.cli;

import picocli.CommandLine.Option;

/**
 * {@code -b/--batch-size}: texts per forward pass, sentence-transformers' {@code batch_size}. A command whose default
 * or help differs (eval uses the evaluator's 16) says so in its resource bundle under {@code batch-size} and
 * {@code batch-size.default}.
 */
final class BatchSize {
    @Option(names = {"-b", "--batch-size"}, defaultValue = "${bundle:batch-size.default:-32}", paramLabel = "N",
            description = "Texts per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    /** The batch size, refused below 1 as a usage error. */
    int value() {
        if (batchSize < 1) {
            throw new UsageError("--batch-size must be at least 1, got " + batchSize);
        }
        return batchSize;
    }
}
