package io.koembed.train;

import java.util.List;

/**
 * A sentence-transformers loss over the sentence embeddings of a batch: its value and its gradient with respect
 * to every embedding. Example {@code r}'s text in column {@code c} has embedding {@code embeddings[c][r]}.
 */
public interface Loss {

    /**
     * @param embeddings [column][row][dimension]
     * @param labels     one per row: a score in 0..1 or a class id, as the loss reads it
     * @param gradients  same shape as embeddings, overwritten with dLoss/dEmbedding
     * @return the loss
     */
    double forwardBackward(float[][][] embeddings, float[] labels, float[][][] gradients);

    /** Weights the loss itself trains (SoftmaxLoss's classifier); they are not part of the saved model. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /** sentence-transformers' class name, for the model card. */
    String name();
}
