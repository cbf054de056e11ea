package io.koembed.train;

/**
 * How to train: the hyper-parameters of transformers' {@code TrainingArguments} that KoEmbed's trainer honours, with
 * the same defaults (3 epochs, batch 8, learning rate 5e-5, no warm-up, no weight decay, gradient norm clipped to 1,
 * seed 42, AdamW with betas 0.9 / 0.999 and epsilon 1e-8).
 *
 * @param epochs                passes over the training data
 * @param batchSize             examples per optimizer step (the last batch of an epoch may be smaller, as transformers'
 *                              data loader does by default)
 * @param learningRate          the peak learning rate of the linear schedule
 * @param warmupRatio           share of all steps spent warming up linearly from 0 (rounded up to whole steps, as
 *                              transformers rounds {@code num_training_steps * warmup_ratio})
 * @param weightDecay           AdamW's decoupled weight decay, for every parameter but biases and LayerNorm ones
 * @param maxGradNorm           the global gradient norm is clipped to this before each step; 0 turns clipping off
 * @param seed                  shuffling, dropout and any new parameters' initialisation (SoftmaxLoss's classifier)
 * @param maxSeqLength          texts are cut to this many tokens; 0 keeps the model's max_seq_length
 * @param evalSteps             evaluate (with a dev set) and write a checkpoint every this many steps; 0 = at the end of
 *                              each epoch
 * @param dropout               whether dropout is on, with the rates in config.json (transformers trains with it)
 * @param noDuplicates          batches as sentence-transformers' {@code NoDuplicatesBatchSampler} makes them: no text twice
 *                              in one batch (for MultipleNegativesRankingLoss, where a repeated text would count as
 *                              a wrong negative); off, as sentence-transformers' default batch sampler
 * @param gradientCheckpointing keep only each layer's input and recompute the layer in the backward pass: about a
 *                              tenth of the activation memory for a third more compute
 */
public record TrainingArguments(int epochs, int batchSize, double learningRate, double warmupRatio, double weightDecay,
                                double maxGradNorm, long seed, int maxSeqLength, int evalSteps, boolean dropout,
                                boolean gradientCheckpointing, boolean noDuplicates) {

    public TrainingArguments {
        require(epochs >= 1, "epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "the batch size must be at least 1, got " + batchSize);
        require(learningRate > 0 && Double.isFinite(learningRate), "the learning rate must be positive, got "
                + learningRate);
        require(warmupRatio >= 0 && warmupRatio <= 1, "the warm-up ratio must be in [0, 1], got " + warmupRatio);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "the weight decay must be >= 0, got " + weightDecay);
        require(maxGradNorm >= 0 && Double.isFinite(maxGradNorm), "the maximum gradient norm must be >= 0 (0 = no "
                + "clipping), got " + maxGradNorm);
        require(maxSeqLength >= 0, "the maximum sequence length must be >= 0 (0 = the model's), got " + maxSeqLength);
        require(evalSteps >= 0, "eval steps must be >= 0 (0 = once per epoch), got " + evalSteps);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** transformers' defaults. */
    public static TrainingArguments defaults() {
        return new TrainingArguments(3, 8, 5e-5, 0, 0, 1.0, 42, 0, 0, true, false, false);
    }

    public TrainingArguments withEpochs(int v) {
        return new TrainingArguments(v, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withBatchSize(int v) {
        return new TrainingArguments(epochs, v, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withLearningRate(double v) {
        return new TrainingArguments(epochs, batchSize, v, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withWarmupRatio(double v) {
        return new TrainingArguments(epochs, batchSize, learningRate, v, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withWeightDecay(double v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, v, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withMaxGradNorm(double v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, v, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withSeed(long v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, v,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withMaxSeqLength(int v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                v, evalSteps, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withEvalSteps(int v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, v, dropout, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withDropout(boolean v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, v, gradientCheckpointing, noDuplicates);
    }

    public TrainingArguments withGradientCheckpointing(boolean v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, v, noDuplicates);
    }

    public TrainingArguments withNoDuplicates(boolean v) {
        return new TrainingArguments(epochs, batchSize, learningRate, warmupRatio, weightDecay, maxGradNorm, seed,
                maxSeqLength, evalSteps, dropout, gradientCheckpointing, v);
    }

    /** Optimizer steps of one epoch over {@code examples} examples. */
    public int stepsPerEpoch(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }

    /** Warm-up steps for a run of {@code totalSteps}, as transformers' {@code get_warmup_steps}: rounded up. */
    public int warmupSteps(int totalSteps) {
        return (int) Math.ceil(totalSteps * warmupRatio);
    }
}
