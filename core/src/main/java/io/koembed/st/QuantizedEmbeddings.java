package io.koembed.st;

import java.util.Arrays;

/**
 * Embeddings at a reduced precision, as sentence-transformers' {@code quantize_embeddings} returns them: one row of
 * bytes per vector, row-major in {@link #data()}.
 *
 * <ul>
 *   <li>int8 / uint8: one byte per dimension; {@link #value(int, int)} reads it signed (int8) or unsigned (uint8),
 *       as numpy's dtype would; {@link #ranges()} are the calibration ranges used.</li>
 *   <li>binary / ubinary: {@code ceil(dimension / 8)} bytes per vector, dimension 0 in the high bit of byte 0
 *       ({@code np.packbits} order), the last byte padded with zero bits; ubinary bytes are the packed bits read
 *       unsigned, binary bytes are those minus 128 read signed (bits XOR 0x80). {@link #ranges()} is null.</li>
 * </ul>
 *
 * @param precision  int8, uint8, binary or ubinary (never float32)
 * @param count      number of vectors
 * @param dimension  number of float dimensions each vector had before quantization
 * @param data       count × {@code precision.bytesPerVector(dimension)} bytes, row-major
 * @param ranges     calibration ranges for int8/uint8 (null only when count is 0), null for binary/ubinary
 */
public record QuantizedEmbeddings(Precision precision, int count, int dimension, byte[] data,
                                  QuantizationRanges ranges) {

    public QuantizedEmbeddings {
        if (precision == Precision.FLOAT32) {
            throw new IllegalArgumentException("float32 embeddings are float[][], not QuantizedEmbeddings");
        }
        if (count < 0 || dimension < 1) {
            throw new IllegalArgumentException("bad shape [" + count + ", " + dimension + "]");
        }
        if ((long) count * precision.bytesPerVector(dimension) != data.length) {
            throw new IllegalArgumentException("data holds " + data.length + " bytes, expected "
                    + (long) count * precision.bytesPerVector(dimension));
        }
        if (precision.isScalar() && count > 0 && (ranges == null || ranges.dimension() != dimension)) {
            throw new IllegalArgumentException(precision.configName() + " needs calibration ranges of dimension "
                    + dimension);
        }
        if (precision.isBinary() && ranges != null) {
            throw new IllegalArgumentException(precision.configName() + " takes no calibration ranges");
        }
    }

    /** Bytes per vector: the dimension for int8/uint8, {@code ceil(dimension / 8)} for binary/ubinary. */
    public int bytesPerVector() {
        return precision.bytesPerVector(dimension);
    }

    /** A copy of vector i's bytes. */
    public byte[] row(int i) {
        int n = bytesPerVector();
        return Arrays.copyOfRange(data, Math.multiplyExact(i, n), Math.multiplyExact(i, n) + n);
    }

    /** Byte j of vector i as numpy shows it: signed for int8/binary, unsigned (0..255) for uint8/ubinary. */
    public int value(int i, int j) {
        byte b = data[i * bytesPerVector() + j];
        return precision.isSigned() ? b : b & 0xFF;
    }

    /** Vector i's bytes as numbers, as numpy shows them (what {@code encode --precision} prints). */
    public int[] values(int i) {
        int n = bytesPerVector();
        int[] out = new int[n];
        for (int j = 0; j < n; j++) {
            out[j] = value(i, j);
        }
        return out;
    }

    /** For binary/ubinary: bit d of vector i (1 where the float was > 0). */
    public int bit(int i, int d) {
        if (!precision.isBinary()) {
            throw new IllegalStateException("bit() is for binary precisions, this is " + precision.configName());
        }
        if (d < 0 || d >= dimension) {
            throw new IndexOutOfBoundsException(d);
        }
        int b = data[i * bytesPerVector() + (d >>> 3)];
        if (precision == Precision.BINARY) {
            b ^= 0x80;
        }
        return (b >>> (7 - (d & 7))) & 1;
    }

    /**
     * For int8/uint8: vector i mapped back to floats, each value the middle of its quantization bucket
     * (see {@link Quantization#dequantize}).
     */
    public float[] dequantize(int i) {
        if (!precision.isScalar()) {
            throw new IllegalStateException("dequantize() is for int8/uint8, this is " + precision.configName());
        }
        float[] out = new float[dimension];
        Quantization.dequantize(precision, ranges, data, i * dimension, out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedEmbeddings q && precision == q.precision && count == q.count
                && dimension == q.dimension && Arrays.equals(data, q.data) && java.util.Objects.equals(ranges, q.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + precision.hashCode();
    }

    @Override
    public String toString() {
        return "QuantizedEmbeddings[" + precision.configName() + ", " + count + " x " + dimension + "]";
    }
}
