package io.koembed.train;

import io.koembed.st.Pooling;
import io.koembed.st.SentenceTransformer;

import java.util.List;

/**
 * The sentence-transformers modules after the Transformer, forward and backward: Pooling (every mode, the prompt
 * left out when {@code include_prompt} is false) and Normalize. The forward pass is core's {@link Pooling#pool}, so
 * training and inference pool alike; this class adds the backward pass. A model with a Dense module is refused:
 * training Dense is not built yet.
 */
public final class TrainableHead {

    private final Pooling pooling;
    private final boolean normalize;

    TrainableHead(Pooling pooling, boolean normalize) {
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /** The head of a loaded model; IllegalArgumentException for a module KoEmbed cannot train yet (Dense). */
    public static TrainableHead of(SentenceTransformer model) {
        List<String> after = model.modulesAfterPooling();
        if (after.contains("Dense")) {
            throw new IllegalArgumentException(model.directory() + ": the model has a Dense module after pooling; "
                    + "KoEmbed does not train Dense modules yet (Pooling and Normalize only)");
        }
        return new TrainableHead(model.pooling(), after.contains("Normalize"));
    }

    /** Trainable parameters of the head: none (Pooling and Normalize have no weights). */
    public List<Parameter> parameters() {
        return List.of();
    }

    /** Width of the sentence embeddings. */
    public int dimension() {
        return pooling.outputDimension();
    }

    /** What the backward pass needs of a forward pass. */
    public record HeadPass(float[][] embeddings, float[][] pooled, float[] norms, int[] starts, int[] promptLengths,
                           float[] hidden) {
    }

    /**
     * Sentence embeddings of the sequences of a packed batch.
     *
     * @param hidden        last_hidden_state [T, hiddenSize], the sequences end to end
     * @param starts        sequence s holds tokens [starts[s], starts[s+1])
     * @param promptLengths per sequence, how many leading tokens are a prompt (0 for none)
     */
    public HeadPass forward(float[] hidden, int hiddenSize, int[] starts, int[] promptLengths) {
        if (hiddenSize != pooling.dimension()) {
            throw new IllegalArgumentException("pooling expects " + pooling.dimension() + "-wide token states, the "
                    + "encoder gives " + hiddenSize);
        }
        int n = starts.length - 1;
        float[][] pooled = new float[n][], out = new float[n][];
        float[] norms = new float[n];
        for (int s = 0; s < n; s++) {
            int len = starts[s + 1] - starts[s];
            float[] states = java.util.Arrays.copyOfRange(hidden, starts[s] * hiddenSize, starts[s + 1] * hiddenSize);
            pooled[s] = pooling.pool(states, len, promptLengths[s]);
            if (normalize) {
                // torch.nn.functional.normalize: x / max(‖x‖, 1e-12)
                double sq = 0;
                for (float v : pooled[s]) {
                    sq += (double) v * v;
                }
                norms[s] = (float) Math.max(Math.sqrt(sq), 1e-12);
                out[s] = new float[pooled[s].length];
                for (int i = 0; i < out[s].length; i++) {
                    out[s][i] = pooled[s][i] / norms[s];
                }
            } else {
                out[s] = pooled[s];
            }
        }
        return new HeadPass(out, pooled, norms, starts.clone(), promptLengths.clone(), hidden);
    }

    /** From the gradient of the loss with respect to each embedding to its gradient w.r.t. the hidden states. */
    public float[] backward(HeadPass pass, float[][] dEmbeddings) {
        int d = pooling.dimension();
        int[] starts = pass.starts();
        float[] dHidden = new float[starts[starts.length - 1] * d];
        for (int s = 0; s < starts.length - 1; s++) {
            float[] dPooled = dEmbeddings[s];
            if (normalize) { // d(x/‖x‖) = (dy - y (y · dy)) / ‖x‖
                float[] y = pass.embeddings()[s];
                double dot = 0;
                for (int i = 0; i < y.length; i++) {
                    dot += (double) y[i] * dPooled[i];
                }
                float[] dx = new float[y.length];
                for (int i = 0; i < y.length; i++) {
                    dx[i] = (float) ((dPooled[i] - y[i] * dot) / pass.norms()[s]);
                }
                dPooled = dx;
            }
            poolBackward(pass, s, dPooled, dHidden);
        }
        return dHidden;
    }

    private void poolBackward(HeadPass pass, int s, float[] dPooled, float[] dHidden) {
        int d = pooling.dimension(), start = pass.starts()[s], len = pass.starts()[s + 1] - start;
        int first = pooling.includePrompt() ? 0 : Math.min(pass.promptLengths()[s], len);
        int at = 0;
        for (Pooling.Mode m : pooling.modes()) {
            switch (m) {
                case CLS -> add(dHidden, start * d, dPooled, at, 1f, d);
                case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
                    boolean byPosition = m == Pooling.Mode.WEIGHTED_MEAN;
                    float weightSum = 0f;
                    for (int t = first; t < len; t++) {
                        weightSum += byPosition ? t + 1 : 1f;
                    }
                    float denominator = Math.max(weightSum, 1e-9f);
                    if (m == Pooling.Mode.MEAN_SQRT_LEN) {
                        denominator = (float) Math.sqrt(denominator);
                    }
                    for (int t = first; t < len; t++) {
                        add(dHidden, (start + t) * d, dPooled, at, (byPosition ? t + 1 : 1f) / denominator, d);
                    }
                }
                case MAX -> {
                    // the gradient goes to the first token holding the maximum, as torch.max's index
                    for (int i = 0; i < d; i++) {
                        int arg = -1;
                        float max = -1e9f;
                        for (int t = first; t < len; t++) {
                            float v = pass.hidden()[(start + t) * d + i];
                            if (v > max) {
                                max = v;
                                arg = t;
                            }
                        }
                        if (arg >= 0) {
                            dHidden[(start + arg) * d + i] += dPooled[at + i];
                        }
                    }
                }
                case LAST_TOKEN -> {
                    if (len > first) {
                        add(dHidden, (start + len - 1) * d, dPooled, at, 1f, d);
                    }
                }
            }
            at += d;
        }
    }

    private static void add(float[] into, int off, float[] from, int fromOff, float scale, int len) {
        for (int i = 0; i < len; i++) {
            into[off + i] += from[fromOff + i] * scale;
        }
    }
}
