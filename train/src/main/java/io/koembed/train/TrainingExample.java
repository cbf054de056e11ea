package io.koembed.train;

import java.util.List;

/**
 * One training example, as sentence-transformers' {@code InputExample}: its texts (a pair, or anchor / positive /
 * negative) and a label (a similarity in 0..1, a class id, or unused).
 */
public record TrainingExample(List<String> texts, float label) {

    public TrainingExample {
        texts = List.copyOf(texts);
    }

    public static TrainingExample of(float label, String... texts) {
        return new TrainingExample(List.of(texts), label);
    }
}
