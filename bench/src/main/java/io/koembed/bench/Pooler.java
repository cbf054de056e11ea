package io.koembed.bench;

/** Turns one sequence's token states into its sentence embedding. */
@FunctionalInterface
public interface Pooler {

    /** @param states the sequence's token states, row-major [length, hidden], no padding */
    float[] pool(float[] states, int length);
}
