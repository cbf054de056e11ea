package io.koembed.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Whole-tensor operations of the encoder, split across a {@link Parallel} pool and computed by one
 * {@link TensorOps}. The split is chosen so that a single short sentence keeps every core busy too: matmuls split
 * the output columns (each worker streams its own rows of W), attention splits (sequence, head) pairs.
 */
public final class ParallelOps {

    /** Below this many multiply-adds a matmul runs on the calling thread: handing it out costs more. */
    private static final long PARALLEL_MIN_FMAS = 1 << 15;

    private static final class Holder {
        static final ParallelOps SHARED = new ParallelOps(TensorOps.best(), Parallel.shared());
    }

    private final TensorOps ops;
    private final Parallel parallel;

    public ParallelOps(TensorOps ops, Parallel parallel) {
        this.ops = ops;
        this.parallel = parallel;
    }

    /** The best {@link TensorOps} on the shared pool. */
    public static ParallelOps shared() {
        return Holder.SHARED;
    }

    public TensorOps ops() {
        return ops;
    }

    public Parallel parallel() {
        return parallel;
    }

    /** Packs a weight matrix for these kernels' matmul (see {@link PackedMatrix#pack}). */
    public PackedMatrix pack(MemorySegment w, int rows, int cols, WeightPrecision precision, Arena arena) {
        return PackedMatrix.pack(w, rows, cols, precision, ops.panelWidth(precision), arena);
    }

    /**
     * Packs the transpose of {@code m} [rows, cols] in float32 for these kernels' matmul, without transposing it
     * (see {@link PackedMatrix#packTransposed}): with it, {@code A · mᵀᵀ = A · m}.
     */
    public PackedMatrix packTransposed(float[] m, int rows, int cols) {
        return PackedMatrix.packTransposed(m, rows, cols, ops.panelWidth(WeightPrecision.FLOAT32));
    }

    /**
     * {@code C[m, n] = A[m, k] · W[n, k]ᵀ + bias[n]} with {@code W} packed by {@link #pack}.
     *
     * @param bias null for none
     */
    public void matmul(float[] a, int m, PackedMatrix w, float[] bias, float[] c) {
        matmul(a, m, w, bias, Activation.NONE, c);
    }

    /**
     * {@code C[m, n] = act(A[m, k] · W[n, k]ᵀ + bias[n])}: the activation is applied to each block of C right after
     * the block is computed, while it is in cache (it costs a pass over C otherwise).
     *
     * @param bias null for none
     */
    public void matmul(float[] a, int m, PackedMatrix w, float[] bias, Activation act, float[] c) {
        int k = w.cols(), n = w.rows();
        if ((long) m * k > a.length || (long) m * n > c.length || (bias != null && bias.length < n)
                || w.panelWidth() != ops.panelWidth(w.precision())) {
            throw new IllegalArgumentException("matmul shapes: A needs " + m + "x" + k + " (has " + a.length
                    + "), C " + m + "x" + n + " (has " + c.length + ")"
                    + (bias == null ? "" : ", bias " + n + " (has " + bias.length + ")")
                    + ", W " + w + " (these kernels pack panels of " + ops.panelWidth(w.precision()) + ")");
        }
        int t = parallel.threads(), panels = w.panels();
        if ((long) m * n * k < PARALLEL_MIN_FMAS || t == 1) {
            ops.matmul(a, w, bias, act, c, 0, m, 0, panels);
        } else if (panels >= 2 * t) {
            // output columns: each worker streams only its own panels of W, for batch 1 as for batch 64
            parallel.forRange(panels, t, 1, (q0, q1) -> ops.matmul(a, w, bias, act, c, 0, m, q0, q1));
        } else {
            parallel.forRange(m, t, ops.matmulRows(w.precision()),
                    (i0, i1) -> ops.matmul(a, w, bias, act, c, i0, i1, 0, panels));
        }
    }

    /** Row-wise {@code x = LayerNorm(x + residual)} over {@code rows} rows of {@code cols}; residual may be null. */
    public void addLayerNorm(float[] x, float[] residual, int rows, int cols, float[] gamma, float[] beta,
                             float eps) {
        // a few microseconds per row: hand out no fewer than 16 rows per worker (a short sentence runs on the
        // caller, where waking the pool would cost more than the work)
        int chunks = Math.max(1, Math.min(parallel.threads(), rows / 16));
        parallel.forRange(rows, chunks, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                ops.layerNorm(x, r * cols, residual, r * cols, cols, gamma, beta, eps);
            }
        });
    }

    /** In place exact GELU of {@code x[0, len)}. */
    public void gelu(float[] x, int len) {
        parallel.forRange(len, parallel.threads(), 64, (i0, i1) -> ops.gelu(x, i0, i1 - i0));
    }

    /**
     * Multi-head scaled dot-product attention over a packed batch, every token of a sequence seeing every token
     * of the same sequence and none of the others (there is no padding to mask).
     *
     * @param qkv    [tokens, 3 · hidden] row-major: each token's query, key and value side by side (as one matmul
     *               with the stacked weights writes them); head h owns columns [h·d, (h+1)·d) of each, d =
     *               hidden / heads
     * @param out    [tokens, hidden], overwritten: softmax(q kᵀ / √d) v per sequence and head
     * @param starts sequence s holds tokens [starts[s], starts[s+1]); starts[0] = 0, last = tokens
     */
    public void attention(float[] qkv, float[] out, int hidden, int heads, int[] starts) {
        int seqs = starts.length - 1;
        int d = hidden / heads;
        int tasks = seqs * heads;
        int maxLen = 0;
        for (int s = 0; s < seqs; s++) {
            maxLen = Math.max(maxLen, starts[s + 1] - starts[s]);
        }
        int scratchLen = ops.attentionScratch(maxLen, d);
        parallel.forRange(tasks, parallel.threads() * 4, 1,
                (t0, t1) -> attentionTasks(ops, qkv, out, hidden, heads, starts, t0, t1, new float[scratchLen]));
    }

    /** Attention's tasks [t0, t1) (task = sequence · heads + head) on one thread, as {@link #attention} splits them. */
    private static void attentionTasks(TensorOps ops, float[] qkv, float[] out, int hidden, int heads, int[] starts,
                                       int t0, int t1, float[] scratch) {
        int d = hidden / heads, stride = 3 * hidden;
        float scale = (float) (1.0 / Math.sqrt(d));
        for (int task = t0; task < t1; task++) {
            int s = task / heads, h = task % heads;
            int start = starts[s], len = starts[s + 1] - start;
            int row = start * stride + h * d;
            ops.attention(qkv, stride, row, row + hidden, row + 2 * hidden, len, d, scale,
                    out, start * hidden + h * d, hidden, scratch);
        }
    }

    /**
     * Starts compiling this JVM's kernels while a model loads: a daemon thread runs every operation of an encoder
     * pass a few hundred times on small made-up data, so that the JIT has compiled them by the time the first
     * sentence comes. Without it the first encoder pass runs the Vector API code interpreted, where each vector
     * operation allocates: about twenty times slower than compiled for one sentence of a base model. Loading a model is mostly memory traffic and page faults, so the thread costs the load
     * little. The data is local to the thread; the shared pool is not used. The scalar kernels need no warm-up
     * worth a thread (nothing is boxed in them before compilation).
     */
    public static void warmUpAsync(TensorOps ops, WeightPrecision precision) {
        // once per JVM for each kernel set and precision: a second model (or a test's hundredth) needs none
        if (ops != TensorOps.scalar() && WARMED_UP.add(ops.name() + " " + precision)) {
            Thread.ofPlatform().daemon().name("koembed-warm-up").start(() -> warmUp(ops, precision));
        }
    }

    private static final java.util.Set<String> WARMED_UP = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void warmUp(TensorOps ops, WeightPrecision precision) {
        // Shapes as an encoder's: attention over several heads of a [tokens, 3 · hidden] buffer, sequences longer
        // than a vector has lanes and not a whole number of query blocks (with one head and 8 tokens, softmax's
        // vector loop never ran here and the first real sentence sent attention back to the interpreter). The
        // matmul's inner dimension is short, so that its kernel reaches C2 through calls rather than through one
        // call's long loop (with k = 64 C2 compiled it twice: an on-stack replacement, then the method).
        int rows = 8, k = 16, n = 2 * ops.panelWidth(precision), d = 64, heads = 2, hidden = heads * d;
        int[] starts = {0, 21, 34};
        int tokens = starts[starts.length - 1];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        float[] a = new float[rows * k], c = new float[rows * n], bias = new float[n];
        float[] w = new float[n * k], gamma = new float[n], beta = new float[n];
        float[] qkv = new float[tokens * 3 * hidden], out = new float[tokens * hidden];
        for (float[] x : new float[][] {a, w, bias, gamma, beta, qkv}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
        }
        PackedMatrix packed = PackedMatrix.pack(MemorySegment.ofArray(w), n, k, precision, ops.panelWidth(precision),
                Arena.ofAuto());
        float[] scratch = new float[ops.attentionScratch(starts[1] - starts[0], d)]; // the longer sequence
        int tasks = (starts.length - 1) * heads;
        // enough calls that C2 has compiled them all before a model of base size is loaded (800 was not, at times)
        for (int i = 0; i < 2000; i++) {
            ops.matmul(a, packed, bias, i % 2 == 0 ? Activation.NONE : Activation.GELU, c, 0, rows, 0,
                    packed.panels());
            int task = i % tasks;
            attentionTasks(ops, qkv, out, hidden, heads, starts, task, task + 1, scratch);
            // rows as wide as two panels, with a residual beside and without one (the embeddings' LayerNorm has
            // none: warmed up with one only, C2 compiled that path alone, and the first sentence threw it away)
            ops.layerNorm(c, 0, i % 2 == 0 ? c : null, n, n, gamma, beta, 1e-5f);
        }
    }

    @Override
    public String toString() {
        return "ParallelOps[" + ops.name() + ", " + parallel.threads() + " threads]";
    }
}
