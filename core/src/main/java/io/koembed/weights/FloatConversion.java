package io.koembed.weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian F32, F16 and BF16 elements to float: F32 as is, the half types widened exactly. */
final class FloatConversion {
    private static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatConversion() {}

    /** {@code src} itself (read-only) for F32; for F16 and BF16 a widened copy from {@code arena}, 64-byte aligned. */
    static MemorySegment toF32(MemorySegment src, DType dtype, long n, Arena arena) {
        if (dtype == DType.F32) {
            return src.asReadOnly();
        }
        MemorySegment dst = arena.allocate(n * Float.BYTES, 64);
        widenInto(src, dtype, n, dst);
        return dst;
    }

    /** The {@code n} F16 or BF16 elements of {@code src} widened into the start of {@code dst}. */
    static void widenInto(MemorySegment src, DType dtype, long n, MemorySegment dst) {
        for (long i = 0; i < n; i++) {
            dst.setAtIndex(Checkpoint.F32_LE, i, widen(src.getAtIndex(I16_LE, i), dtype));
        }
    }

    static float[] toArray(MemorySegment src, DType dtype, int n) {
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(src, Checkpoint.F32_LE, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = widen(src.getAtIndex(I16_LE, i), dtype);
            }
        }
        return out;
    }

    private static float widen(short bits, DType dtype) {
        return switch (dtype) {
            case F16 -> Float.float16ToFloat(bits);
            case BF16 -> Float.intBitsToFloat(bits << 16); // BF16 is the upper half of an F32
            default -> throw new AssertionError(dtype);
        };
    }
}
