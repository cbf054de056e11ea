package io.koembed.tensor;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Erf} against erf computed to 60+ digits with BigDecimal (Maclaurin series). */
class ErfTest {
    private static final MathContext MC = new MathContext(90);
    private static final BigDecimal PI = new BigDecimal(
            "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863");
    private static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.TWO.divide(PI.sqrt(MC), MC);
    private static final BigDecimal SQRT1_2 = BigDecimal.ONE.divide(BigDecimal.TWO.sqrt(MC), MC);

    /** erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)); 90 digits cover the cancellation up to |x| = 6.5. */
    static BigDecimal erf(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = x; // (-1)^n x^(2n+1) / n!
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal eps = new BigDecimal("1e-40");
        for (int n = 0; ; n++) {
            BigDecimal add = term.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(add, MC);
            if (n > 2 && add.abs().compareTo(eps) < 0) {
                break;
            }
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf(-(n + 1L)), MC);
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC);
    }

    static double erfRef(float x) {
        if (Math.abs(x) > 6.5f) {
            return Math.signum(x);
        }
        return erf(new BigDecimal(x)).doubleValue();
    }

    static double geluRef(float x) {
        if (x < -12f) {
            return 0; // |gelu| < 1e-30
        }
        if (x > 9f) {
            return x;
        }
        BigDecimal bx = new BigDecimal(x);
        return bx.multiply(BigDecimal.ONE.add(erf(bx.multiply(SQRT1_2, MC)), MC), MC)
                .divide(BigDecimal.TWO, MC).doubleValue();
    }

    private static float[] samples() {
        Random r = new Random(7);
        float[] xs = new float[6000];
        int i = 0;
        for (; i < 2400; i++) {
            xs[i] = -6f + 12f * i / 2399; // uniform grid
        }
        for (; i < 4000; i++) {
            xs[i] = (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, -8 + 8.8 * r.nextDouble())); // log-spaced
        }
        for (; i < 6000; i++) {
            xs[i] = (float) (r.nextGaussian() * 2);
        }
        return xs;
    }

    @Test
    void erfIsAccurateToAboutOneUlp() {
        double maxAbs = 0, maxRel = 0;
        for (float x : samples()) {
            double ref = erfRef(x);
            double got = Erf.erf(x);
            maxAbs = Math.max(maxAbs, Math.abs(got - ref));
            if (Math.abs(x) < 1 && x != 0) {
                maxRel = Math.max(maxRel, Math.abs(got / ref - 1));
            }
        }
        System.out.printf("erf: max abs error %.3g, max rel error (|x|<1) %.3g%n", maxAbs, maxRel);
        assertTrue(maxAbs <= 1.5e-7, "abs error " + maxAbs); // ulp(1) = 1.19e-7
        assertTrue(maxRel <= 2.5e-7, "rel error " + maxRel); // ulp = 1.19e-7 relative at worst
    }

    @Test
    void erfSpecialValues() {
        assertEquals(0f, Erf.erf(0f));
        assertEquals(1f, Erf.erf(Float.POSITIVE_INFINITY));
        assertEquals(-1f, Erf.erf(Float.NEGATIVE_INFINITY));
        assertEquals(1f, Erf.erf(10f));
        assertTrue(Float.isNaN(Erf.erf(Float.NaN)));
        assertEquals(-Erf.erf(0.3f), Erf.erf(-0.3f));
        assertEquals(-Erf.erf(2.7f), Erf.erf(-2.7f));
    }

    @Test
    void geluIsAccurateInAbsoluteAndRelativeTerms() {
        double maxAbs = 0, maxRel = 0;
        for (float x : samples()) {
            float xx = x * 2; // GELU inputs spread wider than erf's
            double ref = geluRef(xx);
            double got = Erf.gelu(xx);
            double abs = Math.abs(got - ref);
            maxAbs = Math.max(maxAbs, abs / Math.max(1, Math.abs(xx)));
            if (ref != 0) {
                // for negative x the float rounding of x/√2 alone moves erfc by a relative ~x²·2^-24
                maxRel = Math.max(maxRel, abs / Math.abs(ref) / Math.max(1, xx * xx));
            }
        }
        System.out.printf("gelu: max abs error / max(1,|x|) %.3g, max rel error / max(1,x²) %.3g%n", maxAbs, maxRel);
        assertTrue(maxAbs <= 1.5e-7, "abs error " + maxAbs);
        // relative accuracy is kept deep in the left tail (x = -12: gelu ~ -1e-32) thanks to the erfc form; the
        // worst case (~3 ulp) is near x = -1.4, where 1 + z·P(z²) cancels down to erfc(1) = 0.157
        assertTrue(maxRel <= 5e-7, "rel error / max(1,x²) " + maxRel);
        assertEquals(0f, Erf.gelu(0f));
        assertEquals(100f, Erf.gelu(100f));
        assertEquals(0f, Math.abs(Erf.gelu(-100f)));
    }

    @Test
    void abramowitzStegun7126WouldNotBeEnoughNearZero() {
        // the note in Erf's javadoc, checked: A&S 7.1.26 in float loses relative accuracy for small x
        float x = 1e-3f;
        float t = 1f / (1f + 0.3275911f * x);
        float y = 1f - (((((1.061405429f * t - 1.453152027f) * t) + 1.421413741f) * t - 0.284496736f) * t
                + 0.254829592f) * t * (float) Math.exp(-x * x);
        double ref = erfRef(x);
        assertTrue(Math.abs(y / ref - 1) > 1e-5, "A&S relative error at 1e-3: " + Math.abs(y / ref - 1));
        assertTrue(Math.abs(Erf.erf(x) / ref - 1) < 2.5e-7);
    }
}
