package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each pooling mode on a hand-computed 3-token, 2-dimension case. */
class PoolingTest {
    // tokens: (1, 2), (3, -4), (5, 6)
    private static final float[] STATES = {1, 2, 3, -4, 5, 6};

    private static float[] pool(Pooling.Mode mode, boolean includePrompt, int promptLength) {
        return new Pooling(2, List.of(mode), includePrompt).pool(STATES, 3, promptLength);
    }

    @Test
    void eachMode() {
        assertArrayEquals(new float[] {1, 2}, pool(Pooling.Mode.CLS, true, 0));
        assertArrayEquals(new float[] {5, 6}, pool(Pooling.Mode.MAX, true, 0));
        assertArrayEquals(new float[] {3, 4f / 3}, pool(Pooling.Mode.MEAN, true, 0), 1e-6f);
        assertArrayEquals(new float[] {9 / (float) Math.sqrt(3), 4 / (float) Math.sqrt(3)},
                pool(Pooling.Mode.MEAN_SQRT_LEN, true, 0), 1e-6f);
        // weights 1, 2, 3: (1 + 6 + 15) / 6, (2 - 8 + 18) / 6
        assertArrayEquals(new float[] {22f / 6, 12f / 6}, pool(Pooling.Mode.WEIGHTED_MEAN, true, 0), 1e-6f);
        assertArrayEquals(new float[] {5, 6}, pool(Pooling.Mode.LAST_TOKEN, true, 0));
    }

    @Test
    void excludedPromptTokensDoNotCount() {
        assertArrayEquals(new float[] {4, 1}, pool(Pooling.Mode.MEAN, false, 1), 1e-6f);
        assertArrayEquals(new float[] {3, 4f / 3}, pool(Pooling.Mode.MEAN, true, 1), 1e-6f);
        // weightedmean keeps the 1-based positions of the remaining tokens: (3*2 + 5*3) / 5, (-4*2 + 6*3) / 5
        assertArrayEquals(new float[] {21f / 5, 10f / 5}, pool(Pooling.Mode.WEIGHTED_MEAN, false, 1), 1e-6f);
        assertArrayEquals(new float[] {5, 6}, pool(Pooling.Mode.MAX, false, 2));
    }

    @Test
    void modesConcatenateInSentenceTransformersOrder() {
        Pooling p = new Pooling(2, List.of(Pooling.Mode.CLS, Pooling.Mode.MEAN), true);
        assertArrayEquals(new float[] {1, 2, 3, 4f / 3}, p.pool(STATES, 3, 0), 1e-6f);
    }
}
