package io.koembed.model;

import io.koembed.ModelFormatException;
import io.koembed.tensor.Activation;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.WeightPrecision;
import io.koembed.tokenize.common.Encoding;
import io.koembed.weights.Checkpoint;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BERT / RoBERTa / XLM-RoBERTa encoder ({@code XLMRobertaModel} and friends without the pooler): token ids in,
 * {@code last_hidden_state} out, in float32, as transformers computes it.
 *
 * <p>Weights come from whichever file the model directory has ({@link Checkpoint#open}: model.safetensors, sharded
 * safetensors, pytorch_model.bin or its shards). The Linear layers' matrices are packed once at load into
 * {@link PackedMatrix} panels (float32 by default, on the Java heap; or bfloat16 / int8 when asked, off-heap), and
 * the mapped pages they came from released; the embedding tables are read in place from memory-mapped safetensors (a pytorch_model.bin's
 * storages are read once into off-heap memory; F16 and BF16 tables are widened to F32 once at load). Biases and
 * LayerNorm parameters, tiny, are copied to float arrays.
 *
 * <p>Thread safety: {@link #forward} may be called from several threads at once; they share the kernels' pool.
 */
public final class Encoder implements AutoCloseable {

    /**
     * All weights, shapes in config terms: V vocab_size, P max_position_embeddings, Y type_vocab_size,
     * H hidden_size, I intermediate_size, N num_hidden_layers. Tables are little-endian F32 segments; the
     * Linear weights, [out, in] in the file, are packed; the per-layer arrays are indexed by layer. Query, key
     * and value are one matrix (their rows stacked), so that one matmul reads x once and splits once across
     * the pool instead of three times.
     */
    record Weights(
            MemorySegment wordEmbeddings,      // (V, H)
            MemorySegment positionEmbeddings,  // (P, H)
            MemorySegment tokenTypeEmbeddings, // (Y, H)
            float[] embeddingNormWeight,       // (H)
            float[] embeddingNormBias,         // (H)
            PackedMatrix[] wqkv,              // (N, 3H, H) attention.self.query, key and value weights, stacked
            float[][] bqkv,                    // (N, 3H)    their biases, stacked the same way
            PackedMatrix[] wo,                // (N, H, H)  attention.output.dense.weight
            float[][] bo,                      // (N, H)
            float[][] attentionNormWeight,     // (N, H)     attention.output.LayerNorm
            float[][] attentionNormBias,       // (N, H)
            PackedMatrix[] wi,                // (N, I, H)  intermediate.dense.weight
            float[][] bi,                      // (N, I)
            PackedMatrix[] wf,                // (N, H, I)  output.dense.weight
            float[][] bf,                      // (N, H)
            float[][] outputNormWeight,        // (N, H)     output.LayerNorm
            float[][] outputNormBias) {        // (N, H)
    }

    private final EncoderConfig config;
    private final Checkpoint file;
    private final Arena arena; // F16/BF16 weights widened to F32
    private final Weights w;
    private final ParallelOps kernels;
    private final WeightPrecision precision;

    private Encoder(EncoderConfig config, Checkpoint file, Arena arena, Weights w, ParallelOps kernels,
                    WeightPrecision precision) {
        this.config = config;
        this.file = file;
        this.arena = arena;
        this.w = w;
        this.kernels = kernels;
        this.precision = precision;
    }

    /** Loads {@code modelDir/config.json} and the model's weights on the shared kernels. */
    public static Encoder load(Path modelDir) {
        return load(modelDir, ParallelOps.shared());
    }

    /** Loads a model directory computing with {@code kernels} (e.g. the scalar ones, or a private pool). */
    public static Encoder load(Path modelDir, ParallelOps kernels) {
        return load(modelDir, kernels, WeightPrecision.FLOAT32);
    }

    /**
     * Loads a model directory computing with {@code kernels}, its Linear weights held in {@code precision}
     * (float32 is exact; bfloat16 and int8 trade accuracy for memory, see {@link WeightPrecision}).
     */
    public static Encoder load(Path modelDir, ParallelOps kernels, WeightPrecision precision) {
        if (!Files.isDirectory(modelDir)) {
            throw ModelFormatException.in(modelDir, "model directory not found");
        }
        EncoderConfig config = EncoderConfig.load(modelDir.resolve("config.json"));
        ParallelOps.warmUpAsync(kernels.ops(), precision);
        Checkpoint st = Checkpoint.open(modelDir);
        Arena arena = Arena.ofShared();
        try {
            Weights w = loadWeights(st, config, arena, kernels, precision);
            return new Encoder(config, st, arena, w, kernels, precision);
        } catch (RuntimeException | Error e) {
            arena.close();
            st.close();
            throw e;
        }
    }

    private static Weights loadWeights(Checkpoint st, EncoderConfig c, Arena arena, ParallelOps kernels,
                                       WeightPrecision precision) {
        int n = c.numHiddenLayers(), h = c.hiddenSize(), in = c.intermediateSize();
        try (Arena staging = Arena.ofConfined()) {
            // one buffer, the size of the largest matrix, through which every Linear weight passes on its way to
            // being packed: its pages are faulted in once, not once per matrix
            Loader l = new Loader(st, c, arena, kernels, precision,
                    staging.allocate(4L * Math.max(3L * h * h, (long) h * in), 64));
            return weights(l, n, h, in);
        }
    }

    private static Weights weights(Loader l, int n, int h, int in) {
        EncoderConfig c = l.c();
        PackedMatrix[] wqkv = new PackedMatrix[n], wo = new PackedMatrix[n], wi = new PackedMatrix[n],
                wf = new PackedMatrix[n];
        float[][] bqkv = new float[n][], bo = new float[n][], bi = new float[n][], bf = new float[n][],
                anw = new float[n][], anb = new float[n][], onw = new float[n][], onb = new float[n][];
        for (int i = 0; i < n; i++) {
            String p = EncoderWeightNames.layer(i);
            String[] qkv = {p + "attention.self.query.", p + "attention.self.key.", p + "attention.self.value."};
            wqkv[i] = l.stackedMatrix(qkv, "weight", h, h);
            bqkv[i] = l.stackedVector(qkv, "bias", h);
            wo[i] = l.matrix(p + "attention.output.dense.weight", h, h);
            bo[i] = l.vector(p + "attention.output.dense.bias", h);
            anw[i] = l.vector(p + "attention.output.LayerNorm.weight", h);
            anb[i] = l.vector(p + "attention.output.LayerNorm.bias", h);
            wi[i] = l.matrix(p + "intermediate.dense.weight", in, h);
            bi[i] = l.vector(p + "intermediate.dense.bias", in);
            wf[i] = l.matrix(p + "output.dense.weight", h, in);
            bf[i] = l.vector(p + "output.dense.bias", h);
            onw[i] = l.vector(p + "output.LayerNorm.weight", h);
            onb[i] = l.vector(p + "output.LayerNorm.bias", h);
        }
        return new Weights(
                l.table("embeddings.word_embeddings.weight", c.vocabSize(), h),
                l.table("embeddings.position_embeddings.weight", c.maxPositionEmbeddings(), h),
                l.table("embeddings.token_type_embeddings.weight", c.typeVocabSize(), h),
                l.vector("embeddings.LayerNorm.weight", h),
                l.vector("embeddings.LayerNorm.bias", h),
                wqkv, bqkv, wo, bo, anw, anb, wi, bi, wf, bf, onw, onb);
    }

    /**
     * Finds weights under their bare or prefixed names and checks their shapes against the config. Linear weights
     * pass through {@code staging} (at least as large as the largest, stacked or not) into their packed form.
     */
    private record Loader(Checkpoint st, EncoderConfig c, Arena arena, ParallelOps kernels, WeightPrecision precision,
                          MemorySegment staging) {

        /** An embedding table, read in place (F32) or widened once into the encoder's arena. */
        MemorySegment table(String name, long rows, long cols) {
            return st.floats(checked(name, rows, cols), arena);
        }

        /** A Linear layer's weight, packed for the kernels in the chosen precision. */
        PackedMatrix matrix(String name, int rows, int cols) {
            return stackedMatrix(new String[] {name}, "", rows, cols);
        }

        /**
         * The Linear weights {@code prefix + suffix} for each prefix, each [rows, cols], stacked row-wise into one
         * matrix [prefixes · rows, cols] and packed: output channels of the first, then the second, ...
         */
        PackedMatrix stackedMatrix(String[] prefixes, String suffix, int rows, int cols) {
            long bytes = 4L * rows * cols;
            for (int i = 0; i < prefixes.length; i++) {
                String stored = checked(prefixes[i] + suffix, rows, cols);
                st.copyFloats(stored, staging.asSlice(i * bytes, bytes));
            }
            return kernels.pack(staging.asSlice(0, bytes * prefixes.length), prefixes.length * rows, cols, precision,
                    arena);
        }

        /** The vectors {@code prefix + suffix}, each [len], concatenated in the order of the prefixes. */
        float[] stackedVector(String[] prefixes, String suffix, int len) {
            float[] all = new float[prefixes.length * len];
            for (int i = 0; i < prefixes.length; i++) {
                System.arraycopy(vector(prefixes[i] + suffix, len), 0, all, i * len, len);
            }
            return all;
        }

        float[] vector(String name, long len) {
            return st.readFloats(checked(name, len));
        }

        private String checked(String name, long... expected) {
            return EncoderWeightNames.checked(st, c, name, expected);
        }
    }

    public EncoderConfig config() {
        return config;
    }

    /** How the Linear weights are held. */
    public WeightPrecision precision() {
        return precision;
    }

    /** The kernels this encoder computes with. */
    public ParallelOps kernels() {
        return kernels;
    }

    /**
     * Runs the encoder over a batch and returns, per sequence, its last_hidden_state as a row-major
     * {@code float[length * hidden_size]}. The sequences are packed end to end (no padding) and must already be
     * truncated to {@link EncoderConfig#maxSequenceLength()}; every token attends to every token of its own
     * sequence.
     *
     * @throws IllegalArgumentException for a sequence that is too long, an id outside the vocabulary or a token
     *                                  type id outside type_vocab_size
     */
    public List<float[]> forward(List<Encoding> batch) {
        PackedBatch b = PackedBatch.pack(batch, config);
        final int T = b.tokens();
        final int H = config.hiddenSize();
        final int I = config.intermediateSize();
        final int heads = config.numAttentionHeads();
        final float eps = config.layerNormEps();
        ParallelOps k = kernels;

        // embeddings: x = LayerNorm(word[id] + type[typeId] + position[pos])      x: (T, H)
        float[] x = new float[T * H];
        float[] row = new float[H];
        for (int t = 0; t < T; t++) {
            int o = t * H;
            MemorySegment.copy(w.wordEmbeddings(), Checkpoint.F32_LE, (long) b.ids()[t] * H * 4, x, o, H);
            MemorySegment.copy(w.tokenTypeEmbeddings(), Checkpoint.F32_LE, (long) b.typeIds()[t] * H * 4, row, 0, H);
            for (int i = 0; i < H; i++) {
                x[o + i] += row[i];
            }
            MemorySegment.copy(w.positionEmbeddings(), Checkpoint.F32_LE, (long) b.positions()[t] * H * 4, row, 0, H);
            for (int i = 0; i < H; i++) {
                x[o + i] += row[i];
            }
        }
        k.addLayerNorm(x, null, T, H, w.embeddingNormWeight(), w.embeddingNormBias(), eps);

        float[] qkv = new float[T * 3 * H]; // (T, 3H): query | key | value of each token
        float[] ctx = new float[T * H];    // (T, H) attention output before the dense layer
        float[] tmp = new float[T * H];    // (T, H) sublayer output before add & norm
        float[] ffn = new float[T * I];    // (T, I)
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            // self-attention
            k.matmul(x, T, w.wqkv()[l], w.bqkv()[l], qkv);
            k.attention(qkv, ctx, H, heads, b.starts());
            k.matmul(ctx, T, w.wo()[l], w.bo()[l], tmp);
            k.addLayerNorm(x, tmp, T, H, w.attentionNormWeight()[l], w.attentionNormBias()[l], eps);
            // feed-forward
            k.matmul(x, T, w.wi()[l], w.bi()[l], Activation.GELU, ffn);
            k.matmul(ffn, T, w.wf()[l], w.bf()[l], tmp);
            k.addLayerNorm(x, tmp, T, H, w.outputNormWeight()[l], w.outputNormBias()[l], eps);
        }

        List<float[]> out = new ArrayList<>(b.sequences());
        for (int s = 0; s < b.sequences(); s++) {
            out.add(Arrays.copyOfRange(x, b.starts()[s] * H, b.starts()[s + 1] * H));
        }
        return out;
    }

    /** Releases the mapped file and any widened weights. Idempotent; forward must not be running. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        file.close();
    }

    @Override
    public String toString() {
        return "Encoder[" + config.modelType() + ", " + config.numHiddenLayers() + " layers, hidden "
                + config.hiddenSize() + ", " + file.path() + ", " + kernels + "]";
    }
}
