package io.koembed.train;

import java.util.List;
import java.util.SplittableRandom;

/**
 * sentence-transformers' {@code SoftmaxLoss} with its defaults: a linear classifier over {@code (u, v, |u - v|)}
 * (3 · dimension inputs, one output per label), trained with cross-entropy averaged over the batch. The classifier is
 * initialised as torch's {@code nn.Linear} (weight and bias uniform in ±1/√in) from the seed, and is not saved with
 * the model, as in sentence-transformers.
 */
public final class SoftmaxLoss implements Loss {

    private final int dimension, labels;
    private final Parameter weight, bias;

    public SoftmaxLoss(int dimension, int numLabels, long seed) {
        if (numLabels < 2) {
            throw new IllegalArgumentException("SoftmaxLoss needs at least 2 labels, got " + numLabels);
        }
        this.dimension = dimension;
        this.labels = numLabels;
        int in = 3 * dimension;
        SplittableRandom r = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(in);
        float[] w = new float[numLabels * in], b = new float[numLabels];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
        this.weight = Parameter.named("classifier.weight", new long[] {numLabels, in}, w);
        this.bias = Parameter.named("classifier.bias", new long[] {numLabels}, b);
    }

    /** A classifier with given weights [numLabels, 3 · dimension] and bias, e.g. to compare with another run. */
    public SoftmaxLoss(int dimension, float[] weight, float[] bias) {
        this.dimension = dimension;
        this.labels = bias.length;
        this.weight = Parameter.named("classifier.weight", new long[] {labels, 3L * dimension}, weight);
        this.bias = Parameter.named("classifier.bias", new long[] {labels}, bias);
    }

    @Override
    public String name() {
        return "SoftmaxLoss";
    }

    public int numLabels() {
        return labels;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public double forwardBackward(float[][][] embeddings, float[] gold, float[][][] gradients) {
        int n = gold.length, in = 3 * dimension;
        float[] w = weight.value(), b = bias.value(), dW = weight.grad(), dB = bias.grad();
        double loss = 0;
        double[] features = new double[in], logits = new double[labels];
        for (int r = 0; r < n; r++) {
            float[] u = embeddings[0][r], v = embeddings[1][r];
            for (int i = 0; i < dimension; i++) {
                features[i] = u[i];
                features[dimension + i] = v[i];
                features[2 * dimension + i] = Math.abs(u[i] - v[i]);
            }
            int label = (int) gold[r];
            if (label != gold[r] || label < 0 || label >= labels) {
                throw new IllegalArgumentException("row " + r + ": label " + gold[r] + " is not a class id in [0, "
                        + labels + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < labels; k++) {
                double z = b[k];
                for (int i = 0; i < in; i++) {
                    z += w[k * in + i] * features[i];
                }
                logits[k] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int k = 0; k < labels; k++) {
                sum += Math.exp(logits[k] - max);
            }
            loss += (max + Math.log(sum) - logits[label]) / n;
            double[] dFeatures = new double[in];
            for (int k = 0; k < labels; k++) {
                double dz = (Math.exp(logits[k] - max) / sum - (k == label ? 1 : 0)) / n;
                dB[k] += (float) dz;
                for (int i = 0; i < in; i++) {
                    dW[k * in + i] += (float) (dz * features[i]);
                    dFeatures[i] += dz * w[k * in + i];
                }
            }
            for (int i = 0; i < dimension; i++) {
                double diff = u[i] - v[i];
                double dAbs = dFeatures[2 * dimension + i] * Math.signum(diff); // torch: sign(0) = 0
                gradients[0][r][i] = (float) (dFeatures[i] + dAbs);
                gradients[1][r][i] = (float) (dFeatures[dimension + i] - dAbs);
            }
        }
        return loss;
    }
}
