package io.koembed.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --truncate-dim N}: keep the first N dimensions (Matryoshka), sentence-transformers' {@code truncate_dim}.
 * Index's help (it applies to a new index only) is in its resource bundle under {@code truncate-dim}.
 */
final class TruncateDim {
    @Option(names = "--truncate-dim", paramLabel = "N",
            description = "Keep the first N dimensions (Matryoshka), before --normalize and --precision.")
    Integer truncateDim;

    /** The number of dimensions to keep, or null when not given; a usage error below 1. */
    Integer value() {
        if (truncateDim != null && truncateDim < 1) {
            throw new UsageError("--truncate-dim must be at least 1, got " + truncateDim);
        }
        return truncateDim;
    }

    /** As sentence-transformers, a value at or above the model's dimension keeps all: say so, it is likely a slip. */
    void warnIfNotBelow(int dimension, PrintWriter err) {
        if (truncateDim != null && truncateDim >= dimension) {
            err.println("koembed: warning: --truncate-dim " + truncateDim + " is not below the model's dimension "
                    + dimension + "; keeping all dimensions");
        }
    }
}
