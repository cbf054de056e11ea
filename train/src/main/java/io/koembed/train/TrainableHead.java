package io.koembed.train;

import io.koembed.st.Dense;
import io.koembed.st.Normalize;
import io.koembed.st.Pooling;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.VectorModule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sentence-transformers modules after the Transformer, forward and backward: Pooling (every mode, the prompt
 * left out when {@code include_prompt} is false), then Dense and Normalize in modules.json order. The forward pass
 * is core's: {@link Pooling#pool}, {@link Dense#apply} over the weights being trained, {@link Normalize#apply}; so
 * before any step the embeddings are bit for bit those of inference. This class adds the backward pass and holds
 * the Dense weights as {@link Parameter}s.
 */
public final class TrainableHead {

    /** A module after pooling, trainable (Dense) or not (Normalize). */
    private sealed interface Module permits DenseModule, NormalizeModule {
        int outputDimension();
    }

    /**
     * A Dense module's weights as parameters, named {@code <folder>/linear.weight} and {@code <folder>/linear.bias}
     * (the folder as modules.json names it), so that a saved model can put them back into that folder's file.
     */
    private record DenseModule(String path, int in, int out, Dense.Activation activation, Parameter weight,
                               Parameter bias, float[] noBias) implements Module {

        /** Core's Dense over the current parameter values (kept, not copied). */
        Dense dense() {
            return new Dense(path, in, out, weight.value(), bias == null ? noBias : bias.value(), bias != null,
                    activation);
        }

        @Override
        public int outputDimension() {
            return out;
        }
    }

    private record NormalizeModule(int outputDimension) implements Module {
    }

    private final Pooling pooling;
    private final List<Module> modules;

    private TrainableHead(Pooling pooling, List<Module> modules) {
        this.pooling = pooling;
        this.modules = List.copyOf(modules);
    }

    /**
     * The head of a loaded model: its Pooling and the modules after it, the Dense weights copied into parameters
     * (training never changes the loaded model).
     */
    public static TrainableHead of(SentenceTransformer model) {
        return of(model.pooling(), model.modulesAfterPooling());
    }

    /** A head from core's modules, e.g. to train a pooling or Dense configuration no saved model has yet. */
    public static TrainableHead of(Pooling pooling, List<? extends VectorModule> after) {
        List<Module> modules = new ArrayList<>();
        int width = pooling.outputDimension();
        for (VectorModule m : after) {
            switch (m) {
                case Dense d -> {
                    if (d.in() != width) {
                        throw new IllegalArgumentException("Dense module " + d.path() + " takes " + d.in()
                                + " inputs, the module before it gives " + width);
                    }
                    Parameter weight = Parameter.named(d.path() + "/linear.weight", new long[] {d.out(), d.in()},
                            d.weight());
                    Parameter bias = d.hasBias()
                            ? Parameter.named(d.path() + "/linear.bias", new long[] {d.out()}, d.bias()) : null;
                    modules.add(new DenseModule(d.path(), d.in(), d.out(), d.activation(), weight, bias,
                            new float[d.out()]));
                }
                case Normalize _ -> modules.add(new NormalizeModule(width));
            }
            width = modules.getLast().outputDimension();
        }
        return new TrainableHead(pooling, modules);
    }

    /** The Dense modules' weights and biases, in module order (none without a Dense module). */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Module m : modules) {
            if (m instanceof DenseModule d) {
                out.add(d.weight());
                if (d.bias() != null) {
                    out.add(d.bias());
                }
            }
        }
        return out;
    }

    /** Width of the sentence embeddings. */
    public int dimension() {
        return modules.isEmpty() ? pooling.outputDimension() : modules.getLast().outputDimension();
    }

    /**
     * What the backward pass needs of a forward pass: the token states (max pooling's winners are found again
     * from them), and each sentence's vector before every module after pooling.
     */
    public static final class HeadPass {
        private final float[] hidden;
        private final int[] starts, promptLengths;
        private final float[][][] inputs; // [module][sequence] the vector each module received
        private final float[][] embeddings;

        private HeadPass(float[] hidden, int[] starts, int[] promptLengths, float[][][] inputs, float[][] embeddings) {
            this.hidden = hidden;
            this.starts = starts;
            this.promptLengths = promptLengths;
            this.inputs = inputs;
            this.embeddings = embeddings;
        }

        /** The sentence embeddings, one per sequence in batch order. */
        public float[][] embeddings() {
            return embeddings;
        }
    }

    /**
     * Sentence embeddings of the sequences of a packed batch.
     *
     * @param hidden        last_hidden_state [T, hiddenSize], the sequences end to end; kept (not copied) for
     *                      the backward pass
     * @param starts        sequence s holds tokens [starts[s], starts[s+1])
     * @param promptLengths per sequence, how many leading tokens are a prompt (0 for none)
     */
    public HeadPass forward(float[] hidden, int hiddenSize, int[] starts, int[] promptLengths) {
        if (hiddenSize != pooling.dimension()) {
            throw new IllegalArgumentException("pooling expects " + pooling.dimension() + "-wide token states, the "
                    + "encoder gives " + hiddenSize);
        }
        int n = starts.length - 1;
        if (promptLengths.length != n || hidden.length != starts[n] * hiddenSize) {
            throw new IllegalArgumentException("a batch of " + n + " sequences and " + starts[n] + " tokens needs "
                    + n + " prompt lengths and " + starts[n] * hiddenSize + " hidden values, got "
                    + promptLengths.length + " and " + hidden.length);
        }
        float[][] x = new float[n][];
        for (int s = 0; s < n; s++) {
            x[s] = pooling.pool(Arrays.copyOfRange(hidden, starts[s] * hiddenSize, starts[s + 1] * hiddenSize),
                    starts[s + 1] - starts[s], promptLengths[s]);
        }
        float[][][] inputs = new float[modules.size()][][];
        for (int k = 0; k < modules.size(); k++) {
            inputs[k] = x;
            VectorModule m = switch (modules.get(k)) {
                case DenseModule d -> d.dense();
                case NormalizeModule _ -> new Normalize();
            };
            float[][] y = new float[n][];
            for (int s = 0; s < n; s++) {
                y[s] = m.apply(x[s]);
            }
            x = y;
        }
        return new HeadPass(hidden, starts.clone(), promptLengths.clone(), inputs, x);
    }

    /**
     * From the gradient of the loss with respect to each embedding to its gradient with respect to the hidden
     * states [T, hiddenSize]; the Dense parameters' gradients are added into.
     */
    public float[] backward(HeadPass pass, float[][] dEmbeddings) {
        int n = pass.starts.length - 1;
        if (dEmbeddings.length != n) {
            throw new IllegalArgumentException("the forward pass made " + n + " embeddings, got gradients for "
                    + dEmbeddings.length);
        }
        float[][] dy = dEmbeddings;
        float[][] y = pass.embeddings;
        for (int k = modules.size() - 1; k >= 0; k--) {
            float[][] x = pass.inputs[k], dx = new float[n][];
            for (int s = 0; s < n; s++) {
                if (dy[s].length != y[s].length) {
                    throw new IllegalArgumentException("embedding " + s + " has " + y[s].length
                            + " dimensions, its gradient " + dy[s].length);
                }
                dx[s] = switch (modules.get(k)) {
                    case DenseModule d -> denseBackward(d, x[s], y[s], dy[s]);
                    case NormalizeModule _ -> normalizeBackward(x[s], y[s], dy[s]);
                };
            }
            dy = dx;
            y = x;
        }
        float[] dHidden = new float[pass.hidden.length];
        for (int s = 0; s < n; s++) {
            poolBackward(pass, s, dy[s], dHidden);
        }
        return dHidden;
    }

    /**
     * y = act(W·x + b): dz = dy · act'(z), written with y as torch's backward does (tanh: 1 - y², sigmoid:
     * y(1 - y), ReLU: y > 0); dW += dz xᵀ, db += dz, dx = Wᵀ dz.
     */
    private static float[] denseBackward(DenseModule d, float[] x, float[] y, float[] dy) {
        float[] w = d.weight().value(), dW = d.weight().grad(), dB = d.bias() == null ? null : d.bias().grad();
        float[] dx = new float[d.in()];
        for (int o = 0; o < d.out(); o++) {
            float dz = dy[o] * switch (d.activation()) {
                case IDENTITY -> 1f;
                case TANH -> 1f - y[o] * y[o];
                case SIGMOID -> y[o] * (1f - y[o]);
                case RELU -> y[o] > 0f ? 1f : 0f;
            };
            if (dB != null) {
                dB[o] += dz;
            }
            int row = o * d.in();
            for (int i = 0; i < d.in(); i++) {
                dW[row + i] += dz * x[i];
                dx[i] += dz * w[row + i];
            }
        }
        return dx;
    }

    /**
     * y = x / max(‖x‖, 1e-12) (torch's normalize): dx = (dy - y (y · dy)) / ‖x‖; below the clamp the norm is a
     * constant and dx = dy / 1e-12.
     */
    private static float[] normalizeBackward(float[] x, float[] y, float[] dy) {
        double sq = 0, dot = 0;
        for (int i = 0; i < x.length; i++) {
            sq += (double) x[i] * x[i];
            dot += (double) y[i] * dy[i];
        }
        double norm = Math.sqrt(sq);
        float[] dx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            dx[i] = (float) (norm > 1e-12 ? (dy[i] - y[i] * dot) / norm : dy[i] / 1e-12);
        }
        return dx;
    }

    /** Pooling's backward: each mode's slice of the pooled gradient goes back to the tokens that mode read. */
    private void poolBackward(HeadPass pass, int s, float[] dPooled, float[] dHidden) {
        int d = pooling.dimension(), start = pass.starts[s], len = pass.starts[s + 1] - start;
        int first = pooling.includePrompt() ? 0 : Math.min(pass.promptLengths[s], len);
        int at = 0;
        for (Pooling.Mode m : pooling.modes()) {
            switch (m) {
                // sentence-transformers reads token 0 whatever the prompt mask says
                case CLS -> add(dHidden, start * d, dPooled, at, 1f, d);
                case MEAN, MEAN_SQRT_LEN, WEIGHTED_MEAN -> {
                    boolean byPosition = m == Pooling.Mode.WEIGHTED_MEAN;
                    float weightSum = 0f; // summed as Pooling sums it
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
                    // the gradient goes to the first token holding the maximum, as torch.max's index; masked
                    // tokens are -1e9 in sentence-transformers and get none
                    for (int i = 0; i < d; i++) {
                        int arg = -1;
                        float max = -1e9f;
                        for (int t = first; t < len; t++) {
                            float v = pass.hidden[(start + t) * d + i];
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
