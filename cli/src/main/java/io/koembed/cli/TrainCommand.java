package io.koembed.cli;

import io.koembed.eval.StsDataset;
import io.koembed.eval.StsEvaluation;
import io.koembed.train.LossFunction;
import io.koembed.train.Trainer;
import io.koembed.train.TrainingArguments;
import io.koembed.train.TrainingData;
import io.koembed.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code koembed train}: fine-tunes a sentence-transformers model with one of sentence-transformers' losses and
 * writes the result as a sentence-transformers directory (see {@link Trainer}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune a sentence-transformers model as sentence-transformers' trainer does: AdamW on "
                + "transformers' linear schedule, gradient norm clipped to 1, dropout on. Writes a complete model "
                + "directory with a model card into --out; while training, --out/checkpoints/ holds the last and the "
                + "best checkpoint (each loadable), and --out/eval/ the dev evaluations.",
                "Training data by loss: cosent and cosine take scored pairs (KorSTS / STS-B .tsv, scores 0..5 "
                        + "divided by 5; or .jsonl with {\"sentence1\",\"sentence2\",\"score\"}, scores in 0..1); mnrl "
                        + "takes (anchor, positive[, negative]) rows (KorNLI .tsv, built into triplets as "
                        + "sentence-transformers' NLI recipe does, or .jsonl with {\"anchor\",\"positive\"[,"
                        + "\"negative\"]}); softmax takes labelled pairs (KorNLI .tsv, or .jsonl with "
                        + "{\"premise\",\"hypothesis\",\"label\"}). In .jsonl, as in sentence-transformers' datasets, "
                        + "\"label\" or \"score\" is the label and every other field a text, in order: any names work."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "The model to start from: a directory laid out as on the Hugging Face Hub, or a Hub id "
                    + "(downloaded into the huggingface_hub cache).")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit of a Hub model.")
    String revision;

    @Option(names = "--loss", required = true, paramLabel = "cosent|cosine|mnrl|softmax",
            description = "CoSENTLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss or SoftmaxLoss, as "
                    + "sentence-transformers defines them.")
    String loss;

    @Option(names = "--train", required = true, paramLabel = "FILE", description = "The training data (see above).")
    Path train;

    @Option(names = "--dev", paramLabel = "NAME|FILE",
            description = "An STS set to evaluate on during training (korsts-dev, klue-sts-dev, stsb-dev or a file, "
                    + "as for koembed eval); the checkpoint with the best Spearman correlation of cosine scores is "
                    + "kept. Without it, the last checkpoint is the result.")
    String dev;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Where to write the trained model; must not exist.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the data (default ${DEFAULT-VALUE}).",
            defaultValue = "3")
    int epochs;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", defaultValue = "8",
            description = "Examples per optimizer step (default ${DEFAULT-VALUE}, transformers' default).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "5e-5",
            description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup-ratio", paramLabel = "R", defaultValue = "0",
            description = "Share of the steps spent warming the learning rate up from 0 (default ${DEFAULT-VALUE}).")
    double warmupRatio;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0",
            description = "AdamW's weight decay, not applied to biases and LayerNorm (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of shuffling, dropout and new parameters (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-seq-length", paramLabel = "N", defaultValue = "0",
            description = "Cut texts to N tokens (default: the model's max_seq_length); the trained model keeps it.")
    int maxSeqLength;

    @Option(names = "--eval-steps", paramLabel = "N", defaultValue = "0",
            description = "Evaluate on --dev and write a checkpoint every N steps (default: once per epoch).")
    int evalSteps;

    @Option(names = "--no-dropout", description = "Train with dropout off.")
    boolean noDropout;

    @Option(names = "--no-duplicates",
            description = "Make no batch hold the same text twice, as sentence-transformers' NoDuplicatesBatchSampler "
                    + "(recommended with mnrl, where a repeated text counts as a wrong negative).")
    boolean noDuplicates;

    @Option(names = "--gradient-checkpointing",
            description = "Keep only each layer's input and recompute the layer in the backward pass: much less "
                    + "memory for long texts or large batches, for about a third more arithmetic.")
    boolean gradientCheckpointing;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        LossFunction lossFunction;
        try {
            lossFunction = LossFunction.parse(loss);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--loss: " + e.getMessage());
        }
        if (Files.exists(out)) {
            throw new UsageError("--out " + out + " already exists: choose a new folder (nothing is overwritten)");
        }
        TrainingArguments args;
        try {
            args = new TrainingArguments(epochs, batchSize, lr, warmupRatio, weightDecay, 1.0, seed, maxSeqLength,
                    evalSteps, !noDropout, gradientCheckpointing, noDuplicates);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        TrainingData data = lossFunction.read(train, seed);
        StsDataset devSet = dev == null ? null : StsDataset.resolve(dev);
        Path modelDir = ModelLocator.locate(model, revision, err);
        err.println("koembed train: " + data.examples().size() + " examples from " + train + ", " + lossFunction
                + ", " + (noDuplicates ? "at least " : "") + args.stepsPerEpoch(data.examples().size()) * epochs
                + " steps");
        err.flush();

        TrainProgress progress = new TrainProgress(err);
        Trainer.Result result;
        Thread hook = Thread.ofPlatform().unstarted(progress::interrupted);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            result = new Trainer(modelDir, args, progress).train(lossFunction, data, devSet, out);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it reports where the last checkpoint is
            }
        }
        progress.finish();
        PrintWriter stdout = spec.commandLine().getOut();
        if (result.before() != null) {
            stdout.printf(Locale.ROOT, "%s spearman_cosine: before %.4f, after %.4f (step %d)%n", devSet.name(),
                    result.before().metric("spearman_cosine"), result.best().metric("spearman_cosine"),
                    result.bestStep());
        }
        stdout.printf(Locale.ROOT, "wrote %s (%d steps in %.1f s)%n", result.model(), result.steps(),
                result.seconds());
        stdout.flush();
        return 0;
    }

    /**
     * The progress line of a run: step, loss, steps per second, ETA, rewritten in place on a terminal, a line every
     * 10 s otherwise; evaluations and checkpoints on lines of their own.
     */
    private static final class TrainProgress implements TrainingListener {
        private final PrintWriter err;
        private final boolean terminal;
        private long lastPrinted;
        private volatile Step last;
        private volatile Path lastCheckpoint;
        private boolean lineOpen;

        TrainProgress(PrintWriter err) {
            this.err = err;
            var console = System.console();
            this.terminal = console != null && console.isTerminal();
        }

        /** (step, seconds) of the last steps: the rate is measured over them, not since the model was loading. */
        private final java.util.ArrayDeque<double[]> recent = new java.util.ArrayDeque<>();

        @Override
        public synchronized void onStep(Step s) {
            last = s;
            recent.addLast(new double[] {s.step(), s.seconds()});
            if (recent.size() > 20) {
                recent.removeFirst();
            }
            long now = System.nanoTime();
            if (s.step() != s.totalSteps() && now - lastPrinted < (terminal ? 500_000_000L : 10_000_000_000L)) {
                return;
            }
            lastPrinted = now;
            double[] first = recent.peekFirst();
            double rate = recent.size() < 2 ? Double.NaN : (s.step() - first[0]) / (s.seconds() - first[1]);
            String eta = Double.isNaN(rate) ? "?" : ProgressMeter.duration((s.totalSteps() - s.step()) / rate);
            String line = String.format(Locale.ROOT, "koembed train: step %d/%d, epoch %.2f, loss %.4f, lr %.3g, "
                            + "%s steps/s, ETA %s", s.step(), s.totalSteps(), s.epoch(), s.loss(), s.learningRate(),
                    Double.isNaN(rate) ? "?" : String.format(Locale.ROOT, "%.2f", rate), eta);
            if (terminal) {
                err.print("\r" + line + "\u001b[K");
                lineOpen = true;
            } else {
                err.println(line);
            }
            err.flush();
        }

        @Override
        public synchronized void onEvaluation(int step, StsEvaluation evaluation, boolean best) {
            endLine();
            err.printf(Locale.ROOT, "koembed train: %s after %d steps: spearman_cosine %.4f, pearson_cosine %.4f%s%n",
                    evaluation.name(), step, evaluation.metric("spearman_cosine"),
                    evaluation.metric("pearson_cosine"), best ? " (best so far)" : "");
            err.flush();
        }

        @Override
        public synchronized void onCheckpoint(int step, Path directory) {
            lastCheckpoint = directory;
        }

        synchronized void finish() {
            endLine();
        }

        private void endLine() {
            if (lineOpen) {
                err.println();
                lineOpen = false;
            }
        }

        /** On Ctrl-C: where the last complete checkpoint is (a half-written one is never in its final place). */
        void interrupted() {
            Path c = lastCheckpoint;
            Step s = last;
            err.println();
            err.println("koembed train: interrupted" + (s == null ? "" : " at step " + s.step()) + "; "
                    + (c == null ? "no checkpoint was written yet" : "the last complete checkpoint is " + c
                    + " (a loadable model)"));
            err.flush();
        }
    }
}
