package io.koembed.tensor;

/**
 * The single-threaded compute primitives of the encoder. Two implementations: {@link ScalarTensorOps}, plain loops
 * that are obviously right (the reference and the fallback), and {@code PanamaTensorOps}, the same contracts on the
 * Java Vector API. Tests run both on the same random inputs and compare. {@link ParallelOps} splits the work of a whole
 * layer across the shared pool and calls these on the pieces.
 *
 * <p>Conventions: activations are row-major {@code float[]}; weight matrices are {@link PackedMatrix}es, packed
 * once at load from the {@code [out, in]} layout safetensors stores.
 */
public interface TensorOps {

    /** A short name for logs and benchmarks ("scalar", "panama-512 7x3": vector bits and matmul tile). */
    String name();

    /**
     * The panel width this implementation's matmul needs for weights held in {@code precision}: pack them with it
     * ({@link PackedMatrix#pack}).
     */
    int panelWidth(WeightPrecision precision);

    /**
     * The rows of the matmul's register tile for weights in {@code precision}: a split of the rows into multiples
     * of it wastes no work.
     */
    int matmulRows(WeightPrecision precision);

    /**
     * A block of {@code C = act(A · Wᵀ + bias)}: for rows {@code i} in [rowStart, rowEnd) and the output columns
     * of panels [panelStart, panelEnd), {@code c[i*n + j] = act(Σ_p a[i*k + p] * W(j, p) + bias[j])}, where
     * {@code k = w.cols()}, {@code n = w.rows()}. Each element is one fused multiply-add chain over p from zero
     * (then the INT8 scale, then the bias), so every implementation gives the same bits before the activation;
     * the activation is {@link #gelu}'s, applied while the block is still in cache.
     *
     * @param a    [m, k] row-major
     * @param w    W [n, k], packed with {@link #panelWidth} of its precision
     * @param bias [n], or null for none
     * @param act  applied to every output element last
     * @param c    [m, n] row-major, written (not accumulated)
     */
    void matmul(float[] a, PackedMatrix w, float[] bias, Activation act, float[] c, int rowStart, int rowEnd,
                int panelStart, int panelEnd);

    /**
     * Scaled dot-product attention of one sequence in one head. Query i is {@code qkv[qOff + i·stride, + d)}, key
     * and value j are at {@code kOff + j·stride} and {@code vOff + j·stride}; for every query
     * {@code out[outOff + i·outStride + c] = Σ_j p_ij · v_j[c]} with {@code p_i = softmax(scale · q_i · k_j)}
     * over the {@code len} keys. Each score is one FMA chain over c from zero, times scale; each output one FMA
     * chain over j from zero: implementations agree bit for bit but for how softmax rounds exp.
     *
     * @param scratch at least {@link #attentionScratch}{@code (len, d)} floats, overwritten
     */
    void attention(float[] qkv, int stride, int qOff, int kOff, int vOff, int len, int d, float scale,
                   float[] out, int outOff, int outStride, float[] scratch);

    /** The scratch floats {@link #attention} needs for a sequence of len tokens and head size d. */
    int attentionScratch(int len, int d);

    /** In place: {@code x[off..off+len) = softmax(x[off..off+len))}, max-subtracted. */
    void softmax(float[] x, int off, int len);

    /**
     * In place "add and norm" of one row: {@code v = x + residual} (residual may be null), then
     * {@code x = (v - mean(v)) / sqrt(var(v) + eps) * gamma + beta} with the biased variance, as torch's LayerNorm.
     */
    void layerNorm(float[] x, int off, float[] residual, int rOff, int len, float[] gamma, float[] beta, float eps);

    /** In place exact (erf) GELU: {@code x = x/2 · (1 + erf(x/√2))}, with {@link Erf}'s float-accurate erf. */
    void gelu(float[] x, int off, int len);

    /** The Vector API implementation where {@link Vectorization} picked it, else the scalar one. */
    static TensorOps best() {
        return Vectorization.TENSOR_OPS;
    }

    /**
     * The Vector API implementation with each matmul tile worth trying on this JVM's vector shape, the default
     * first (for benchmarks that time them side by side); empty without the incubator module.
     */
    static java.util.List<TensorOps> matmulCandidates() {
        return Vectorization.matmulCandidates();
    }

    /** The scalar reference implementation. */
    static TensorOps scalar() {
        return ScalarTensorOps.INSTANCE;
    }
}
