package io.koembed.train;

/**
 * sentence-transformers' {@code CoSENTLoss}: for pairs (u_i, v_i) with gold scores l_i and
 * {@code s_i = scale · cos(u_i, v_i)}, {@code loss = log(1 + Σ_{l_i < l_j} exp(s_i - s_j))}: every pair ranked above
 * a pair with a higher gold score costs. Only the order of the labels counts, so scores need no scaling.
 */
public final class CoSENTLoss implements Loss {

    private final double scale;

    /** scale 20, sentence-transformers' default. */
    public CoSENTLoss() {
        this(20.0);
    }

    public CoSENTLoss(double scale) {
        this.scale = scale;
    }

    @Override
    public String name() {
        return "CoSENTLoss";
    }

    @Override
    public double forwardBackward(float[][][] embeddings, float[] labels, float[][][] gradients) {
        int n = labels.length;
        double[][] u = new double[n][], v = new double[n][];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            u[i] = Cosines.unit(embeddings[0][i]);
            v[i] = Cosines.unit(embeddings[1][i]);
            s[i] = scale * Cosines.dot(u[i], v[i]);
        }
        // logsumexp over {0} and every s_i - s_j with l_i < l_j, shifted by the maximum for stability
        double max = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (labels[i] < labels[j]) {
                    max = Math.max(max, s[i] - s[j]);
                }
            }
        }
        double sum = Math.exp(-max);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (labels[i] < labels[j]) {
                    sum += Math.exp(s[i] - s[j] - max);
                }
            }
        }
        double loss = max + Math.log(sum);
        double[] dS = new double[n]; // dLoss/ds_i: softmax weight of each term, + for s_i, - for s_j
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (labels[i] < labels[j]) {
                    double w = Math.exp(s[i] - s[j] - max) / sum;
                    dS[i] += w;
                    dS[j] -= w;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double[] du = new double[u[i].length], dv = new double[v[i].length];
            Cosines.addScaled(du, dS[i] * scale, v[i]);
            Cosines.addScaled(dv, dS[i] * scale, u[i]);
            Cosines.backToVector(du, u[i], embeddings[0][i], gradients[0][i]);
            Cosines.backToVector(dv, v[i], embeddings[1][i], gradients[1][i]);
        }
        return loss;
    }
}
