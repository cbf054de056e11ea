package io.koembed.st;

/** sentence-transformers' Normalize module: L2 normalization with torch's eps of 1e-12 on the norm. */
record Normalize() implements VectorModule {

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
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.max(Math.sqrt(sum), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }
}
