package io.koembed.st;

/**
 * A sentence-transformers module that comes after pooling and maps one sentence vector to another
 * (Dense, Normalize). They run in the order modules.json lists them.
 */
public sealed interface VectorModule permits Dense, Normalize {

    /** The module's output for one sentence vector. */
    float[] apply(float[] vector);

    /** Width of the output for an input of the given width. */
    int outputDimension(int inputDimension);
}
