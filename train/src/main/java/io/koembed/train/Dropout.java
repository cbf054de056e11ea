package io.koembed.train;

import io.koembed.JsonFiles;
import io.koembed.tensor.Parallel;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Dropout as transformers applies it in training mode: on the embeddings' output, on the attention probabilities,
 * and on the attention and feed-forward outputs before their residual add; kept values are scaled by
 * {@code 1 / (1 - p)}. {@link #OFF} is evaluation mode.
 *
 * <p>Each place in each pass draws one seed from {@code random}; whether element {@code i} is kept is a hash of that
 * seed and {@code i}. So the backward pass recomputes the mask instead of storing it, the threads that compute a
 * layer need no shared generator, and the same seed gives the same masks on any number of threads. (PyTorch's masks
 * come from its own generator; no run is expected to reproduce them.)
 *
 * @param hidden    hidden_dropout_prob
 * @param attention attention_probs_dropout_prob
 */
public record Dropout(float hidden, float attention, SplittableRandom random) {

    /** No dropout: evaluation mode. */
    public static final Dropout OFF = new Dropout(0f, 0f, null);

    public Dropout {
        if (!(hidden >= 0 && hidden < 1 && attention >= 0 && attention < 1)) {
            throw new IllegalArgumentException("dropout rates must be in [0, 1), got " + hidden + " and " + attention);
        }
        if ((hidden > 0 || attention > 0) && random == null) {
            throw new IllegalArgumentException("dropout needs a random generator");
        }
    }

    /** The rates of a model's config.json (hidden_dropout_prob, attention_probs_dropout_prob; 0.1 if absent). */
    public static Dropout fromConfig(Path configJson, long seed) {
        JsonNode c = JsonFiles.readObject(configJson);
        return new Dropout((float) c.path("hidden_dropout_prob").asDouble(0.1),
                (float) c.path("attention_probs_dropout_prob").asDouble(0.1), new SplittableRandom(seed));
    }

    public boolean isOff() {
        return hidden == 0 && attention == 0;
    }

    /** A seed for one place of one pass (0 when that place has no dropout). */
    long nextSeed(float p) {
        return p == 0 ? 0 : random.nextLong();
    }

    /** Whether element {@code i} is kept under {@code seed} at rate {@code p}: a SplitMix64 hash of both. */
    static boolean keep(long seed, long i, float p) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24 >= p;
    }

    /** In place over {@code x[0, len)}, on the pool: zero the dropped elements, scale the kept ones by 1 / (1 - p). */
    static void apply(Parallel pool, float[] x, int len, long seed, float p) {
        if (p == 0) {
            return;
        }
        float scale = 1f / (1f - p);
        pool.forRange(len, pool.threads(), 64, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                x[i] = keep(seed, i, p) ? x[i] * scale : 0f;
            }
        });
    }
}
