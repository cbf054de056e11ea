package io.koembed.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * AdamW against cases worked by hand and against a plain double-precision transcription of torch.optim.AdamW's
 * update (decay first, then the moments, bias corrections, {@code p -= lr/bc1 · m / (√v/√bc2 + ε)}).
 */
class AdamWTest {

    private static Parameter parameter(String name, float... values) {
        return Parameter.named(name, new long[] {values.length}, values);
    }

    /**
     * One weight (decays) and one bias (does not), lr 0.1 then 0.05, weight decay 0.01, gradients 0.5 then -0.25.
     * Step 1: m̂ = g and v̂ = g², so the step is lr · g / (|g| + ε): the weight goes 1 → 1 · (1 - 0.001) - 0.1 ·
     * 0.5/(0.5 + 1e-8) = 0.899000002, the bias -0.5 → -0.5 - 0.1 · 0.5/(0.5 + 1e-8) = -0.599999998.
     * Step 2 (weight): 0.899000002 · (1 - 0.0005) = 0.898550502; m = 0.9 · 0.05 - 0.1 · 0.25 = 0.02,
     * v = 0.999 · 0.00025 + 0.001 · 0.0625 = 0.00031225; bc1 = 0.19, bc2 = 0.001999; step
     * 0.05/0.19 · 0.02 / (√(0.00031225/0.001999) + 1e-8) = 0.0133168513 → 0.88523365.
     */
    @Test
    void twoStepsByHand() {
        Parameter weight = parameter("dense.weight", 1f), bias = parameter("dense.bias", -0.5f);
        AdamW adam = new AdamW(List.of(weight, bias), 0.9, 0.999, 1e-8, 0.01);
        weight.grad()[0] = 0.5f;
        bias.grad()[0] = 0.5f;
        adam.step(0.1);
        assertEquals(0.899000002, weight.value()[0], 1e-7);
        assertEquals(-0.599999998, bias.value()[0], 1e-7);
        weight.grad()[0] = -0.25f;
        adam.step(0.05);
        assertEquals(0.88523365, weight.value()[0], 1e-7);
    }

    /**
     * A parameter that no backward pass reached is left alone, as torch skips a parameter whose grad is None; its
     * first step, whenever it comes, is a first step (bias correction with t = 1): lr · sign(g).
     */
    @Test
    void aParameterWithoutGradientIsSkippedAndStartsItsOwnCount() {
        Parameter reached = parameter("a.bias", 0f), later = parameter("b.bias", 2f);
        AdamW adam = new AdamW(List.of(reached, later), 0.9, 0.999, 1e-8, 0.01);
        for (int step = 0; step < 3; step++) {
            reached.grad()[0] = 1f;
            adam.step(0.1);
        }
        assertEquals(2f, later.value()[0]);
        assertFalse(later.hasGrad());
        later.grad()[0] = -3f;
        adam.step(0.1);
        assertEquals(2.1, later.value()[0], 3e-7); // float32 steps of 2.4e-7 here
    }

    /**
     * Ten steps with random gradients and a varying rate on a weight larger than one of AdamW's slices (2^20
     * elements) and a bias: within float32 rounding of the double transcription (torch keeps parameters and
     * moments in float32 too).
     */
    @Test
    void tenStepsFollowTorchsUpdateRule() {
        SplittableRandom r = new SplittableRandom(7);
        int n = (1 << 20) + 5;
        float[] w = new float[n], b = new float[3];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Parameter weight = Parameter.named("big.weight", new long[] {n}, w.clone());
        Parameter bias = Parameter.named("big.bias", new long[] {3}, b.clone());
        double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, decay = 0.01;
        AdamW adam = new AdamW(List.of(weight, bias), beta1, beta2, eps, decay);
        Reference refW = new Reference(w), refB = new Reference(b);
        for (int step = 1; step <= 10; step++) {
            double lr = 1e-3 * step / 10;
            for (Parameter p : List.of(weight, bias)) {
                float[] g = p.grad();
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (r.nextGaussian() * 0.1);
                }
            }
            refW.step(weight.grad(), lr, beta1, beta2, eps, decay);
            refB.step(bias.grad(), lr, beta1, beta2, eps, 0);
            adam.step(lr);
        }
        refW.assertClose(weight.value());
        refB.assertClose(bias.value());
    }

    /** torch.optim.AdamW's single-tensor step (amsgrad off, maximize off), in double. */
    private static final class Reference {
        final double[] p, m, v;
        int t;

        Reference(float[] values) {
            p = new double[values.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = values[i];
            }
            m = new double[p.length];
            v = new double[p.length];
        }

        void step(float[] g, double lr, double beta1, double beta2, double eps, double weightDecay) {
            t++;
            double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * weightDecay;
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
            }
        }

        /**
         * Within 10 ulps of the value (float32 parameters round twice a step: after the decay and after the update,
         * 20 roundings in ten steps; the largest of a million such walks is about 5 ulps), plus 1e-9 for values near
         * 0, where the update's own rounding (about 1e-7 of lr) counts.
         */
        void assertClose(float[] actual) {
            for (int i = 0; i < p.length; i++) {
                assertEquals(p[i], actual[i], 10 * Math.ulp((float) p[i]) + 1e-9, "element " + i);
            }
        }
    }
}
