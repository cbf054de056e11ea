package io.koembed.train;

/**
 * sentence-transformers' {@code CosineSimilarityLoss}: the mean squared error between {@code cos(u_i, v_i)} and the
 * gold label, which must be a similarity in 0..1 (STS scores divided by 5).
 */
public final class CosineSimilarityLoss implements Loss {

    @Override
    public String name() {
        return "CosineSimilarityLoss";
    }

    @Override
    public double forwardBackward(float[][][] embeddings, float[] labels, float[][][] gradients) {
        int n = labels.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double[] u = Cosines.unit(embeddings[0][i]), v = Cosines.unit(embeddings[1][i]);
            double diff = Cosines.dot(u, v) - labels[i];
            loss += diff * diff / n;
            double dCos = 2 * diff / n;
            double[] du = new double[u.length], dv = new double[v.length];
            Cosines.addScaled(du, dCos, v);
            Cosines.addScaled(dv, dCos, u);
            Cosines.backToVector(du, u, embeddings[0][i], gradients[0][i]);
            Cosines.backToVector(dv, v, embeddings[1][i], gradients[1][i]);
        }
        return loss;
    }
}
