package io.koembed.tensor;

import io.koembed.weights.Checkpoint;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Packing a stored [out, in] matrix into panels, in each precision, against hand-computed values. */
class PackedMatrixTest {

    private static MemorySegment stored(Arena arena, float[] values) {
        MemorySegment s = arena.allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(Checkpoint.F32_LE, i, values[i]);
        }
        return s;
    }

    @Test
    void theTransposePacksAsATransposedCopyWouldAndRefillsInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            // M [3, 5] = row r holds 10r + c; its transpose [5, 3] packed with panels of 4 (the last padded)
            float[] m = new float[15], t = new float[15];
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 5; c++) {
                    m[r * 5 + c] = 10 * r + c;
                    t[c * 3 + r] = 10 * r + c;
                }
            }
            PackedMatrix direct = PackedMatrix.packTransposed(m, 3, 5, 4);
            PackedMatrix copied = PackedMatrix.pack(stored(arena, t), 5, 3, WeightPrecision.FLOAT32, 4, arena);
            assertEquals(5, direct.rows());
            assertEquals(3, direct.cols());
            float[] a = new float[12], b = new float[12];
            for (int q = 0; q < 2; q++) {
                direct.decodePanel(q, a);
                copied.decodePanel(q, b);
                org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, "panel " + q);
            }
            for (int i = 0; i < 15; i++) {
                m[i] = -m[i];
            }
            direct.refillTransposed(m);
            assertEquals(-21f, direct.get(1, 2)); // element (1, 2) of Mᵀ is M[2, 1] = 21, negated
            direct.refill(stored(arena, t)); // refill from the transposed copy: back to the values packed first
            assertEquals(21f, direct.get(1, 2));
        }
    }

    @Test
    void float32KeepsEveryValueAndPadsTheLastPanel() {
        try (Arena arena = Arena.ofConfined()) {
            // W [5, 3] = row r holds 10r + c
            float[] w = new float[15];
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 3; c++) {
                    w[r * 3 + c] = 10 * r + c;
                }
            }
            PackedMatrix p = PackedMatrix.pack(stored(arena, w), 5, 3, WeightPrecision.FLOAT32, 4, arena);
            assertEquals(2, p.panels());
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(10 * r + c, p.get(r, c));
                }
            }
            // panel 1 holds row 4 and three zero rows, column by column: [40, 0, 0, 0, 41, 0, 0, 0, 42, 0, 0, 0]
            float[] panel = new float[12];
            p.decodePanel(1, panel);
            assertEquals(40f, panel[0]);
            assertEquals(0f, panel[1]);
            assertEquals(41f, panel[4]);
            assertEquals(42f, panel[8]);
            assertEquals(0f, panel[11]);
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa, 1.0
        assertEquals(0x3F80, PackedMatrix.toBfloat16(1.00390625f) & 0xFFFF);
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, 1 + 2^-6 (0x3F82)
        assertEquals(0x3F82, PackedMatrix.toBfloat16(1.01171875f) & 0xFFFF);
        // just above halfway rounds up
        assertEquals(0x3F81, PackedMatrix.toBfloat16(Math.nextUp(1.00390625f)) & 0xFFFF);
        assertEquals(0xBF80, PackedMatrix.toBfloat16(-1.00390625f) & 0xFFFF);
        assertEquals(0x7F80, PackedMatrix.toBfloat16(Float.POSITIVE_INFINITY) & 0xFFFF);
        assertEquals(Float.NaN, Float.intBitsToFloat(PackedMatrix.toBfloat16(Float.NaN) << 16));
        try (Arena arena = Arena.ofConfined()) {
            PackedMatrix p = PackedMatrix.pack(stored(arena, new float[]{1.01171875f, -3.14159f}), 1, 2,
                    WeightPrecision.BFLOAT16, 16, arena);
            assertEquals(1.015625f, p.get(0, 0));
            assertEquals(-3.140625f, p.get(0, 1)); // 0xC049 0FD0 → 0xC049
        }
    }

    @Test
    void int8ScalesEachRowByItsLargestMagnitude() {
        try (Arena arena = Arena.ofConfined()) {
            float[] w = {
                    0.5f, -1.27f, 0.01f,  // scale 0.01: q = 50, -127, 1
                    0f, 0f, 0f,           // an all-zero row stays zero
                    2.54f, 1.27f, -0.006f // scale 0.02: q = 127, 64 (63.5 → even 64), 0 (-0.3)
            };
            PackedMatrix p = PackedMatrix.pack(stored(arena, w), 3, 3, WeightPrecision.INT8, 16, arena);
            float[] panel = new float[3 * 16];
            p.decodePanel(0, panel); // the stored codes, column by column
            assertEquals(50f, panel[0]);
            assertEquals(-127f, panel[16]);
            assertEquals(1f, panel[32]);
            assertEquals(0f, panel[1]);
            assertEquals(127f, panel[2]);
            assertEquals(64f, panel[18]);
            assertEquals(0f, panel[34]);
            assertEquals(0.5f, p.get(0, 0), 1e-7);
            assertEquals(1.28f, p.get(2, 1), 1e-6);
            // the kernels' last step: accumulated codes times the row's scale, plus the bias
            assertEquals(100 * 0.02f + 1f, p.output(100f, new float[]{0f, 0f, 1f}, 2), 1e-6);
        }
    }

    @Test
    void refusesAMatrixLargerThanItsBytes() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class,
                    () -> PackedMatrix.pack(stored(arena, new float[5]), 2, 3, WeightPrecision.FLOAT32, 16, arena));
        }
    }
}
