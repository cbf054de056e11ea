package io.koembed.st;

/**
 * Embedding quantization with the semantics of sentence-transformers' {@code quantize_embeddings}.
 *
 * <ul>
 *   <li><b>uint8</b>: {@code trunc((x - min) / step)} with {@code step = (max - min) / 255}, all in float32.</li>
 *   <li><b>int8</b>: {@code trunc((x - min) / step - 128)}. Truncation is toward zero, so int8 is <i>not</i> uint8
 *       minus 128: a value 0.5 steps above the minimum is uint8 0 but int8 -127, and int8 0 spans two buckets.</li>
 *   <li><b>ubinary</b>: one bit per dimension, 1 where {@code x > 0}, packed eight to a byte with the first
 *       dimension in the high bit ({@code np.packbits}).</li>
 *   <li><b>binary</b>: the ubinary bytes minus 128, as int8.</li>
 * </ul>
 *
 * <p>Two deliberate differences, both where numpy's result is accidental:
 * <ol>
 *   <li>A value outside the calibration range is clamped to 0..255 (uint8) or -128..127 (int8). numpy's float to
 *       uint8/int8 cast of an out-of-range value is C undefined behaviour; on x86-64 it wraps modulo 256, so a
 *       query value just above the corpus maximum would become a tiny one (256.3 → 0). Inside the range the codes
 *       are identical.</li>
 *   <li>Binary packing is per vector, padding the last byte with zero bits. sentence-transformers packs the
 *       flattened matrix and reshapes, which is the same when the dimension is a multiple of 8 (768, 1024, and
 *       every Matryoshka cut of them that is) and mixes bits of neighbouring vectors otherwise.</li>
 * </ol>
 */
public final class Quantization {
    private Quantization() {}

    /**
     * Quantizes with ranges computed from the embeddings themselves, as {@code quantize_embeddings(embeddings,
     * precision)} without {@code ranges} or {@code calibration_embeddings} does (and as {@code encode(...,
     * precision=...)} does). For search, calibrate on the corpus instead: {@link #quantize(float[][], Precision,
     * QuantizationRanges)} with {@link QuantizationRanges#of(float[][])}.
     */
    public static QuantizedEmbeddings quantize(float[][] embeddings, Precision precision) {
        QuantizationRanges ranges = precision.isScalar() && embeddings.length > 0
                ? QuantizationRanges.of(embeddings) : null;
        if (precision.isScalar() && ranges == null) {
            throw new IllegalArgumentException("cannot calibrate " + precision.configName()
                    + " quantization on zero embeddings; pass ranges");
        }
        return quantize(embeddings, precision, ranges);
    }

    /** Quantizes with the given calibration ranges (ignored, and may be null, for binary/ubinary). */
    public static QuantizedEmbeddings quantize(float[][] embeddings, Precision precision, QuantizationRanges ranges) {
        if (precision == Precision.FLOAT32) {
            throw new IllegalArgumentException("float32 needs no quantization");
        }
        int dim = embeddings.length == 0 ? (ranges != null ? ranges.dimension() : 1) : embeddings[0].length;
        if (precision.isScalar()) {
            if (ranges == null) {
                throw new IllegalArgumentException(precision.configName() + " quantization needs calibration ranges");
            }
            if (ranges.dimension() != dim) {
                throw new IllegalArgumentException("ranges have dimension " + ranges.dimension()
                        + ", embeddings " + dim);
            }
        }
        int n = precision.bytesPerVector(dim);
        byte[] data = new byte[Math.multiplyExact(embeddings.length, n)];
        for (int i = 0; i < embeddings.length; i++) {
            if (embeddings[i].length != dim) {
                throw new IllegalArgumentException("embedding " + i + " has " + embeddings[i].length
                        + " dimensions, expected " + dim);
            }
            quantizeRow(embeddings[i], precision, ranges, data, i * n);
        }
        return new QuantizedEmbeddings(precision, embeddings.length, dim, data,
                precision.isScalar() ? ranges : null);
    }

    /** Quantizes one vector into {@code out[offset, offset + precision.bytesPerVector(x.length))}. */
    public static void quantizeRow(float[] x, Precision precision, QuantizationRanges ranges, byte[] out, int offset) {
        switch (precision) {
            case UINT8 -> {
                for (int d = 0; d < x.length; d++) {
                    out[offset + d] = (byte) uint8(x[d], ranges.minAt(d), ranges.step(d));
                }
            }
            case INT8 -> {
                for (int d = 0; d < x.length; d++) {
                    out[offset + d] = (byte) int8(x[d], ranges.minAt(d), ranges.step(d));
                }
            }
            case UBINARY, BINARY -> {
                int flip = precision == Precision.BINARY ? 0x80 : 0;
                int bytes = (x.length + 7) >>> 3;
                for (int j = 0; j < bytes; j++) {
                    int b = 0;
                    for (int bit = 0; bit < 8; bit++) {
                        int d = (j << 3) + bit;
                        if (d < x.length && x[d] > 0f) {
                            b |= 0x80 >>> bit;
                        }
                    }
                    out[offset + j] = (byte) (b ^ flip);
                }
            }
            case FLOAT32 -> throw new IllegalArgumentException("float32 needs no quantization");
        }
    }

    /** The uint8 code of x: {@code trunc((x - min) / step)}, clamped to 0..255. */
    static int uint8(float x, float min, float step) {
        float t = (x - min) / step;
        return clamp(truncate(t), 0, 255);
    }

    /** The int8 code of x: {@code trunc((x - min) / step - 128)}, clamped to -128..127. */
    static int int8(float x, float min, float step) {
        float t = (x - min) / step - 128f;
        return clamp(truncate(t), -128, 127);
    }

    /** Toward zero; Java's cast saturates and maps NaN to 0 (numpy's NaN cast gives 0 on x86-64 too). */
    private static int truncate(float t) {
        return (int) t;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    // ---- dequantization ------------------------------------------------------------------------------------

    private static final float[] UINT8_LEVELS = new float[256];
    private static final float[] INT8_LEVELS = new float[256];

    static {
        // Where in [0, 255] (units of step above min) the middle of each code's bucket lies. Truncation toward
        // zero makes the int8 buckets uneven: code c > 0 covers t - 128 in [c, c + 1), c < 0 covers (c - 1, c],
        // and 0 covers (-1, 1). The end codes can only be reached by the range's own end points.
        for (int q = 0; q < 256; q++) {
            UINT8_LEVELS[q] = q == 255 ? 255f : q + 0.5f;
        }
        for (int q = -128; q < 128; q++) {
            float center = q == 127 ? 127f : q == -128 ? -128f : q > 0 ? q + 0.5f : q < 0 ? q - 0.5f : 0f;
            INT8_LEVELS[q & 0xFF] = 128f + center;
        }
    }

    /**
     * The float the code stands for, in units of {@code step} above {@code min}: the middle of its bucket.
     * {@code code} is the stored byte (int8 codes as their two's complement byte).
     */
    public static float level(Precision precision, byte code) {
        return switch (precision) {
            case UINT8 -> UINT8_LEVELS[code & 0xFF];
            case INT8 -> INT8_LEVELS[code & 0xFF];
            default -> throw new IllegalArgumentException("level() is for int8/uint8");
        };
    }

    /**
     * Maps one int8/uint8 vector back to floats: {@code min + level(code) * step} per dimension, the middle of the
     * bucket the original value fell in. Reads {@code out.length} bytes from {@code data[offset...]}.
     */
    public static void dequantize(Precision precision, QuantizationRanges ranges, byte[] data, int offset, float[] out) {
        float[] levels = switch (precision) {
            case UINT8 -> UINT8_LEVELS;
            case INT8 -> INT8_LEVELS;
            default -> throw new IllegalArgumentException("dequantize() is for int8/uint8");
        };
        for (int d = 0; d < out.length; d++) {
            out[d] = ranges.minAt(d) + levels[data[offset + d] & 0xFF] * ranges.step(d);
        }
    }
}
