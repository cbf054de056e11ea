package io.koembed.tensor;

/**
 * erf and the exact GELU in float precision (Java has no {@code Math.erf}).
 *
 * <p>Two pieces, with coefficients fitted for KoEmbed (weighted least squares iterated towards minimax against
 * double-precision erf/erfc, then rounded to float):
 * <ul>
 *   <li>|z| &lt; 1: {@code erf(z) = z · P(z²)}, P of degree 6 (relative error of the fit 1.2e-9);</li>
 *   <li>|z| ≥ 1: {@code erfc(|z|) = exp(-z²) · Q(t)}, {@code t = 1 / (1 + |z|/2)}, Q of degree 10 in t (relative
 *       error of the fit 4.7e-10 on the whole half-line, since t maps [1, ∞) onto (0, 2/3]).</li>
 * </ul>
 * Evaluated in float the result is within about 1.4e-7 absolute of the true erf everywhere and within about 2e-7
 * relative for |z| &lt; 1 (ErfTest checks both against a 60-digit BigDecimal series). For comparison the often
 * quoted Abramowitz–Stegun 7.1.26 has 1.5e-7 absolute error but loses all relative accuracy near 0.
 *
 * <p>The GELU uses the erfc form for negative arguments, {@code 1 + erf(z) = erfc(-z)}, so it keeps its relative
 * accuracy in the left tail instead of cancelling {@code 1 - 0.9999...}. The Vector API kernel evaluates exactly
 * these polynomials lane-wise.
 */
public final class Erf {
    private Erf() {}

    // erf(z) / z = P(z²) on |z| < 1
    static final float P0 = 1.1283791065216064f, P1 = -0.3761262595653534f, P2 = 0.1128358542919159f,
            P3 = -0.026853812858462334f, P4 = 0.005188329610973597f, P5 = -0.0008010208839550614f,
            P6 = 7.853907300159335e-05f;
    // erfc(z) · exp(z²) = Q(t), t = 1 / (1 + z/2), on z ≥ 1
    static final float Q0 = 1.0517688942002223e-08f, Q1 = 0.2820943295955658f, Q2 = 0.2821030914783478f,
            Q3 = 0.2467680275440216f, Q4 = 0.17640933394432068f, Q5 = 0.0859949141740799f,
            Q6 = -0.024680476635694504f, Q7 = 0.028052547946572304f, Q8 = -0.25492236018180847f,
            Q9 = 0.2583467960357666f, Q10 = -0.08040089905261993f;

    static final float SQRT1_2 = 0.70710677f;

    /** erf(z) / z for |z| &lt; 1. */
    static float p(float u /* z² */) {
        return P0 + u * (P1 + u * (P2 + u * (P3 + u * (P4 + u * (P5 + u * P6)))));
    }

    /** erfc(a) for a ≥ 1. */
    static float erfcLarge(float a) {
        float t = 1f / (1f + 0.5f * a);
        float q = Q0 + t * (Q1 + t * (Q2 + t * (Q3 + t * (Q4 + t * (Q5 + t * (Q6 + t * (Q7 + t * (Q8
                + t * (Q9 + t * Q10)))))))));
        return (float) Math.exp(-(a * a)) * q;
    }

    /** The error function, accurate to about one float ulp. */
    public static float erf(float z) {
        float a = Math.abs(z);
        if (a < 1f) {
            return z * p(z * z);
        }
        float r = 1f - erfcLarge(a);
        return Math.copySign(r, z);
    }

    /** {@code 1 + erf(z)}, accurate relatively also for very negative z. */
    static float onePlusErf(float z) {
        float a = Math.abs(z);
        if (a < 1f) {
            return 1f + z * p(z * z);
        }
        float c = erfcLarge(a);
        return z < 0 ? c : 2f - c;
    }

    /** The exact GELU {@code x/2 · (1 + erf(x/√2))}, as torch's {@code gelu} (approximate='none'). */
    public static float gelu(float x) {
        return 0.5f * x * onePlusErf(x * SQRT1_2);
    }
}
