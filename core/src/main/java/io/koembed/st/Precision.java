package io.koembed.st;

import java.util.Locale;

/**
 * The output precisions of sentence-transformers' {@code encode(..., precision=...)} and
 * {@code quantize_embeddings}: float32, scalar-quantized int8/uint8 (one byte per dimension), and binary/ubinary
 * (one bit per dimension, packed eight to a byte, first dimension in the high bit as {@code np.packbits} does).
 */
public enum Precision {
    FLOAT32("float32"),
    INT8("int8"),
    UINT8("uint8"),
    BINARY("binary"),
    UBINARY("ubinary");

    private final String configName;

    Precision(String configName) {
        this.configName = configName;
    }

    /** The name sentence-transformers uses ("float32", "int8", "uint8", "binary", "ubinary"). */
    public String configName() {
        return configName;
    }

    /** True for int8 and uint8 (one byte per dimension, needs calibration ranges). */
    public boolean isScalar() {
        return this == INT8 || this == UINT8;
    }

    /** True for binary and ubinary (one bit per dimension). */
    public boolean isBinary() {
        return this == BINARY || this == UBINARY;
    }

    /** True where the bytes are read as signed values (int8, binary), as numpy's int8 dtype does. */
    public boolean isSigned() {
        return this == INT8 || this == BINARY;
    }

    /** Bytes one vector of {@code dimension} floats takes at this precision. */
    public int bytesPerVector(int dimension) {
        return switch (this) {
            case FLOAT32 -> Math.multiplyExact(dimension, 4);
            case INT8, UINT8 -> dimension;
            case BINARY, UBINARY -> (dimension + 7) / 8;
        };
    }

    /** Parses a sentence-transformers precision name, case-insensitively. */
    public static Precision fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.configName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name
                + "' (known: float32, int8, uint8, binary, ubinary)");
    }
}
