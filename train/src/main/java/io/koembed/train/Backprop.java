package io.koembed.train;

import io.koembed.model.PackedBatch;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.ParallelOps;

/**
 * The encoder's layers forward with what their backward pass needs kept, and backward: LayerNorm, exact GELU,
 * multi-head attention over a packed batch, a Linear layer's backward on the matmul kernels, the embedding tables'
 * rows, and the scratch arrays a pass reuses. The forward values come from the inference kernels wherever they can,
 * so that a pass without dropout is inference's. Row-major float32 throughout; tensors are named as in the forward
 * pass, {@code dX} is the gradient of the loss with respect to X. The elementwise loops run on the kernels' pool.
 */
final class Backprop {

    private Backprop() {
    }

    /**
     * {@code x = LayerNorm(x + residual)} row by row on the inference kernel (the same bits as
     * {@link ParallelOps#addLayerNorm}), keeping {@code xhat = (x + residual - mean) · rstd} and {@code rstd} per row
     * for the backward pass. residual may be null. Biased variance, as torch.
     */
    static void layerNorm(ParallelOps kernels, float[] x, float[] residual, int rows, int cols, float[] gamma,
                          float[] beta, float eps, float[] xhat, float[] rstd) {
        Parallel pool = kernels.parallel();
        pool.forRange(rows, rowChunks(pool, rows), 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float sum = 0f;
                for (int i = 0; i < cols; i++) {
                    float v = residual == null ? x[o + i] : x[o + i] + residual[o + i];
                    xhat[o + i] = v;
                    sum += v;
                }
                float mean = sum / cols;
                float sq = 0f;
                for (int i = 0; i < cols; i++) {
                    float d = xhat[o + i] - mean;
                    sq += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(sq / cols + eps));
                rstd[r] = rs;
                for (int i = 0; i < cols; i++) {
                    xhat[o + i] = (xhat[o + i] - mean) * rs;
                }
                kernels.ops().layerNorm(x, o, residual, o, cols, gamma, beta, eps);
            }
        });
    }

    /**
     * LayerNorm's backward: {@code dx = rstd · (g - mean(g) - xhat · mean(g · xhat))} with {@code g = dy · gamma};
     * adds {@code Σ dy · xhat} into dGamma and {@code Σ dy} into dBeta. dx may be dy.
     */
    static void layerNormBackward(Parallel pool, float[] dy, float[] xhat, float[] rstd, int rows, int cols,
                                  float[] gamma, float[] dx, float[] dGamma, float[] dBeta) {
        // the parameter gradients sum over rows, each worker its own columns, before dx overwrites dy
        pool.forRange(cols, pool.threads(), 16, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int o = r * cols;
                for (int i = c0; i < c1; i++) {
                    dGamma[i] += dy[o + i] * xhat[o + i];
                    dBeta[i] += dy[o + i];
                }
            }
        });
        pool.forRange(rows, rowChunks(pool, rows), 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float sumG = 0f, sumGX = 0f;
                for (int i = 0; i < cols; i++) {
                    float g = dy[o + i] * gamma[i];
                    sumG += g;
                    sumGX += g * xhat[o + i];
                }
                float meanG = sumG / cols, meanGX = sumGX / cols, rs = rstd[r];
                for (int i = 0; i < cols; i++) {
                    float g = dy[o + i] * gamma[i];
                    dx[o + i] = rs * (g - meanG - xhat[o + i] * meanGX);
                }
            }
        });
    }

    /** {@code y = xhat · gamma + beta}: LayerNorm's output again from what the forward pass kept. */
    static void affine(Parallel pool, float[] xhat, int rows, int cols, float[] gamma, float[] beta, float[] y) {
        pool.forRange(rows, rowChunks(pool, rows), 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                for (int i = 0; i < cols; i++) {
                    y[o + i] = xhat[o + i] * gamma[i] + beta[i];
                }
            }
        });
    }

    /** {@code y = gelu(u)} (exact, erf) on the inference kernel: the bits the inference matmul's GELU gives. */
    static void gelu(ParallelOps kernels, float[] u, float[] y, int len) {
        System.arraycopy(u, 0, y, 0, len);
        kernels.gelu(y, len);
    }

    /**
     * GELU's backward in place: {@code d = d · (Φ(u) + u · φ(u))}, Φ the normal distribution function and φ its
     * density. Φ(u) is read off the forward value {@code g = gelu(u) = u · Φ(u)}, so only φ costs an exp here.
     */
    static void geluBackward(Parallel pool, float[] u, float[] g, float[] d, int len) {
        pool.forRange(len, pool.threads(), 64, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                d[i] *= geluDerivative(u[i], g[i]);
            }
        });
    }

    /** gelu'(u) given {@code g = gelu(u)}. */
    static float geluDerivative(float u, float g) {
        float cdf = u == 0f ? 0.5f : g / u;
        float pdf = (float) (Math.exp(-0.5 * u * u) * 0.3989422804014327);
        return cdf + u * pdf;
    }

    /** {@code into[intoOff + i] += from[fromOff + i]} for i in [0, len), on the pool. */
    static void add(Parallel pool, float[] from, int fromOff, float[] into, int intoOff, int len) {
        pool.forRange(len, pool.threads(), 64, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                into[intoOff + i] += from[fromOff + i];
            }
        });
    }

    /** Adds the column sums of {@code dy [rows, n]} into {@code db[dbOffset, dbOffset + n)}: a bias's gradient. */
    static void addColumnSums(Parallel pool, float[] dy, int rows, int n, float[] db, int dbOffset) {
        pool.forRange(n, pool.threads(), 16, (j0, j1) -> {
            for (int r = 0; r < rows; r++) {
                int o = r * n;
                for (int j = j0; j < j1; j++) {
                    db[dbOffset + j] += dy[o + j];
                }
            }
        });
    }

    /**
     * The backward pass of a Linear layer {@code Y = X Wᵀ + b} (X [T, in], W [out, in]) on the matmul kernels:
     * adds {@code dYᵀ X} into {@code dW} and the column sums of dY into {@code db}, and writes {@code dX = dY W}
     * [T, in] into {@code dX} (with {@code wT}, W's transpose packed for the kernels).
     */
    static void linearBackward(ParallelOps kernels, float[] dY, int T, float[] x, int in, int out, PackedMatrix wT,
                               float[] dW, float[] db, float[] dX, Scratch scratch) {
        float[] g = weightGradient(kernels, dY, T, out, x, in, scratch);
        add(kernels.parallel(), g, 0, dW, 0, out * in);
        addColumnSums(kernels.parallel(), dY, T, out, db, 0);
        kernels.matmul(dY, T, wT, null, dX);
    }

    /**
     * {@code dYᵀ X} [out, in] for dY [T, out] and X [T, in], on the matmul kernels: Xᵀ packed as the matmul's
     * "weight" (one row per output column). Returned in a scratch array (its first out · in floats), valid until
     * the next call with the same scratch.
     */
    static float[] weightGradient(ParallelOps kernels, float[] dY, int T, int out, float[] x, int in,
                                  Scratch scratch) {
        float[] dYt = transpose(kernels.parallel(), dY, T, out, scratch.transposed(T * out)); // [out, T]
        PackedMatrix packedX = scratch.packedTransposed(kernels, x, T, in);                  // Xᵀ [in, T]
        float[] dW = scratch.weightGradient(out * in);
        kernels.matmul(dYt, out, packedX, null, dW);
        return dW;
    }

    /**
     * Arrays a pass reuses from one layer to the next, and from step to step, instead of allocating its temporaries
     * anew for each layer (a base model's backward pass would allocate some 700 MB per step of 700 tokens). Each
     * array grows to the largest size asked for; callers use the sizes they ask for, never {@code length}. One per
     * encoder; not for concurrent passes.
     */
    static final class Scratch {
        private float[] weightGradient = new float[0], transposed = new float[0];
        private final float[][] buffers;
        private final PackedMatrix[] packed = new PackedMatrix[2]; // the last two shapes of Xᵀ packed

        Scratch(int buffers) {
            this.buffers = new float[buffers][0];
        }

        /** Buffer number {@code slot}, of at least {@code size} floats; its contents are what the last user left. */
        float[] buffer(int slot, int size) {
            if (buffers[slot].length < size) {
                buffers[slot] = new float[size];
            }
            return buffers[slot];
        }

        float[] weightGradient(int size) {
            if (weightGradient.length < size) {
                weightGradient = new float[size];
            }
            return weightGradient;
        }

        float[] transposed(int size) {
            if (transposed.length < size) {
                transposed = new float[size];
            }
            return transposed;
        }

        /**
         * {@code x [T, in]}'s transpose packed, into the storage of an earlier one of the same shape when there is
         * one: a pass packs the same two shapes (in = hidden and in = intermediate) for every layer.
         */
        PackedMatrix packedTransposed(ParallelOps kernels, float[] x, int T, int in) {
            for (PackedMatrix p : packed) {
                if (p != null && p.rows() == in && p.cols() == T) {
                    p.refillTransposed(x);
                    return p;
                }
            }
            PackedMatrix p = kernels.packTransposed(x, T, in);
            packed[1] = packed[0];
            packed[0] = p;
            return p;
        }

        /** The bytes it holds. */
        long bytes() {
            long floats = weightGradient.length + transposed.length;
            for (float[] b : buffers) {
                floats += b.length;
            }
            for (PackedMatrix p : packed) {
                floats += p == null ? 0 : p.byteSize() / 4;
            }
            return 4 * floats;
        }

        /** Lets the arrays go. */
        void release() {
            weightGradient = transposed = new float[0];
            java.util.Arrays.fill(buffers, new float[0]);
            java.util.Arrays.fill(packed, null);
        }
    }

    /**
     * Adds the gradient of the embeddings' sum, {@code dx [T, H]}, into the rows of the word, position and token
     * type tables the batch used. nn.Embedding(padding_idx=pad) never updates the padding row; RoBERTa's position
     * table has the same padding index ({@code positionPadding}), BERT's none.
     */
    static void embeddingBackward(Parallel pool, float[] dx, PackedBatch batch, int H, int pad,
                                  boolean positionPadding, float[] dWord, float[] dPosition, float[] dType) {
        int T = batch.tokens();
        // each worker its own columns of every row: tokens that share a row never race
        pool.forRange(H, pool.threads(), 16, (i0, i1) -> {
            for (int t = 0; t < T; t++) {
                int o = t * H, id = batch.ids()[t], pos = batch.positions()[t], wo = id * H, po = pos * H,
                        to = batch.typeIds()[t] * H;
                boolean wordRow = id != pad, positionRow = !positionPadding || pos != pad;
                for (int i = i0; i < i1; i++) {
                    float g = dx[o + i];
                    if (wordRow) {
                        dWord[wo + i] += g;
                    }
                    if (positionRow) {
                        dPosition[po + i] += g;
                    }
                    dType[to + i] += g;
                }
            }
        });
    }

    /**
     * {@code srcᵀ} [cols, rows] of {@code src [rows, cols]} into dst, in blocks that stay in cache, bands on the
     * pool.
     */
    static float[] transpose(Parallel pool, float[] src, int rows, int cols, float[] dst) {
        final int b = 32;
        pool.forRange((cols + b - 1) / b, pool.threads(), 1, (band0, band1) -> {
            for (int c0 = band0 * b; c0 < Math.min(cols, band1 * b); c0 += b) {
                int c1 = Math.min(cols, c0 + b);
                for (int r0 = 0; r0 < rows; r0 += b) {
                    int r1 = Math.min(rows, r0 + b);
                    for (int c = c0; c < c1; c++) {
                        for (int r = r0; r < r1; r++) {
                            dst[c * rows + r] = src[r * cols + c];
                        }
                    }
                }
            }
        });
        return dst;
    }

    /**
     * Where each (sequence, head)'s attention probabilities start in one array: they take len² floats each, in
     * order of sequence then head; the last entry is the total.
     */
    static int[] probabilityOffsets(int[] starts, int heads) {
        int seqs = starts.length - 1;
        int[] offsets = new int[seqs * heads + 1];
        int at = 0;
        for (int s = 0; s < seqs; s++) {
            int len = starts[s + 1] - starts[s];
            for (int h = 0; h < heads; h++) {
                offsets[s * heads + h] = at;
                at = Math.addExact(at, len * len);
            }
        }
        offsets[seqs * heads] = at;
        return offsets;
    }

    /**
     * Multi-head attention of a packed batch, as {@code ParallelOps.attention} computes it, keeping the softmax
     * probabilities (before dropout) for the backward pass: for each sequence and head,
     * {@code P = softmax(q kᵀ / √d)}, then dropout on P, then {@code ctx = P v}.
     *
     * @param qkv   [T, 3H]: query | key | value of each token, head h in columns [h·d, (h+1)·d) of each
     * @param probs written, at {@link #probabilityOffsets}
     * @param ctx   [T, H], written; null to compute the probabilities only (for a backward pass whose forward pass
     *              ran the inference kernel's attention)
     */
    static void attention(Parallel pool, float[] qkv, int[] starts, int hidden, int heads, int[] offsets,
                          float[] probs, float[] ctx, long seed, float p) {
        int d = hidden / heads, stride = 3 * hidden, seqs = starts.length - 1;
        float scale = (float) (1.0 / Math.sqrt(d));
        float keepScale = 1f / (1f - p);
        pool.forRange(seqs * heads, pool.threads() * 4, 1, (t0, t1) -> {
            for (int task = t0; task < t1; task++) {
                int s = task / heads, h = task % heads;
                int start = starts[s], len = starts[s + 1] - start, base = offsets[task];
                for (int i = 0; i < len; i++) {
                    int q = (start + i) * stride + h * d, row = base + i * len;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        int k = (start + j) * stride + hidden + h * d;
                        probs[row + j] = dot(qkv, q, qkv, k, d) * scale;
                        max = Math.max(max, probs[row + j]);
                    }
                    float sum = 0f;
                    for (int j = 0; j < len; j++) {
                        float e = (float) Math.exp(probs[row + j] - max);
                        probs[row + j] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    if (ctx == null) {
                        for (int j = 0; j < len; j++) {
                            probs[row + j] *= inv;
                        }
                        continue;
                    }
                    int o = (start + i) * hidden + h * d;
                    java.util.Arrays.fill(ctx, o, o + d, 0f);
                    for (int j = 0; j < len; j++) {
                        float pij = probs[row + j] *= inv;
                        if (p > 0) {
                            pij = Dropout.keep(seed, row + j, p) ? pij * keepScale : 0f;
                        }
                        axpy(pij, qkv, (start + j) * stride + 2 * hidden + h * d, ctx, o, d);
                    }
                }
            }
        });
    }

    /**
     * Attention's backward: from {@code dCtx [T, H]} to {@code dQkv [T, 3H]} (written), with the probabilities the
     * forward pass kept and its dropout seed. Per sequence and head, with P' the probabilities after dropout:
     * {@code dP' = dCtx vᵀ}, {@code dv = P'ᵀ dCtx}, {@code dS = P ∘ (dP - rowsum(dP ∘ P))} (dP = dP' through the
     * dropout mask), {@code dq = dS k / √d}, {@code dk = dSᵀ q / √d}.
     */
    static void attentionBackward(Parallel pool, float[] qkv, int[] starts, int hidden, int heads, int[] offsets,
                                  float[] probs, float[] dCtx, float[] dQkv, long seed, float p) {
        int d = hidden / heads, stride = 3 * hidden, seqs = starts.length - 1;
        float scale = (float) (1.0 / Math.sqrt(d));
        float keepScale = 1f / (1f - p);
        int maxLen = 0;
        for (int s = 0; s < seqs; s++) {
            maxLen = Math.max(maxLen, starts[s + 1] - starts[s]);
        }
        int scratchLen = maxLen;
        pool.forRange(seqs * heads, pool.threads() * 4, 1, (t0, t1) -> {
            float[] dRow = new float[scratchLen];
            for (int task = t0; task < t1; task++) {
                int s = task / heads, h = task % heads;
                int start = starts[s], len = starts[s + 1] - start, base = offsets[task];
                for (int j = 0; j < len; j++) { // this head's columns of q, k and v gradients start at zero
                    int r = (start + j) * stride + h * d;
                    java.util.Arrays.fill(dQkv, r, r + d, 0f);
                    java.util.Arrays.fill(dQkv, r + hidden, r + hidden + d, 0f);
                    java.util.Arrays.fill(dQkv, r + 2 * hidden, r + 2 * hidden + d, 0f);
                }
                for (int i = 0; i < len; i++) {
                    int o = (start + i) * hidden + h * d, row = base + i * len;
                    float dot = 0f;
                    for (int j = 0; j < len; j++) {
                        int v = (start + j) * stride + 2 * hidden + h * d;
                        float pij = probs[row + j], mask = 1f;
                        if (p > 0) {
                            mask = Dropout.keep(seed, row + j, p) ? keepScale : 0f;
                        }
                        float dp = dot(dCtx, o, qkv, v, d) * mask;
                        axpy(pij * mask, dCtx, o, dQkv, v, d); // dv_j += P'_ij · dCtx_i
                        dRow[j] = dp;
                        dot += pij * dp;
                    }
                    int q = (start + i) * stride + h * d;
                    for (int j = 0; j < len; j++) {
                        float ds = probs[row + j] * (dRow[j] - dot) * scale;
                        int k = (start + j) * stride + hidden + h * d;
                        axpy(ds, qkv, k, dQkv, q, d);
                        axpy(ds, qkv, q, dQkv, k, d);
                    }
                }
            }
        });
    }

    /**
     * {@code Σ a[ao + c] · b[bo + c]} over c in [0, n), one FMA chain in order. (Four partial sums were no faster
     * here, and moved a parameter of the torch reference's third AdamW step past its 2e-6.)
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0f;
        for (int c = 0; c < n; c++) {
            s = Math.fma(a[ao + c], b[bo + c], s);
        }
        return s;
    }

    /** {@code y[yo + c] += alpha · x[xo + c]} over c in [0, n): a loop the JIT vectorizes. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int c = 0; c < n; c++) {
            y[yo + c] = Math.fma(alpha, x[xo + c], y[yo + c]);
        }
    }

    private static int rowChunks(Parallel pool, int rows) {
        return Math.max(1, Math.min(pool.threads(), rows / 16));
    }
}
