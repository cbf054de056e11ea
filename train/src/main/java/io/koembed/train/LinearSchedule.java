package io.koembed.train;

/**
 * transformers' {@code get_linear_schedule_with_warmup}: the learning rate's factor rises linearly from 0 to 1 over
 * the warm-up steps, then falls linearly to 0 at the last step. Step 0 is the first optimizer step (with warm-up its
 * rate is 0, as in transformers).
 */
public record LinearSchedule(int warmupSteps, int totalSteps) {

    public double factor(int step) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
