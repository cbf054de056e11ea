package io.koembed.train;

import io.koembed.ModelFormatException;
import io.koembed.model.EncoderConfig;
import io.koembed.model.EncoderWeightNames;
import io.koembed.model.PackedBatch;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.Parallel;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.WeightPrecision;
import io.koembed.weights.Checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The encoder of {@link io.koembed.model.Encoder} with every weight a {@link Parameter}: a forward pass that keeps
 * what the backward pass needs, with dropout as in training mode, and the backward pass, which adds the gradient of
 * the loss with respect to every weight into {@link Parameter#grad()}.
 *
 * <p>The forward pass is inference's ({@link io.koembed.model.Encoder#forward}): the same matmuls, LayerNorm, GELU
 * and (without attention dropout) attention kernels in the same order, so with {@link Dropout#OFF} its last hidden
 * state has the same bits. The backward matmuls run on the same kernels: {@code dX = dY W} over W's transpose
 * packed, and {@code dW += dYᵀ X} over X's transpose packed. The packed copies are made again after each optimizer
 * step ({@link #parametersChanged}). The elementwise parts of the backward pass run on the kernels' pool.
 *
 * <p>Memory: the forward pass keeps, per token and layer, 11 · hidden floats (layer input, q/k/v, attention
 * context, two LayerNorms' normalized inputs and the feed-forward pre-activation at 4 · hidden), plus, with attention
 * dropout, the attention probabilities, heads · length floats: a base model (12 layers, hidden 768) keeps about
 * 415 KB per token of a batch of 22-token texts. With gradient checkpointing it keeps only each layer's input
 * (hidden floats, 42 KB per token for the base model) and computes the layer again in the backward pass, for one
 * more forward pass per step (a quarter more time). Either way the encoder holds scratch arrays sized for the
 * largest batch so far, reused from layer to layer and step to step: some 85 KB per token for the base model, 120 KB
 * with checkpointing (where they also hold the one layer computed again).
 */
public final class TrainableEncoder implements AutoCloseable {

    /** One layer's weights: views of the Parameters' arrays. */
    private record Layer(Parameter q, Parameter qb, Parameter k, Parameter kb, Parameter v, Parameter vb,
                         Parameter o, Parameter ob, Parameter norm1, Parameter norm1b,
                         Parameter up, Parameter upb, Parameter down, Parameter downb,
                         Parameter norm2, Parameter norm2b) {
    }

    /** A layer's packed weights, made from the Parameters' values: forward (W) and backward (Wᵀ). */
    private record Packed(PackedMatrix qkv, float[] qkvBias, PackedMatrix o, PackedMatrix up, PackedMatrix down,
                          PackedMatrix qkvT, PackedMatrix oT, PackedMatrix upT, PackedMatrix downT) {
    }

    private final EncoderConfig config;
    private final ParallelOps kernels;
    private final Path configFile;
    private final Parameter word, position, type, embNorm, embNormb;
    private final Layer[] layers;
    private final List<Parameter> parameters;
    private final Arena arena = Arena.ofAuto(); // unused by float32 packing, which stays on the heap
    private boolean gradientCheckpointing;
    private Packed[] packed;
    private boolean stale = true;
    private final Backprop.Scratch scratch = new Backprop.Scratch(BUFFERS);

    private TrainableEncoder(EncoderConfig config, ParallelOps kernels, Path configFile, Parameter word,
                             Parameter position, Parameter type, Parameter embNorm, Parameter embNormb,
                             Layer[] layers) {
        this.config = config;
        this.kernels = kernels;
        this.configFile = configFile;
        this.word = word;
        this.position = position;
        this.type = type;
        this.embNorm = embNorm;
        this.embNormb = embNormb;
        this.layers = layers;
        List<Parameter> all = new ArrayList<>(List.of(word, position, type, embNorm, embNormb));
        for (Layer l : layers) {
            all.addAll(List.of(l.q, l.qb, l.k, l.kb, l.v, l.vb, l.o, l.ob, l.norm1, l.norm1b, l.up, l.upb, l.down,
                    l.downb, l.norm2, l.norm2b));
        }
        this.parameters = List.copyOf(all);
    }

    /** Reads every encoder weight of {@code modelDir} into float arrays (the file is closed afterwards). */
    public static TrainableEncoder load(Path modelDir, ParallelOps kernels) {
        if (!Files.isDirectory(modelDir)) {
            throw ModelFormatException.in(modelDir, "model directory not found");
        }
        Path configFile = modelDir.resolve("config.json");
        EncoderConfig c = EncoderConfig.load(configFile);
        int h = c.hiddenSize(), in = c.intermediateSize();
        try (Checkpoint st = Checkpoint.open(modelDir)) {
            Reader r = new Reader(st, c);
            Layer[] layers = new Layer[c.numHiddenLayers()];
            for (int i = 0; i < layers.length; i++) {
                String p = EncoderWeightNames.layer(i);
                layers[i] = new Layer(
                        r.read(p + "attention.self.query.weight", h, h), r.read(p + "attention.self.query.bias", h),
                        r.read(p + "attention.self.key.weight", h, h), r.read(p + "attention.self.key.bias", h),
                        r.read(p + "attention.self.value.weight", h, h), r.read(p + "attention.self.value.bias", h),
                        r.read(p + "attention.output.dense.weight", h, h),
                        r.read(p + "attention.output.dense.bias", h),
                        r.read(p + "attention.output.LayerNorm.weight", h),
                        r.read(p + "attention.output.LayerNorm.bias", h),
                        r.read(p + "intermediate.dense.weight", in, h), r.read(p + "intermediate.dense.bias", in),
                        r.read(p + "output.dense.weight", h, in), r.read(p + "output.dense.bias", h),
                        r.read(p + "output.LayerNorm.weight", h), r.read(p + "output.LayerNorm.bias", h));
            }
            return new TrainableEncoder(c, kernels, configFile,
                    r.read("embeddings.word_embeddings.weight", c.vocabSize(), h),
                    r.read("embeddings.position_embeddings.weight", c.maxPositionEmbeddings(), h),
                    r.read("embeddings.token_type_embeddings.weight", c.typeVocabSize(), h),
                    r.read("embeddings.LayerNorm.weight", h), r.read("embeddings.LayerNorm.bias", h), layers);
        }
    }

    private record Reader(Checkpoint st, EncoderConfig c) {
        Parameter read(String name, long... shape) {
            String stored = EncoderWeightNames.checked(st, c, name, shape);
            return Parameter.named(stored, shape, st.readFloats(stored));
        }
    }

    public EncoderConfig config() {
        return config;
    }

    /** The config.json this encoder was loaded from (its dropout rates: {@link Dropout#fromConfig}). */
    public Path configFile() {
        return configFile;
    }

    /** Every weight, under the name it has in the checkpoint it was loaded from. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * Whether the forward pass keeps only each layer's input and the backward pass computes each layer again: a
     * base model's activations drop from about 34 KB to 3.5 KB per token and layer, for about a quarter more time.
     */
    public void setGradientCheckpointing(boolean on) {
        this.gradientCheckpointing = on;
    }

    /** The bytes of the scratch arrays the passes so far left for the next ones to reuse. */
    long scratchBytes() {
        return scratch.bytes();
    }

    /** The Parameters' values changed (an optimizer step): the packed copies the kernels read are made again. */
    public void parametersChanged() {
        stale = true;
    }

    /** What one layer's forward pass kept for its backward pass. */
    private static final class LayerCache {
        float[] input;        // [T, H]
        float[] qkv;          // [T, 3H]
        float[] probs;        // per (sequence, head), before dropout
        float[] context;      // [T, H], after attention dropout
        float[] xhat1, rstd1; // attention add & norm
        float[] up;           // [T, I], before GELU
        float[] xhat2, rstd2; // output add & norm
        long probSeed, attentionSeed, outputSeed;

        /** Drops all but the input and the seeds. */
        void clearActivations() {
            qkv = probs = context = xhat1 = rstd1 = up = xhat2 = rstd2 = null;
        }
    }

    /** A forward pass: the last hidden state and what the backward pass needs. */
    public static final class EncoderPass {
        private final PackedBatch batch;
        private final float[] hidden;
        private final float[] embXhat, embRstd;
        private final long embSeed;
        private final LayerCache[] layers;
        private final Dropout dropout;
        private final int[] probOffsets;

        private EncoderPass(PackedBatch batch, float[] hidden, float[] embXhat, float[] embRstd, long embSeed,
                            LayerCache[] layers, Dropout dropout, int[] probOffsets) {
            this.batch = batch;
            this.hidden = hidden;
            this.embXhat = embXhat;
            this.embRstd = embRstd;
            this.embSeed = embSeed;
            this.layers = layers;
            this.dropout = dropout;
            this.probOffsets = probOffsets;
        }

        /** last_hidden_state, [tokens, hidden] row-major, the sequences end to end as in the batch. */
        public float[] hidden() {
            return hidden;
        }

        public PackedBatch batch() {
            return batch;
        }

        /** The bytes of the arrays this pass keeps for its backward pass, the last hidden state included. */
        long keptBytes() {
            long floats = (long) hidden.length + embXhat.length + embRstd.length;
            for (LayerCache c : layers) {
                for (float[] a : new float[][] {c.input, c.qkv, c.probs, c.context, c.xhat1, c.rstd1, c.up, c.xhat2,
                        c.rstd2}) {
                    floats += a == null ? 0 : a.length;
                }
            }
            return 4 * floats;
        }
    }

    /** Runs the encoder over {@code batch}, with {@code dropout} ({@link Dropout#OFF} for evaluation). */
    public EncoderPass forward(PackedBatch batch, Dropout dropout) {
        Packed[] w = packedWeights();
        int T = batch.tokens(), H = config.hiddenSize();
        float[] x = new float[T * H];
        float[] wordV = word.value(), posV = position.value(), typeV = type.value();
        for (int t = 0; t < T; t++) { // word + type + position, in inference's order
            int o = t * H, wo = batch.ids()[t] * H, po = batch.positions()[t] * H, to = batch.typeIds()[t] * H;
            for (int i = 0; i < H; i++) {
                x[o + i] = wordV[wo + i] + typeV[to + i] + posV[po + i];
            }
        }
        float[] embXhat = new float[T * H], embRstd = new float[T];
        Backprop.layerNorm(kernels, x, null, T, H, embNorm.value(), embNormb.value(), config.layerNormEps(), embXhat,
                embRstd);
        long embSeed = dropout.nextSeed(dropout.hidden());
        Dropout.apply(kernels.parallel(), x, T * H, embSeed, dropout.hidden());

        int[] offsets = Backprop.probabilityOffsets(batch.starts(), config.numAttentionHeads());
        LayerCache[] caches = new LayerCache[layers.length];
        for (int l = 0; l < layers.length; l++) {
            LayerCache c = new LayerCache();
            c.probSeed = dropout.nextSeed(dropout.attention());
            c.attentionSeed = dropout.nextSeed(dropout.hidden());
            c.outputSeed = dropout.nextSeed(dropout.hidden());
            float[] out = layerForward(l, w[l], x, batch, offsets, c, dropout, !gradientCheckpointing, false);
            if (gradientCheckpointing) { // keep the input and the seeds only; backward computes the rest again
                c.clearActivations();
            }
            caches[l] = c;
            x = out;
        }
        return new EncoderPass(batch, x, embXhat, embRstd, embSeed, caches, dropout, offsets);
    }

    // the scratch buffers of a pass (Backprop.Scratch#buffer): a layer's temporaries, and with checkpointing the
    // activations of the one layer being computed again
    private static final int X1 = 0, G = 1, QKV = 2, CONTEXT = 3, XHAT1 = 4, RSTD1 = 5, UP = 6, XHAT2 = 7, RSTD2 = 8,
            PROBS = 9, OUT = 10, D_SUM2 = 11, D_F = 12, D_G = 13, D_CONTEXT = 14, D_QKV = 15, BUFFERS = 16;

    /**
     * One layer forward from {@code input}; fills {@code c} and returns the layer's output. Inference's operations
     * on inference's kernels, in its order, with dropout between them: without dropout, the same bits.
     *
     * @param keep      whether c's activations outlive the pass (else they are scratch buffers, valid until the
     *                  next layer)
     * @param recompute whether this is the backward pass computing the layer again (the output is not needed
     *                  beyond this layer: a scratch buffer too)
     */
    private float[] layerForward(int l, Packed w, float[] input, PackedBatch batch, int[] offsets, LayerCache c,
                                 Dropout dropout, boolean keep, boolean recompute) {
        Layer p = layers[l];
        int T = batch.tokens(), H = config.hiddenSize(), I = config.intermediateSize();
        float eps = config.layerNormEps();
        Parallel pool = kernels.parallel();
        c.input = input;
        c.qkv = activation(keep, QKV, T * 3 * H);
        kernels.matmul(input, T, w.qkv, w.qkvBias, c.qkv);
        c.context = activation(keep, CONTEXT, T * H);
        if (dropout.attention() > 0) { // the probabilities are kept: the mask applies to them
            c.probs = activation(keep, PROBS, offsets[offsets.length - 1]);
            Backprop.attention(pool, c.qkv, batch.starts(), H, config.numAttentionHeads(), offsets, c.probs,
                    c.context, c.probSeed, dropout.attention());
        } else { // inference's kernel; the backward pass computes the probabilities again
            kernels.attention(c.qkv, c.context, H, config.numAttentionHeads(), batch.starts());
        }
        float[] x1 = scratch.buffer(X1, T * H); // attention output, then x1 = LayerNorm(input + dropout(output))
        kernels.matmul(c.context, T, w.o, p.ob.value(), x1);
        Dropout.apply(pool, x1, T * H, c.attentionSeed, dropout.hidden());
        c.xhat1 = activation(keep, XHAT1, T * H);
        c.rstd1 = activation(keep, RSTD1, T);
        Backprop.layerNorm(kernels, x1, input, T, H, p.norm1.value(), p.norm1b.value(), eps, c.xhat1, c.rstd1);
        c.up = activation(keep, UP, T * I);
        kernels.matmul(x1, T, w.up, p.upb.value(), c.up);
        float[] g = scratch.buffer(G, T * I);
        Backprop.gelu(kernels, c.up, g, T * I);
        float[] out = recompute ? scratch.buffer(OUT, T * H) : new float[T * H];
        kernels.matmul(g, T, w.down, p.downb.value(), out);
        Dropout.apply(pool, out, T * H, c.outputSeed, dropout.hidden());
        c.xhat2 = activation(keep, XHAT2, T * H);
        c.rstd2 = activation(keep, RSTD2, T);
        Backprop.layerNorm(kernels, out, x1, T, H, p.norm2.value(), p.norm2b.value(), eps, c.xhat2, c.rstd2);
        return out;
    }

    private float[] activation(boolean keep, int slot, int size) {
        return keep ? new float[size] : scratch.buffer(slot, size);
    }

    /**
     * Adds the gradient of the loss with respect to every weight into the Parameters' gradients, given
     * {@code dHidden}, its gradient with respect to the pass's last hidden state ([tokens, hidden]; overwritten).
     */
    public void backward(EncoderPass pass, float[] dHidden) {
        PackedBatch batch = pass.batch;
        int T = batch.tokens(), H = config.hiddenSize();
        if (dHidden.length != T * H) {
            throw new IllegalArgumentException("dHidden has " + dHidden.length + " values, the pass " + T + " x " + H);
        }
        Packed[] w = packedWeights();
        Parallel pool = kernels.parallel();
        float[] dx = dHidden;
        for (int l = layers.length - 1; l >= 0; l--) {
            LayerCache c = pass.layers[l];
            if (c.qkv == null) { // checkpointed: the same layer again, with the same dropout seeds
                layerForward(l, w[l], c.input, batch, pass.probOffsets, c, pass.dropout, false, true);
            }
            dx = layerBackward(l, w[l], c, batch, pass.probOffsets, pass.dropout, dx);
            // free what the layer kept as soon as it is done; a second backward of this pass computes it again
            c.clearActivations();
        }
        // embeddings: dropout, LayerNorm, then the three tables' rows
        Dropout.apply(pool, dx, T * H, pass.embSeed, pass.dropout.hidden());
        Backprop.layerNormBackward(pool, dx, pass.embXhat, pass.embRstd, T, H, embNorm.value(), dx, embNorm.grad(),
                embNormb.grad());
        Backprop.embeddingBackward(pool, dx, batch, H, config.padTokenId(), config.positionOffset() != 0,
                word.grad(), position.grad(), type.grad());
    }

    /**
     * One layer backward from the gradient of its output, {@code dOut}; returns the gradient of its input, written
     * over dOut.
     */
    private float[] layerBackward(int l, Packed w, LayerCache c, PackedBatch batch, int[] offsets, Dropout dropout,
                                  float[] dOut) {
        Layer p = layers[l];
        int T = batch.tokens(), H = config.hiddenSize(), I = config.intermediateSize(),
                heads = config.numAttentionHeads();
        Parallel pool = kernels.parallel();
        // output add & norm: dOut -> d(x1 + f)
        float[] dSum2 = scratch.buffer(D_SUM2, T * H);
        Backprop.layerNormBackward(pool, dOut, c.xhat2, c.rstd2, T, H, p.norm2.value(), dSum2, p.norm2.grad(),
                p.norm2b.grad());
        // f = dropout(g Wdownᵀ + b), g = gelu(up)
        float[] dF = scratch.buffer(D_F, T * H);
        System.arraycopy(dSum2, 0, dF, 0, T * H);
        Dropout.apply(pool, dF, T * H, c.outputSeed, dropout.hidden());
        float[] g = scratch.buffer(G, T * I);
        Backprop.gelu(kernels, c.up, g, T * I);
        float[] dG = scratch.buffer(D_G, T * I);
        Backprop.linearBackward(kernels, dF, T, g, I, H, w.downT, p.down.grad(), p.downb.grad(), dG, scratch);
        Backprop.geluBackward(pool, c.up, g, dG, T * I);
        float[] x1 = g; // g is done with: x1 [T, H] again from the LayerNorm's xhat
        Backprop.affine(pool, c.xhat1, T, H, p.norm1.value(), p.norm1b.value(), x1);
        float[] dX1 = dF; // dF is done with
        Backprop.linearBackward(kernels, dG, T, x1, H, I, w.upT, p.up.grad(), p.upb.grad(), dX1, scratch);
        Backprop.add(pool, dSum2, 0, dX1, 0, T * H); // the residual path
        // attention add & norm: dX1 -> d(input + a)
        float[] dSum1 = dSum2; // done with: reused
        Backprop.layerNormBackward(pool, dX1, c.xhat1, c.rstd1, T, H, p.norm1.value(), dSum1, p.norm1.grad(),
                p.norm1b.grad());
        float[] dA = dX1; // done with: reused
        System.arraycopy(dSum1, 0, dA, 0, T * H);
        Dropout.apply(pool, dA, T * H, c.attentionSeed, dropout.hidden());
        float[] dContext = scratch.buffer(D_CONTEXT, T * H);
        Backprop.linearBackward(kernels, dA, T, c.context, H, H, w.oT, p.o.grad(), p.ob.grad(), dContext, scratch);
        if (c.probs == null) { // the forward pass ran inference's attention kernel, which keeps none
            c.probs = scratch.buffer(PROBS, offsets[offsets.length - 1]);
            Backprop.attention(pool, c.qkv, batch.starts(), H, heads, offsets, c.probs, null, 0, 0f);
        }
        float[] dQkv = scratch.buffer(D_QKV, T * 3 * H);
        Backprop.attentionBackward(pool, c.qkv, batch.starts(), H, heads, offsets, c.probs, dContext, dQkv,
                c.probSeed, dropout.attention());
        // q, k and v are one matmul over stacked weights: their gradients are the stacked rows of one dW
        float[] dWqkv = Backprop.weightGradient(kernels, dQkv, T, 3 * H, c.input, H, scratch);
        Backprop.add(pool, dWqkv, 0, p.q.grad(), 0, H * H);
        Backprop.add(pool, dWqkv, H * H, p.k.grad(), 0, H * H);
        Backprop.add(pool, dWqkv, 2 * H * H, p.v.grad(), 0, H * H);
        float[] dQkvBias = new float[3 * H];
        Backprop.addColumnSums(pool, dQkv, T, 3 * H, dQkvBias, 0);
        Backprop.add(pool, dQkvBias, 0, p.qb.grad(), 0, H);
        Backprop.add(pool, dQkvBias, H, p.kb.grad(), 0, H);
        Backprop.add(pool, dQkvBias, 2 * H, p.vb.grad(), 0, H);
        float[] dInput = dOut; // read only at the top: the input's gradient goes over it
        kernels.matmul(dQkv, T, w.qkvT, null, dInput);
        Backprop.add(pool, dSum1, 0, dInput, 0, T * H);
        return dInput;
    }

    private PackedMatrix pack(float[] rowMajor, int rows, int cols) {
        return kernels.pack(MemorySegment.ofArray(rowMajor), rows, cols, WeightPrecision.FLOAT32, arena);
    }

    private Packed[] packedWeights() {
        int H = config.hiddenSize(), I = config.intermediateSize();
        if (packed == null) { // first use: allocate, with zeros, and fill below
            Packed[] all = new Packed[layers.length];
            for (int l = 0; l < layers.length; l++) {
                all[l] = new Packed(pack(new float[3 * H * H], 3 * H, H), new float[3 * H],
                        pack(new float[H * H], H, H), pack(new float[I * H], I, H), pack(new float[H * I], H, I),
                        kernels.packTransposed(new float[3 * H * H], 3 * H, H),
                        kernels.packTransposed(new float[H * H], H, H),
                        kernels.packTransposed(new float[I * H], I, H),
                        kernels.packTransposed(new float[H * I], H, I));
            }
            packed = all;
            stale = true;
        }
        if (stale) { // after an optimizer step: the same storage packed again, one layer per worker
            kernels.parallel().forRange(layers.length, kernels.parallel().threads(), 1, (l0, l1) -> {
                float[] qkv = new float[3 * H * H];
                for (int l = l0; l < l1; l++) {
                    Layer p = layers[l];
                    Packed w = packed[l];
                    System.arraycopy(p.q.value(), 0, qkv, 0, H * H);
                    System.arraycopy(p.k.value(), 0, qkv, H * H, H * H);
                    System.arraycopy(p.v.value(), 0, qkv, 2 * H * H, H * H);
                    System.arraycopy(p.qb.value(), 0, w.qkvBias, 0, H);
                    System.arraycopy(p.kb.value(), 0, w.qkvBias, H, H);
                    System.arraycopy(p.vb.value(), 0, w.qkvBias, 2 * H, H);
                    w.qkv.refill(MemorySegment.ofArray(qkv));
                    w.o.refill(MemorySegment.ofArray(p.o.value()));
                    w.up.refill(MemorySegment.ofArray(p.up.value()));
                    w.down.refill(MemorySegment.ofArray(p.down.value()));
                    w.qkvT.refillTransposed(qkv);
                    w.oT.refillTransposed(p.o.value());
                    w.upT.refillTransposed(p.up.value());
                    w.downT.refillTransposed(p.down.value());
                }
            });
            stale = false;
        }
        return packed;
    }

    /** Lets the packed copies and the scratch buffers go; the Parameters stay as they are. */
    @Override
    public void close() {
        packed = null;
        scratch.release();
    }

    @Override
    public String toString() {
        return "TrainableEncoder[" + config.modelType() + ", " + layers.length + " layers, hidden "
                + config.hiddenSize() + ", " + kernels + "]";
    }
}
