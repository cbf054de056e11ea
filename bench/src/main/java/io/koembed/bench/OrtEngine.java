package io.koembed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime on model.onnx (inputs input_ids and attention_mask, int64 [batch, seq]; output
 * last_hidden_state [batch, seq, hidden]), used the way an ORT user embeds sentences: tokenize, sort by length,
 * pad each batch to its longest sequence with the pad id and mask 0, run, and pool each sequence's unpadded token
 * states in Java (with KoEmbed's Pooling code, from the bridge).
 */
public final class OrtEngine implements Engine {

    public static final int INTRA_OP_THREADS = 2;
    public static final int INTER_OP_THREADS = 1;

    private final String name;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final int padId;
    private final int hidden;
    private final Pooler pooler;

    public OrtEngine(String name, Path onnxFile, TextTokenizer tokenizer, int padId, int hidden, Pooler pooler)
            throws OrtException {
        this.name = name;
        this.pooler = pooler;
        this.env = OrtEnvironment.getEnvironment();
        this.session = env.createSession(onnxFile.toString(), sessionOptions());
        this.tokenizer = tokenizer;
        this.padId = padId;
        this.hidden = hidden;
        if (!session.getInputNames().containsAll(List.of("input_ids", "attention_mask"))) {
            throw new IllegalStateException(onnxFile + ": expected inputs input_ids and attention_mask, found "
                    + session.getInputNames());
        }
    }

    /** The session options of every ORT session in the benchmark. */
    public static OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(INTRA_OP_THREADS);
        o.setInterOpNumThreads(INTER_OP_THREADS);
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        return o;
    }

    public static String describeOptions() {
        return INTRA_OP_THREADS + " intra-op threads, " + INTER_OP_THREADS
                + " inter-op thread, GraphOptimizationLevel ALL_OPT, sequential execution";
    }

    public static String version() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isBaseline() {
        return true;
    }

    @Override
    public float[][] encode(List<String> texts, int batchSize) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) {
            ids.add(tokenizer.ids(t));
        }
        return encodeIds(ids, batchSize);
    }

    /** Embeddings of already tokenized sequences, batched longest first as {@link #encode} does. */
    public float[][] encodeIds(List<int[]> ids, int batchSize) {
        int[] lengths = new int[ids.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = ids.get(i).length;
        }
        int[] order = Batching.longestFirst(lengths);
        float[][] out = new float[ids.size()][];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<int[]> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(ids.get(order[k]));
            }
            float[][] pooled = runBatch(batch);
            for (int k = start; k < end; k++) {
                out[order[k]] = pooled[k - start];
            }
        }
        return out;
    }

    /** One session run over the given sequences padded to the longest of them; mean-pooled rows in order. */
    public float[][] runBatch(List<int[]> batch) {
        int rows = batch.size();
        int seq = 0;
        for (int[] s : batch) {
            seq = Math.max(seq, s.length);
        }
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        for (int r = 0; r < rows; r++) {
            int[] s = batch.get(r);
            for (int t = 0; t < seq; t++) {
                boolean real = t < s.length;
                ids[r * seq + t] = real ? s[t] : padId;
                mask[r * seq + t] = real ? 1 : 0;
            }
        }
        long[] shape = {rows, seq};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor))) {
            OnnxValue value = result.get(0);
            long[] outShape = ((OnnxTensor) value).getInfo().getShape();
            if (outShape.length != 3 || outShape[0] != rows || outShape[1] != seq || outShape[2] != hidden) {
                throw new IllegalStateException("last_hidden_state has shape " + Arrays.toString(outShape)
                        + ", expected [" + rows + ", " + seq + ", " + hidden + "]");
            }
            FloatBuffer fb = ((OnnxTensor) value).getFloatBuffer();
            float[] states = new float[fb.remaining()];
            fb.get(states);
            float[][] pooled = new float[rows][];
            for (int r = 0; r < rows; r++) {
                int length = batch.get(r).length;
                pooled[r] = pooler.pool(tokenStates(states, r, seq, hidden, length), length);
            }
            return pooled;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + rows + " x " + seq + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Row {@code row}'s states in a padded output [batch][seq][hidden]: its first {@code length} tokens; the rest is
     * padding (attention mask 0), which sentence-transformers' pooling leaves out as the mask says.
     */
    static float[] tokenStates(float[] states, int row, int seq, int hidden, int length) {
        int from = row * seq * hidden;
        return Arrays.copyOfRange(states, from, from + length * hidden);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
