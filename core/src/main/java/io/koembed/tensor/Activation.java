package io.koembed.tensor;

/** What a matmul applies to each output element after the bias, while the tile is still in cache. */
public enum Activation {
    /** The plain {@code A · Wᵀ + bias}. */
    NONE,
    /** The exact (erf) GELU of it, as {@link TensorOps#gelu} computes it. */
    GELU
}
