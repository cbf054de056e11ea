package io.koembed.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Single-threaded primitives over float vectors, as Lucene's {@code VectorUtilSupport}: the dot products and
 * distances behind similarity scores, semantic search, paraphrase mining and evaluation. Every caller gets them
 * from here, so each is written once, with a plain-Java twin ({@link #scalar()}, the reference) and a Vector API
 * one ({@link #best()} where {@link Vectorization} allows), which tests compare at every vector width.
 *
 * <p>The SIMD versions sum their lanes in lane order, never with an unspecified-order reduction: a score must not
 * change between two calls of one JVM, interpreted or compiled. They round differently from the scalar loops (the
 * order of additions differs), by a few float ulps of the result's magnitude.
 */
public interface VectorOps {

    /** Little-endian float32, unaligned: how safetensors, corpora on disk and packed weights store floats. */
    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** "scalar", or "panama-BITS". */
    String name();

    /** {@code Σ_c a[aOff + c] · b[bOff + c]} over c in [0, len). */
    float dot(float[] a, int aOff, float[] b, int bOff, int len);

    /** {@code out[j] = row · queries[j·dim, (j+1)·dim)} for {@code j < n}: one row against a block of queries. */
    void dots(float[] row, float[] queries, int n, int dim, float[] out);

    /** The same with the row as dim floats ({@link #F32_LE}) at {@code offset} bytes of {@code rows}. */
    void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out);

    /** {@code Σ_c (a[c] - b[c])²} over two vectors of equal length. */
    float squareDistance(float[] a, float[] b);

    /** {@code Σ_c |a[c] - b[c]|} over two vectors of equal length. */
    float l1Distance(float[] a, float[] b);

    /** The dot product of two whole vectors of equal length. */
    default float dot(float[] a, float[] b) {
        requireSameLength(a, b);
        return dot(a, 0, b, 0, a.length);
    }

    /**
     * Cosine similarity as torch's {@code F.normalize} then dot (sentence-transformers' {@code cos_sim}): each norm
     * is clamped at 1e-12, so a zero vector scores 0 against anything.
     */
    default float cosine(float[] a, float[] b) {
        requireSameLength(a, b);
        double na = Math.max(Math.sqrt(dot(a, a)), 1e-12);
        double nb = Math.max(Math.sqrt(dot(b, b)), 1e-12);
        return (float) (dot(a, b) / (na * nb));
    }

    /**
     * The L2 norm, summed in double: exact enough that normalizing with it gives the bits sentence-transformers'
     * float32 {@code F.normalize} gives to within rounding, and the same bits on every CPU (no SIMD twin: it is not
     * on any hot path).
     */
    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** {@code torch.nn.functional.normalize(v, p=2, dim=-1)}: {@code v / max(||v||, 1e-12)}, a new array. */
    static float[] l2Normalized(float[] v) {
        double norm = Math.max(norm(v), 1e-12);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** Throws unless the two vectors are equally long (the distances assume it). */
    static void requireSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in length: " + a.length + " vs " + b.length);
        }
    }

    /** The Vector API primitives where {@link Vectorization} picked them, else the scalar ones. */
    static VectorOps best() {
        return Vectorization.VECTOR_OPS;
    }

    /** The plain-Java reference. */
    static VectorOps scalar() {
        return ScalarVectorOps.INSTANCE;
    }
}
