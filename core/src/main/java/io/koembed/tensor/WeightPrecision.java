package io.koembed.tensor;

import java.util.Locale;

/**
 * How the encoder keeps its weight matrices in memory. Arithmetic is float32 in every case (products and sums);
 * only the stored weights differ.
 */
public enum WeightPrecision {
    /** The weights as trained: results equal sentence-transformers' within float32 rounding. The default. */
    FLOAT32("float32", 4),
    /** The top 16 bits of each float32 (round to nearest even): half the memory, about 3 significant digits. */
    BFLOAT16("bfloat16", 2),
    /** Symmetric int8 per output channel (row), scale = max |w| / 127: a quarter of the memory. */
    INT8("int8", 1);

    private final String label;
    private final int bytes;

    WeightPrecision(String label, int bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    /** The name used on the command line and in reports: float32, bfloat16, int8. */
    public String label() {
        return label;
    }

    /** Bytes per stored weight. */
    public int bytes() {
        return bytes;
    }

    /** Parses a label (also fp32, f32, bf16, i8; any case). */
    public static WeightPrecision parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32", "f32" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "int8", "i8" -> INT8;
            default -> throw new IllegalArgumentException("unknown weight precision '" + s
                    + "' (expected float32, bfloat16 or int8)");
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
