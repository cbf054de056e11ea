package io.koembed.train;

import java.nio.file.Path;
import java.util.Locale;

/** The losses {@code koembed train --loss} names, with the data each reads. */
public enum LossFunction {
    COSENT("cosent"), COSINE("cosine"), MNRL("mnrl"), SOFTMAX("softmax");

    private final String flag;

    LossFunction(String flag) {
        this.flag = flag;
    }

    /** IllegalArgumentException naming the choices for an unknown name. */
    public static LossFunction parse(String name) {
        for (LossFunction f : values()) {
            if (f.flag.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + name + "' (expected cosent, cosine, mnrl or softmax)");
    }

    /** Reads a training file in the form this loss takes (see {@link TrainingData}). */
    public TrainingData read(Path file, long seed) {
        return switch (this) {
            case COSENT, COSINE -> TrainingData.scoredPairs(file);
            case MNRL -> TrainingData.anchoredRows(file, seed);
            case SOFTMAX -> TrainingData.labelledPairs(file);
        };
    }

    /** The loss for sentence embeddings of {@code dimension} over {@code data}. */
    public Loss create(int dimension, TrainingData data, long seed) {
        return switch (this) {
            case COSENT -> new CoSENTLoss();
            case COSINE -> new CosineSimilarityLoss();
            case MNRL -> new MultipleNegativesRankingLoss();
            case SOFTMAX -> new SoftmaxLoss(dimension, data.numLabels(), seed);
        };
    }

    /** Checks that every example has the texts and label this loss needs, before training starts. */
    public void check(TrainingData data) {
        int columns = data.examples().get(0).texts().size();
        for (int i = 0; i < data.examples().size(); i++) {
            int n = data.examples().get(i).texts().size();
            boolean ok = this == MNRL ? n >= 2 && n == columns : n == 2;
            if (!ok) {
                throw new IllegalArgumentException(data.source() + ": example " + (i + 1) + " has " + n + " texts; "
                        + this + " needs " + (this == MNRL ? "2 or more, the same in every example" : "2"));
            }
        }
    }

    @Override
    public String toString() {
        return switch (this) {
            case COSENT -> "CoSENTLoss";
            case COSINE -> "CosineSimilarityLoss";
            case MNRL -> "MultipleNegativesRankingLoss";
            case SOFTMAX -> "SoftmaxLoss";
        };
    }
}
