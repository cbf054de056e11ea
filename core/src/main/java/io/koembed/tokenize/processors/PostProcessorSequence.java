package io.koembed.tokenize.processors;

import io.koembed.tokenize.common.Encoding;
import java.util.List;

/** {@code {"type": "Sequence", "processors": [...]}}: each processor works on the output of the previous one. */
public final class PostProcessorSequence implements PostProcessor {
    private final List<PostProcessor> steps;

    public PostProcessorSequence(List<PostProcessor> steps) {
        this.steps = List.copyOf(steps);
    }

    @Override
    public int addedTokens(boolean pair) {
        int n = 0;
        for (PostProcessor p : steps) {
            n += p.addedTokens(pair);
        }
        return n;
    }

    @Override
    public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
        for (PostProcessor p : steps) {
            encodings = p.process(encodings, addSpecialTokens);
        }
        return encodings;
    }
}
