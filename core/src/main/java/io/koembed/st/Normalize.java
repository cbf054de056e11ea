package io.koembed.st;

import io.koembed.tensor.VectorOps;

/** sentence-transformers' Normalize module: L2 normalization with torch's eps of 1e-12 on the norm. */
public record Normalize() implements VectorModule {

    @Override
    public float[] apply(float[] v) {
        return l2Normalized(v);
    }

    @Override
    public int outputDimension(int inputDimension) {
        return inputDimension;
    }

    /** torch.nn.functional.normalize(v, p=2, dim=-1): v / max(||v||, 1e-12). */
    static float[] l2Normalized(float[] v) {
        return VectorOps.l2Normalized(v);
    }
}
