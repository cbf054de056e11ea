package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Hand-computed scores with sentence-transformers' signs: distances come back negated. */
class SimilarityTest {
    private static final float[] A = {3, 4};
    private static final float[] B = {0, 1};

    @Test
    void fourFunctions() {
        assertEquals(0.8f, Similarity.COSINE.score(A, B), 1e-6f);
        assertEquals(4f, Similarity.DOT.score(A, B), 1e-6f);
        assertEquals(-(float) Math.sqrt(9 + 9), Similarity.EUCLIDEAN.score(A, B), 1e-6f);
        assertEquals(-6f, Similarity.MANHATTAN.score(A, B), 1e-6f);
    }

    @Test
    void matrixAndPairwise() {
        float[][] m = Similarity.DOT.matrix(new float[][] {A, B}, new float[][] {A, B});
        assertArrayEquals(new float[] {25, 4}, m[0]);
        assertArrayEquals(new float[] {4, 1}, m[1]);
        assertArrayEquals(new float[] {25, 1}, Similarity.DOT.pairwise(new float[][] {A, B}, new float[][] {A, B}));
    }

    @Test
    void zeroVectorHasCosineZero() {
        assertEquals(0f, Similarity.COSINE.score(new float[] {0, 0}, A));
    }

    @Test
    void namesAsInConfig() {
        assertEquals(Similarity.DOT, Similarity.fromName("dot_product"));
        assertEquals(Similarity.MANHATTAN, Similarity.fromName("manhattan"));
        assertThrows(IllegalArgumentException.class, () -> Similarity.fromName("jaccard"));
    }
}
