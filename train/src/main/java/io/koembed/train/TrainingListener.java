package io.koembed.train;

import io.koembed.eval.StsEvaluation;

import java.nio.file.Path;

/** What a {@code Trainer} reports as it goes; every method is optional. Called on the training thread. */
public interface TrainingListener {

    /**
     * One optimizer step done.
     *
     * @param step         1-based, over the whole run
     * @param totalSteps   steps of the whole run
     * @param epoch        fractional epoch reached, as transformers logs it (1.5 = half-way through the second)
     * @param loss         the batch's loss before the step
     * @param learningRate the rate this step used
     * @param gradNorm     the global gradient norm before clipping
     * @param seconds      since training started (evaluation and checkpoint writing included)
     */
    record Step(int step, int totalSteps, double epoch, double loss, double learningRate, double gradNorm,
                double seconds) {
    }

    default void onStep(Step step) {
    }

    /** The dev set was evaluated after {@code step} steps (0 = the model before training). */
    default void onEvaluation(int step, StsEvaluation evaluation, boolean best) {
    }

    /** A complete, loadable checkpoint was written after {@code step} steps. */
    default void onCheckpoint(int step, Path directory) {
    }
}
