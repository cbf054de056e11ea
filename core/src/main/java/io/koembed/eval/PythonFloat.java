package io.koembed.eval;

import java.math.BigDecimal;

/**
 * Formats a double as Python's {@code repr(float)} / {@code str(float)} does, so that the CSV files written
 * here are the ones sentence-transformers' {@code csv.writer} writes: the shortest digits that read back to the
 * same double, in positional notation for decimal exponents -4 to 15 ({@code 0.0001}, {@code 1.0},
 * {@code 123.25}) and scientific otherwise ({@code 1e-05}, {@code 1.5e+16}); {@code nan}, {@code inf},
 * {@code -inf}; {@code -0.0}.
 */
public final class PythonFloat {
    private PythonFloat() {}

    public static String repr(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        // Since JDK 19, Double.toString gives the shortest decimal that rounds to v (closest to v among those).
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale(); // decimal exponent of the first digit
        StringBuilder out = new StringBuilder(v < 0 ? "-" : "");
        if (exponent >= -4 && exponent < 16) {
            if (exponent < 0) {
                out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
            } else if (digits.length() <= exponent + 1) {
                out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
            } else {
                out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            out.append(e < 10 ? "0" : "").append(e);
        }
        return out.toString();
    }
}
