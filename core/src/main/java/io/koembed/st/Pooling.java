package io.koembed.st;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * sentence-transformers' Pooling module ({@code 1_Pooling/config.json}): turns a sequence's token states into
 * one vector. Several modes may be on at once; their results are concatenated in sentence-transformers' order
 * (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken).
 *
 * <p>KoEmbed never pads, so every token of a sequence counts, except the prompt's tokens when
 * {@code include_prompt} is false.
 */
public record Pooling(int dimension, List<Mode> modes, boolean includePrompt) {

    public enum Mode {
        CLS("pooling_mode_cls_token"),
        MAX("pooling_mode_max_tokens"),
        MEAN("pooling_mode_mean_tokens"),
        MEAN_SQRT_LEN("pooling_mode_mean_sqrt_len_tokens"),
        WEIGHTED_MEAN("pooling_mode_weightedmean_tokens"),
        LAST_TOKEN("pooling_mode_lasttoken");

        final String configKey;

        Mode(String configKey) {
            this.configKey = configKey;
        }
    }

    public Pooling {
        modes = List.copyOf(modes);
        if (modes.isEmpty()) {
            throw new IllegalArgumentException("pooling needs at least one mode");
        }
    }

    static Pooling fromConfig(Path file, JsonNode config) {
        JsonNode dim = config.get("word_embedding_dimension");
        if (dim == null || !dim.canConvertToInt() || dim.asInt() <= 0) {
            throw ModelFormatException.in(file, "'word_embedding_dimension' is missing or not a positive integer");
        }
        List<Mode> modes = new ArrayList<>();
        JsonNode named = config.get("pooling_mode");
        if (named != null && named.isTextual()) {
            modes.add(switch (named.asText()) {
                case "cls" -> Mode.CLS;
                case "max" -> Mode.MAX;
                case "mean" -> Mode.MEAN;
                case "mean_sqrt_len_tokens" -> Mode.MEAN_SQRT_LEN;
                case "weightedmean" -> Mode.WEIGHTED_MEAN;
                case "lasttoken" -> Mode.LAST_TOKEN;
                default -> throw ModelFormatException.in(file, "unknown 'pooling_mode' \"" + named.asText() + "\"");
            });
        } else {
            for (Mode m : Mode.values()) {
                if (config.path(m.configKey).asBoolean(false)) {
                    modes.add(m);
                }
            }
        }
        if (modes.isEmpty()) {
            throw ModelFormatException.in(file, "no pooling mode is switched on");
        }
        return new Pooling(dim.asInt(), modes, config.path("include_prompt").asBoolean(true));
    }

    /** Width of the pooled vector: one {@link #dimension()} per mode. */
    public int outputDimension() {
        return dimension * modes.size();
    }

    /**
     * Pools one sequence.
     *
     * @param states       the sequence's token states, row-major [length, dimension]
     * @param length       number of tokens
     * @param promptLength how many leading tokens belong to the prompt (0 if none); they are left out when
     *                     {@code include_prompt} is false, as sentence-transformers masks them
     */
    public float[] pool(float[] states, int length, int promptLength) {
        if (states.length != length * dimension) {
            throw new IllegalArgumentException("expected " + length + " x " + dimension + " token states, got "
                    + states.length + " values");
        }
        int first = includePrompt ? 0 : Math.min(promptLength, length);
        float[] out = new float[outputDimension()];
        int at = 0;
        for (Mode m : modes) {
            switch (m) {
                case CLS -> System.arraycopy(states, 0, out, at, Math.min(dimension, states.length));
                case MAX -> max(states, first, length, out, at);
                case MEAN -> weightedSum(states, first, length, false, out, at, Divide.BY_COUNT);
                case MEAN_SQRT_LEN -> weightedSum(states, first, length, false, out, at, Divide.BY_SQRT_COUNT);
                case WEIGHTED_MEAN -> weightedSum(states, first, length, true, out, at, Divide.BY_COUNT);
                case LAST_TOKEN -> {
                    // The last token that counts; a sequence with no counted token pools to zeros, as in
                    // sentence-transformers where the mask zeroes the gathered row.
                    if (length > first) {
                        System.arraycopy(states, (length - 1) * dimension, out, at, dimension);
                    }
                }
            }
            at += dimension;
        }
        return out;
    }

    private enum Divide { BY_COUNT, BY_SQRT_COUNT }

    /**
     * Sum of the counted rows divided by the (clamped) sum of weights; weights are 1, or the 1-based position
     * in the sequence for weightedmean, the way sentence-transformers builds them.
     */
    private void weightedSum(float[] states, int first, int length, boolean byPosition, float[] out, int at,
                             Divide divide) {
        float weightSum = 0;
        for (int t = first; t < length; t++) {
            float w = byPosition ? t + 1 : 1f;
            weightSum += w;
            int row = t * dimension;
            for (int d = 0; d < dimension; d++) {
                out[at + d] += states[row + d] * w;
            }
        }
        float denominator = Math.max(weightSum, 1e-9f);
        if (divide == Divide.BY_SQRT_COUNT) {
            denominator = (float) Math.sqrt(denominator);
        }
        for (int d = 0; d < dimension; d++) {
            out[at + d] /= denominator;
        }
    }

    /** Element-wise max; sentence-transformers sets masked tokens to -1e9, so that is the floor. */
    private void max(float[] states, int first, int length, float[] out, int at) {
        java.util.Arrays.fill(out, at, at + dimension, -1e9f);
        for (int t = first; t < length; t++) {
            int row = t * dimension;
            for (int d = 0; d < dimension; d++) {
                out[at + d] = Math.max(out[at + d], states[row + d]);
            }
        }
    }
}
