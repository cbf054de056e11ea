package io.koembed.classify;

import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.Progress;
import io.koembed.st.EncodeOptions;
import io.koembed.st.ModelFingerprint;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A classifier over sentence embeddings: {@link LogisticRegression} on features made from the embeddings, plus what
 * it needs to be used again: its labels, the input kind, and which embedding model (and how it was called) made the
 * training embeddings.
 *
 * <p>Features: for a single text, its embedding u. For a sentence pair (e.g. NLI), sentence-transformers'
 * {@code SoftmaxLoss} representation with all three of its options on: the concatenation
 * {@code (u, v, |u − v|, u * v)} (its defaults leave {@code u * v} out; it is added here because a frozen encoder
 * gives the classifier no other way to see elementwise agreement). The regression standardizes the features
 * (scikit-learn's StandardScaler) and fits multinomial L2 logistic regression.
 *
 * <p>Saved as JSON ({@link #toJson()}, {@link #load(Path)}; the layout is in {@code ClassifierJson}). A saved classifier names its embedding model by path and
 * by {@link ModelFingerprint}; {@link #requireEmbeddingModel} refuses a model with another fingerprint.
 */
public final class EmbeddingClassifier {
    public static final int FORMAT_VERSION = 1;

    public enum Input { SINGLE, PAIR }

    /** Turns texts into embeddings, in input order (e.g. {@code texts -> model.encode(texts, options)}). */
    @FunctionalInterface
    public interface Embedder {
        float[][] embed(List<String> texts);
    }

    /**
     * The embedding model and how it was called.
     *
     * @param path        the model directory at training, absolute (where to look for it; the fingerprint decides)
     * @param fingerprint {@link ModelFingerprint#of}
     * @param dimension   the embedding dimension
     * @param normalize   whether embeddings were L2-normalized
     * @param prompt      the prompt text put before each input, or null
     */
    public record EmbeddingModel(String path, String fingerprint, int dimension, boolean normalize, String prompt) {
        /**
         * Describes a loaded model called with these options: its directory, fingerprint and dimension, and the
         * prompt the options resolve to ({@code prompt}, else the text of {@code promptName}; null leaves the
         * model's default prompt, if it has one, to apply again at prediction).
         */
        public static EmbeddingModel of(SentenceTransformer st, EncodeOptions options) {
            String prompt = options.prompt();
            if (prompt == null && options.promptName() != null) {
                prompt = st.prompts().get(options.promptName());
                if (prompt == null) {
                    throw new IllegalArgumentException("prompt name '" + options.promptName() + "' is not among the "
                            + "model's prompts " + st.prompts().keySet());
                }
            }
            return new EmbeddingModel(st.directory().toAbsolutePath().normalize().toString(),
                    ModelFingerprint.of(st.directory()), st.dimension(), options.normalize(), prompt);
        }

        /** Encode options that reproduce the training embeddings (with the given batch size). */
        public EncodeOptions encodeOptions(int batchSize) {
            return EncodeOptions.defaults().withBatchSize(batchSize).withNormalize(normalize).withPrompt(prompt);
        }
    }

    /** A prediction: the label and the probability of each of {@link #labels()}, in that order. */
    public record Prediction(String label, double[] probabilities) {}

    /**
     * Checks that {@code st} is the model the classifier was trained with ({@link #requireEmbeddingModel}) and returns
     * an embedder that calls it as at training.
     */
    public Embedder embedderFor(SentenceTransformer st, int batchSize) {
        requireEmbeddingModel(st.directory(), ModelFingerprint.of(st.directory()), st.dimension());
        EncodeOptions options = model.encodeOptions(batchSize);
        return texts -> st.encode(texts, options);
    }

    /** Facts about the training run, saved with the classifier. */
    public record Training(int examples, int iterations, boolean converged, double trainAccuracy, double c) {}

    private final Input input;
    private final List<String> labels;
    private final EmbeddingModel model;
    private final LogisticRegression regression;
    private final Training training;

    EmbeddingClassifier(Input input, List<String> labels, EmbeddingModel model, LogisticRegression regression,
                        Training training) {
        this.input = input;
        this.labels = List.copyOf(labels);
        this.model = model;
        this.regression = regression;
        this.training = training;
    }

    /**
     * Trains on labelled examples, all single texts or all pairs, with at least two distinct labels. Labels are
     * sorted (as scikit-learn's {@code classes_}). {@code embedder} is called once, on the distinct texts.
     */
    public static EmbeddingClassifier train(List<LabeledExample> data, Embedder embedder, EmbeddingModel model,
                                            LogisticRegression.Options options, Progress progress) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        Input input = inputOf(data);
        TreeSet<String> distinct = new TreeSet<>();
        for (LabeledExample e : data) {
            if (e.label() == null) {
                throw new DataFormatException(where(e), "training example without a label");
            }
            distinct.add(e.label());
        }
        if (distinct.size() < 2) {
            throw new IllegalArgumentException("training data needs at least 2 distinct labels, found "
                    + distinct.size() + " (" + String.join(", ", distinct) + ")");
        }
        List<String> labels = new ArrayList<>(distinct);
        double[][] x = featureRows(input, data, embedder, model.dimension());
        int[] y = new int[data.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.indexOf(data.get(i).label());
        }
        LogisticRegression lr = LogisticRegression.fit(x, y, labels.size(), options, progress);
        int correct = 0;
        for (int i = 0; i < x.length; i++) {
            if (lr.predict(x[i]) == y[i]) {
                correct++;
            }
        }
        LogisticRegression.FitInfo info = lr.info();
        return new EmbeddingClassifier(input, labels, model, lr, new Training(data.size(), info.iterations(),
                info.converged(), (double) correct / data.size(), options.c()));
    }

    /** Predicts each example (labels in the data are ignored here). */
    public List<Prediction> predict(List<LabeledExample> data, Embedder embedder) {
        if (data.isEmpty()) {
            return List.of();
        }
        Input kind = inputOf(data);
        if (kind != input) {
            throw new IllegalArgumentException("this classifier takes " + describe(input) + ", the data holds "
                    + describe(kind));
        }
        double[][] x = featureRows(input, data, embedder, model.dimension());
        List<Prediction> out = new ArrayList<>(x.length);
        for (double[] row : x) {
            double[] p = regression.probabilities(row);
            out.add(new Prediction(labels.get(LogisticRegression.argmax(p)), p));
        }
        return out;
    }

    /** The feature row of one input: u for a single text, (u, v, |u − v|, u * v) for a pair. */
    public static double[] features(Input input, float[] u, float[] v) {
        if (input == Input.SINGLE) {
            double[] out = new double[u.length];
            for (int t = 0; t < u.length; t++) {
                out[t] = u[t];
            }
            return out;
        }
        if (v == null || v.length != u.length) {
            throw new IllegalArgumentException("a pair needs two embeddings of equal dimension");
        }
        int d = u.length;
        double[] out = new double[4 * d];
        for (int t = 0; t < d; t++) {
            out[t] = u[t];
            out[d + t] = v[t];
            out[2 * d + t] = Math.abs(u[t] - v[t]);
            out[3 * d + t] = (double) u[t] * v[t];
        }
        return out;
    }

    private static double[][] featureRows(Input input, List<LabeledExample> data, Embedder embedder, int dimension) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (LabeledExample e : data) {
            index.putIfAbsent(e.text(), index.size());
            if (e.text2() != null) {
                index.putIfAbsent(e.text2(), index.size());
            }
        }
        float[][] emb = embedder.embed(new ArrayList<>(index.keySet()));
        if (emb.length != index.size()) {
            throw new IllegalStateException("the embedder returned " + emb.length + " embeddings for " + index.size()
                    + " texts");
        }
        for (float[] e : emb) {
            if (e.length != dimension) {
                throw new EmbeddingModelMismatchException("the embeddings have dimension " + e.length
                        + ", the classifier expects " + dimension);
            }
        }
        double[][] x = new double[data.size()][];
        for (int i = 0; i < x.length; i++) {
            LabeledExample e = data.get(i);
            x[i] = features(input, emb[index.get(e.text())], e.text2() == null ? null : emb[index.get(e.text2())]);
        }
        return x;
    }

    private static Input inputOf(List<LabeledExample> data) {
        boolean pair = data.getFirst().isPair();
        for (LabeledExample e : data) {
            if (e.isPair() != pair) {
                throw new DataFormatException(where(e), "mixes single texts and sentence pairs");
            }
        }
        return pair ? Input.PAIR : Input.SINGLE;
    }

    private static String where(LabeledExample e) {
        return e.source() == null ? "example" : e.source();
    }

    private static String describe(Input input) {
        return input == Input.PAIR ? "sentence pairs" : "single texts";
    }

    /**
     * Refuses embeddings from another model: the fingerprint (and dimension) of {@code dir} must equal the one
     * recorded at training.
     */
    public void requireEmbeddingModel(Path dir, String fingerprint, int dimension) {
        if (!fingerprint.equals(model.fingerprint())) {
            throw new EmbeddingModelMismatchException("the classifier was trained on embeddings of " + model.path()
                    + " (" + model.fingerprint() + "), but " + dir + " is another model (" + fingerprint + ")");
        }
        if (dimension != model.dimension()) {
            throw new EmbeddingModelMismatchException("the classifier expects " + model.dimension()
                    + "-dimensional embeddings, " + dir + " makes " + dimension);
        }
    }

    public Input input() {
        return input;
    }

    public List<String> labels() {
        return labels;
    }

    public EmbeddingModel embeddingModel() {
        return model;
    }

    public LogisticRegression regression() {
        return regression;
    }

    public Training training() {
        return training;
    }

    /** The classifier as a JSON document (pretty-printed; doubles written so that they read back exactly). */
    public String toJson() {
        return ClassifierJson.write(this);
    }

    /** A classifier saved with {@link #toJson()}; a file that is not one is a {@link ModelFormatException}. */
    public static EmbeddingClassifier load(Path file) {
        if (!Files.exists(file)) {
            throw ModelFormatException.in(file, "classifier file not found");
        }
        return ClassifierJson.read(JsonFiles.readObject(file), file);
    }
}
