package io.koembed.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** torch.nn.utils.clip_grad_norm_: one L2 norm over all gradients, scaled by maxNorm / (norm + 1e-6) if above.
 * Tolerances: float32's rounding of the scaled values. */
class GradientClippingTest {

    private static Parameter withGrad(String name, float... grad) {
        Parameter p = Parameter.named(name, new long[] {grad.length}, new float[grad.length]);
        System.arraycopy(grad, 0, p.grad(), 0, grad.length);
        return p;
    }

    /** Gradients (3, 4) and (12): norm √(9 + 16 + 144) = 13; clipped to 1, each is divided by 13.000001. */
    @Test
    void aNormAboveTheLimitIsScaledDown() {
        Parameter a = withGrad("a.weight", 3, 4), b = withGrad("b.bias", 12);
        Parameter untouched = Parameter.named("c.weight", new long[] {2}, new float[2]);
        double norm = GradientClipping.clipGlobalNorm(List.of(a, b, untouched), 1.0);
        assertEquals(13.0, norm, 1e-12);
        assertEquals(3 / 13.000001, a.grad()[0], 1e-7);
        assertEquals(4 / 13.000001, a.grad()[1], 1e-7);
        assertEquals(12 / 13.000001, b.grad()[0], 1e-7);
        assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-6);
        assertFalse(untouched.hasGrad(), "a parameter without gradient gets none");
    }

    /** Below the limit nothing changes, bit for bit. */
    @Test
    void aNormBelowTheLimitIsLeftAlone() {
        Parameter a = withGrad("a.weight", 3, 4), b = withGrad("b.bias", 12);
        assertEquals(13.0, GradientClipping.clipGlobalNorm(List.of(a, b), 20.0), 1e-12);
        assertArrayEquals(new float[] {3, 4}, a.grad());
        assertArrayEquals(new float[] {12}, b.grad());
    }

    /** A gradient of several of the pool's slices (2^20 elements each): the norm of all of it, scaled alike. */
    @Test
    void largeGradientsAcrossSlices() {
        SplittableRandom r = new SplittableRandom(2);
        float[] g = new float[3 * (1 << 20) + 17];
        double sq = 0;
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
            sq += (double) g[i] * g[i];
        }
        Parameter p = withGrad("embeddings.word_embeddings.weight", g);
        double norm = GradientClipping.clipGlobalNorm(List.of(p), 1.0);
        assertEquals(Math.sqrt(sq), norm, 1e-9 * norm);
        float c = (float) (1.0 / (Math.sqrt(sq) + 1e-6));
        for (int i = 0; i < g.length; i += 9973) {
            assertEquals(g[i] * c, p.grad()[i], "element " + i);
        }
    }
}
