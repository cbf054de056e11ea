package io.koembed.tensor;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector primitives: the scalar twin against double-precision sums, the Vector API one against the scalar one,
 * on lengths that are and are not multiples of the vector's lanes. Surefire runs this class at 128, 256 and 512
 * bits too (koembed.vectorBits), so every width's code is checked on any host.
 */
class VectorOpsTest {
    static final VectorOps SCALAR = VectorOps.scalar();
    static VectorOps simd;

    @BeforeAll
    static void lookup() {
        simd = VectorOps.best();
        // surefire runs with --add-modules jdk.incubator.vector, so the SIMD primitives must have been picked
        assertTrue(simd.name().startsWith("panama-"), "expected the Vector API primitives, got " + simd.name());
        String bits = System.getProperty("koembed.vectorBits");
        if (bits != null) {
            assertEquals("panama-" + bits, simd.name());
            assertTrue(TensorOps.best().name().startsWith("panama-" + bits + " "), TensorOps.best().name());
        }
    }

    private final Random rnd = new Random(7);

    private float[] randoms(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 129, 768};

    /** The float sum of n products of unit-scale terms is within a few ulps of n times their magnitude. */
    private static double tolerance(double magnitude) {
        return 1e-6 * magnitude + 1e-7;
    }

    @Test
    void dotAgainstDoubleSums() {
        for (int len : SIZES) {
            int aOff = rnd.nextInt(3), bOff = rnd.nextInt(3);
            float[] a = randoms(aOff + len), b = randoms(bOff + len);
            double ref = 0, mag = 0;
            for (int c = 0; c < len; c++) {
                ref += (double) a[aOff + c] * b[bOff + c];
                mag += Math.abs((double) a[aOff + c] * b[bOff + c]);
            }
            assertEquals(ref, SCALAR.dot(a, aOff, b, bOff, len), tolerance(mag), "scalar len " + len);
            assertEquals(ref, simd.dot(a, aOff, b, bOff, len), tolerance(mag), "simd len " + len);
        }
    }

    @Test
    void distancesAgainstDoubleSums() {
        for (int len : SIZES) {
            float[] a = randoms(len), b = randoms(len);
            double sq = 0, l1 = 0;
            for (int c = 0; c < len; c++) {
                double d = (double) a[c] - b[c];
                sq += d * d;
                l1 += Math.abs(d);
            }
            for (VectorOps ops : new VectorOps[] {SCALAR, simd}) {
                assertEquals(sq, ops.squareDistance(a, b), tolerance(sq), ops.name() + " len " + len);
                assertEquals(l1, ops.l1Distance(a, b), tolerance(l1), ops.name() + " len " + len);
            }
        }
    }

    /** One row against blocks of 1 to 9 queries: every query's score is the single dot product's, bit for bit. */
    @Test
    void rowAgainstQueryBlocksInArraysAndSegments() {
        try (Arena arena = Arena.ofConfined()) {
            for (int dim : new int[] {1, 3, 8, 15, 16, 17, 64, 100, 768}) {
                for (int n : new int[] {1, 3, 4, 5, 9}) {
                    float[] q = randoms(n * dim);
                    float[] row = randoms(dim);
                    // an odd byte offset: rows on disk need not be aligned
                    MemorySegment seg = arena.allocate(4L * dim + 3).asSlice(3);
                    MemorySegment.copy(row, 0, seg, VectorOps.F32_LE, 0, dim);
                    for (VectorOps ops : new VectorOps[] {SCALAR, simd}) {
                        float[] fromArray = new float[n];
                        float[] fromSegment = new float[n];
                        ops.dots(row, q, n, dim, fromArray);
                        ops.dots(seg, 0, q, n, dim, fromSegment);
                        assertArrayEquals(fromArray, fromSegment, 0f, ops.name() + ": array and segment differ");
                        for (int j = 0; j < n; j++) {
                            assertEquals(ops.dot(row, 0, q, j * dim, dim), fromArray[j], 0f,
                                    ops.name() + " dim " + dim + " query " + j + " of " + n);
                        }
                    }
                    float[] scalar = new float[n];
                    float[] vector = new float[n];
                    SCALAR.dots(row, q, n, dim, scalar);
                    simd.dots(row, q, n, dim, vector);
                    assertArrayEquals(scalar, vector, (float) (1e-5 * Math.sqrt(dim)), "dim " + dim + " n " + n);
                }
            }
        }
    }

    @Test
    void cosineClampsZeroVectorsAsTorchDoes() {
        float[] a = {3, 4};
        float[] b = {4, 3};
        assertEquals(24.0 / 25.0, simd.cosine(a, b), 1e-7);
        assertEquals(0f, simd.cosine(new float[2], b));
        assertEquals(1.0, simd.cosine(a, a), 1e-7);
        assertThrows(IllegalArgumentException.class, () -> simd.cosine(a, new float[3]));
    }

    @Test
    void normalizeAsTorch() {
        assertArrayEquals(new float[] {0.6f, 0.8f}, VectorOps.l2Normalized(new float[] {3, 4}), 0f);
        assertArrayEquals(new float[3], VectorOps.l2Normalized(new float[3]), 0f, "a zero vector stays zero");
        assertEquals(5.0, VectorOps.norm(new float[] {3, 4}), 0);
    }
}
