package io.koembed.eval;

import io.koembed.Progress;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * STS evaluation as sentence-transformers 3.0.1's {@code EmbeddingSimilarityEvaluator} does it: embed the first
 * and the second sentences of every pair (two separate {@code encode} calls, no normalization, batch size 16 by
 * default), score each pair by cosine similarity, negated Manhattan and Euclidean distance and dot product
 * ({@link PairScores}), and correlate each with the gold scores (Pearson and Spearman, {@link Correlation}).
 *
 * <pre>{@code
 * try (SentenceTransformer model = SentenceTransformer.load(Path.of("e5-base-korean"))) {
 *     StsEvaluation r = new EmbeddingSimilarityEvaluator(StsDataset.named("korsts-dev")).evaluate(model);
 *     System.out.print(r.markdownTable());      // | pearson_cosine | 0.85... |
 *     r.writeCsv(Path.of("eval"));              // similarity_evaluation_korsts-dev_results.csv
 * }
 * }</pre>
 */
public final class EmbeddingSimilarityEvaluator {

    /** The metric names, in the order sentence-transformers 3.0.1 returns them (and the model card lists them). */
    public static final List<String> METRICS = List.of("pearson_cosine", "spearman_cosine", "pearson_manhattan",
            "spearman_manhattan", "pearson_euclidean", "spearman_euclidean", "pearson_dot", "spearman_dot",
            "pearson_max", "spearman_max");

    /** The evaluator's default batch size in sentence-transformers. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final StsDataset data;
    private final int batchSize;
    private final Progress progress;

    public EmbeddingSimilarityEvaluator(StsDataset data) {
        this(data, DEFAULT_BATCH_SIZE, Progress.NONE);
    }

    private EmbeddingSimilarityEvaluator(StsDataset data, int batchSize, Progress progress) {
        this.data = Objects.requireNonNull(data, "data");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (data.size() < 2) {
            throw new IllegalArgumentException(data.name() + ": a correlation needs at least 2 pairs, got "
                    + data.size());
        }
        this.batchSize = batchSize;
        this.progress = progress == null ? Progress.NONE : progress;
    }

    /** Texts per forward pass (sentence-transformers' evaluator default: 16). */
    public EmbeddingSimilarityEvaluator withBatchSize(int batchSize) {
        return new EmbeddingSimilarityEvaluator(data, batchSize, progress);
    }

    /** Reports how many of the 2 × size() sentences are embedded, after every encoder pass; null for none. */
    public EmbeddingSimilarityEvaluator withProgress(Progress progress) {
        return new EmbeddingSimilarityEvaluator(data, batchSize, progress);
    }

    public StsDataset data() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Embeds both sides of every pair with the model and computes the metrics. */
    public StsEvaluation evaluate(SentenceTransformer model) {
        long start = System.nanoTime();
        EncodeOptions options = EncodeOptions.defaults().withBatchSize(batchSize);
        int pairs = data.size();
        long total = 2L * pairs;
        progress.update(0, total);
        float[][] e1 = model.encode(data.sentences1(), options, (done, n) -> progress.update(done, total));
        float[][] e2 = model.encode(data.sentences2(), options, (done, n) -> progress.update(pairs + done, total));
        StsEvaluation r = evaluate(e1, e2);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new StsEvaluation(r.name(), r.gold(), r.scores(), r.metrics(), seconds);
    }

    /** The metrics from given embeddings of sentences1 and sentences2 (one row per pair, in data order). */
    public StsEvaluation evaluate(float[][] embeddings1, float[][] embeddings2) {
        if (embeddings1.length != data.size() || embeddings2.length != data.size()) {
            throw new IllegalArgumentException("expected " + data.size() + " embeddings on each side, got "
                    + embeddings1.length + " and " + embeddings2.length);
        }
        return compute(data.name(), data.scores(), PairScores.of(embeddings1, embeddings2));
    }

    /** The ten metrics of predicted scores against gold scores. */
    public static StsEvaluation compute(String name, double[] gold, PairScores scores) {
        if (gold.length != scores.size()) {
            throw new IllegalArgumentException("gold and predicted scores differ in count: " + gold.length
                    + " vs " + scores.size());
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("pearson_cosine", Correlation.pearson(gold, scores.cosine()));
        m.put("spearman_cosine", Correlation.spearman(gold, scores.cosine()));
        m.put("pearson_manhattan", Correlation.pearson(gold, scores.manhattan()));
        m.put("spearman_manhattan", Correlation.spearman(gold, scores.manhattan()));
        m.put("pearson_euclidean", Correlation.pearson(gold, scores.euclidean()));
        m.put("spearman_euclidean", Correlation.spearman(gold, scores.euclidean()));
        m.put("pearson_dot", Correlation.pearson(gold, scores.dot()));
        m.put("spearman_dot", Correlation.spearman(gold, scores.dot()));
        m.put("pearson_max", pythonMax(m.get("pearson_cosine"), m.get("pearson_manhattan"),
                m.get("pearson_euclidean"), m.get("pearson_dot")));
        m.put("spearman_max", pythonMax(m.get("spearman_cosine"), m.get("spearman_manhattan"),
                m.get("spearman_euclidean"), m.get("spearman_dot")));
        return new StsEvaluation(name, gold.clone(), scores, m, 0);
    }

    /**
     * Python's built-in {@code max(a, b, c, d)}: keeps the first value unless a later one compares greater, so
     * a NaN first wins and a NaN later is skipped (comparisons with NaN are false).
     */
    static double pythonMax(double... values) {
        double best = values[0];
        for (int i = 1; i < values.length; i++) {
            if (values[i] > best) {
                best = values[i];
            }
        }
        return best;
    }
}
