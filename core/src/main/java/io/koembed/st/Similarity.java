package io.koembed.st;

import io.koembed.tensor.VectorOps;

import java.util.Locale;

/**
 * The similarity functions of sentence-transformers, with its sign convention: larger means more similar, so
 * the two distances come back negated.
 */
public enum Similarity {
    COSINE("cosine"),
    DOT("dot"),
    EUCLIDEAN("euclidean"),
    MANHATTAN("manhattan");

    private static final VectorOps OPS = VectorOps.best();

    private final String configName;

    Similarity(String configName) {
        this.configName = configName;
    }

    /** The name sentence-transformers writes in config_sentence_transformers.json ({@code similarity_fn_name}). */
    public String configName() {
        return configName;
    }

    /** Parses a {@code similarity_fn_name}; "dot_product" is sentence-transformers' alias of "dot". */
    public static Similarity fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("dot_product")) {
            return DOT;
        }
        for (Similarity s : values()) {
            if (s.configName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown similarity function '" + name
                + "' (known: cosine, dot, euclidean, manhattan)");
    }

    /** Score of one pair of vectors of equal length. */
    public float score(float[] a, float[] b) {
        VectorOps.requireSameLength(a, b);
        return switch (this) {
            case COSINE -> OPS.cosine(a, b);
            case DOT -> OPS.dot(a, b);
            case EUCLIDEAN -> (float) -Math.sqrt(OPS.squareDistance(a, b));
            case MANHATTAN -> -OPS.l1Distance(a, b);
        };
    }

    /** {@code model.similarity(a, b)}: the [a.length, b.length] matrix of scores. */
    public float[][] matrix(float[][] a, float[][] b) {
        float[][] out = new float[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                out[i][j] = score(a[i], b[j]);
            }
        }
        return out;
    }

    /** {@code model.similarity_pairwise(a, b)}: the score of a[i] with b[i] for each i. */
    public float[] pairwise(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("pairwise similarity needs equally many vectors: "
                    + a.length + " vs " + b.length);
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = score(a[i], b[i]);
        }
        return out;
    }

    static float dot(float[] a, float[] b) {
        return OPS.dot(a, b);
    }

    static float cosine(float[] a, float[] b) {
        return OPS.cosine(a, b);
    }
}
