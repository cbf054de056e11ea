package io.koembed.train;

/**
 * sentence-transformers' {@code MultipleNegativesRankingLoss}: each anchor (column 0) against every candidate of the
 * batch, its own positive (column 1) and all other rows' positives and any hard negatives (columns 2...), as
 * {@code scale · cos}; the loss is the cross-entropy of picking its own positive, averaged over anchors.
 */
public final class MultipleNegativesRankingLoss implements Loss {

    private final double scale;

    /** scale 20, sentence-transformers' default. */
    public MultipleNegativesRankingLoss() {
        this(20.0);
    }

    public MultipleNegativesRankingLoss(double scale) {
        this.scale = scale;
    }

    @Override
    public String name() {
        return "MultipleNegativesRankingLoss";
    }

    @Override
    public double forwardBackward(float[][][] embeddings, float[] labels, float[][][] gradients) {
        int n = embeddings[0].length, columns = embeddings.length;
        double[][] anchors = new double[n][];
        double[][] candidates = new double[(columns - 1) * n][]; // positives, then each negative column
        for (int i = 0; i < n; i++) {
            anchors[i] = Cosines.unit(embeddings[0][i]);
        }
        for (int c = 1; c < columns; c++) {
            for (int i = 0; i < n; i++) {
                candidates[(c - 1) * n + i] = Cosines.unit(embeddings[c][i]);
            }
        }
        double[][] dAnchor = new double[n][anchors[0].length];
        double[][] dCandidate = new double[candidates.length][anchors[0].length];
        double loss = 0;
        double[] logits = new double[candidates.length];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < candidates.length; j++) {
                logits[j] = scale * Cosines.dot(anchors[i], candidates[j]);
                max = Math.max(max, logits[j]);
            }
            double sum = 0;
            for (int j = 0; j < candidates.length; j++) {
                sum += Math.exp(logits[j] - max);
            }
            loss += (max + Math.log(sum) - logits[i]) / n;
            for (int j = 0; j < candidates.length; j++) {
                double d = (Math.exp(logits[j] - max) / sum - (j == i ? 1 : 0)) / n * scale;
                Cosines.addScaled(dAnchor[i], d, candidates[j]);
                Cosines.addScaled(dCandidate[j], d, anchors[i]);
            }
        }
        for (int i = 0; i < n; i++) {
            Cosines.backToVector(dAnchor[i], anchors[i], embeddings[0][i], gradients[0][i]);
        }
        for (int c = 1; c < columns; c++) {
            for (int i = 0; i < n; i++) {
                int j = (c - 1) * n + i;
                Cosines.backToVector(dCandidate[j], candidates[j], embeddings[c][i], gradients[c][i]);
            }
        }
        return loss;
    }
}
