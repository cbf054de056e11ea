package io.koembed.tensor;

/**
 * The single-threaded compute primitives of the encoder. Two implementations: {@link ScalarTensorOps}, plain loops
 * that are obviously right (the reference and the fallback), and {@code PanamaTensorOps}, the same contracts on the
 * Java Vector API. Tests run both on the same random inputs and compare. {@link Kernels} splits the work of a whole
 * layer across the shared pool and calls these on the pieces.
 *
 * <p>Conventions: activations are row-major {@code float[]}; weight matrices are {@link PackedMatrix}es, packed
 * once at load from the {@code [out, in]} layout safetensors stores.
 */
public interface TensorOps {

    /** A short name for logs and benchmarks ("scalar", "panama-512 7x3": vector bits and matmul tile). */
    String name();

    /**
     * The panel width this implementation's matmul needs: pack weights with it ({@link PackedMatrix#pack}).
     */
    int panelWidth();

    /** The rows of the matmul's register tile: a split of the rows into multiples of it wastes no work. */
    int matmulRows();

    /**
     * A block of {@code C = act(A · Wᵀ + bias)}: for rows {@code i} in [rowStart, rowEnd) and the output columns
     * of panels [panelStart, panelEnd), {@code c[i*n + j] = act(Σ_p a[i*k + p] * W(j, p) + bias[j])}, where
     * {@code k = w.cols()}, {@code n = w.rows()}. Each element is one fused multiply-add chain over p from zero
     * (then the INT8 scale, then the bias), so every implementation gives the same bits before the activation;
     * the activation is {@link #gelu}'s, applied while the block is still in cache.
     *
     * @param a    [m, k] row-major
     * @param w    W [n, k], packed with {@link #panelWidth()}
     * @param bias [n], or null for none
     * @param act  applied to every output element last
     * @param c    [m, n] row-major, written (not accumulated)
     */
    void matmul(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart, int rowEnd,
                int panelStart, int panelEnd);

    /**
     * Attention scores of one query against n keys: {@code scores[j] = scale · Σ_c q[qOff + c] · k[kOff + j·kStride
     * + c]} for c in [0, d), j in [0, n).
     */
    void scores(float[] q, int qOff, float[] k, int kOff, int kStride, int n, int d, float scale, float[] scores);

    /**
     * Attention output of one query: {@code out[outOff + c] = Σ_j p[j] · v[vOff + j·vStride + c]} for c in [0, d),
     * j in [0, n); out is overwritten.
     */
    void weightedSum(float[] p, int n, float[] v, int vOff, int vStride, int d, float[] out, int outOff);

    /** In place: {@code x[off..off+len) = softmax(x[off..off+len))}, max-subtracted. */
    void softmax(float[] x, int off, int len);

    /**
     * In place "add and norm" of one row: {@code v = x + residual} (residual may be null), then
     * {@code x = (v - mean(v)) / sqrt(var(v) + eps) * gamma + beta} with the biased variance, as torch's LayerNorm.
     */
    void layerNorm(float[] x, int off, float[] residual, int rOff, int len, float[] gamma, float[] beta, float eps);

    /** In place exact (erf) GELU: {@code x = x/2 · (1 + erf(x/√2))}, with {@link Erf}'s float-accurate erf. */
    void gelu(float[] x, int off, int len);

    /**
     * The best implementation available: the Vector API one when {@code jdk.incubator.vector} is present (and the
     * system property {@code koembed.vector} is not {@code false}), else the scalar one, with a warning.
     */
    static TensorOps best() {
        return Provider.BEST;
    }

    /**
     * The Vector API implementation with each matmul tile worth trying on this JVM's vector shape, the default
     * first (for benchmarks that time them side by side); empty without the incubator module.
     */
    static java.util.List<TensorOps> matmulCandidates() {
        return Provider.candidates();
    }

    /** The scalar reference implementation. */
    static TensorOps scalar() {
        return ScalarTensorOps.INSTANCE;
    }
}
