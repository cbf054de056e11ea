package io.koembed.tokenize.pretokenizers;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "Sequence", "pretokenizers": [...]}}: each step cuts every piece of the previous one. Only the
 * first piece of a section can still start at offset 0 of the input.
 */
public final class PreTokenizerSequence implements PreTokenizer {
    private final List<PreTokenizer> steps;

    public PreTokenizerSequence(List<PreTokenizer> steps) {
        this.steps = List.copyOf(steps);
    }

    @Override
    public List<String> preTokenize(String text, boolean atTextStart) {
        List<String> pieces = List.of(text);
        for (PreTokenizer step : steps) {
            List<String> next = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                next.addAll(step.preTokenize(pieces.get(i), atTextStart && i == 0));
            }
            pieces = next;
        }
        return pieces;
    }
}
