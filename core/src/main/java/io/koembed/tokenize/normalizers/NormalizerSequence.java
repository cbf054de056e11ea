package io.koembed.tokenize.normalizers;

import java.util.List;

/** {@code {"type": "Sequence", "normalizers": [...]}}: the steps applied in order. */
public final class NormalizerSequence implements Normalizer {
    private final List<Normalizer> steps;

    public NormalizerSequence(List<Normalizer> steps) {
        this.steps = List.copyOf(steps);
    }

    public List<Normalizer> steps() {
        return steps;
    }

    @Override
    public String normalize(String text) {
        for (Normalizer step : steps) {
            text = step.normalize(text);
        }
        return text;
    }

    /** Once a step moved the start, the later steps keep the moved alignment of the first character. */
    @Override
    public boolean movesStart(String text) {
        for (Normalizer step : steps) {
            if (step.movesStart(text)) {
                return true;
            }
            text = step.normalize(text);
        }
        return false;
    }
}
