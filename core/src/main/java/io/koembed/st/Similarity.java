package io.koembed.st;

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
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in length: " + a.length + " vs " + b.length);
        }
        return switch (this) {
            case COSINE -> cosine(a, b);
            case DOT -> dot(a, b);
            case EUCLIDEAN -> -euclidean(a, b);
            case MANHATTAN -> -manhattan(a, b);
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
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    /** As torch.nn.functional.normalize then dot: each norm is clamped at 1e-12 so a zero vector scores 0. */
    static float cosine(float[] a, float[] b) {
        double na = Math.max(Math.sqrt(dot(a, a)), 1e-12);
        double nb = Math.max(Math.sqrt(dot(b, b)), 1e-12);
        return (float) (dot(a, b) / (na * nb));
    }

    static float euclidean(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return (float) Math.sqrt(s);
    }

    static float manhattan(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs((double) a[i] - b[i]);
        }
        return (float) s;
    }
}
