package io.koembed.train;

import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.StsDataset;
import io.koembed.eval.StsEvaluation;
import io.koembed.model.EncoderConfig;
import io.koembed.model.PackedBatch;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.tokenize.common.Encoding;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Fine-tunes a sentence-transformers model as {@code SentenceTransformerTrainer} does: shuffled batches of examples
 * through the encoder and the modules after it, one of sentence-transformers' losses, the backward pass, gradient
 * clipping, AdamW on transformers' linear schedule. Every {@link TrainingArguments#evalSteps()} steps (or each epoch)
 * it writes a checkpoint, a complete model directory, and, given a dev set, evaluates that checkpoint as
 * {@code EmbeddingSimilarityEvaluator} does, through the same {@link SentenceTransformer#load} a user would call. The
 * best checkpoint by Spearman correlation of cosine scores (the last one without a dev set) becomes the output.
 *
 * <p>Output layout: {@code out/} is the final model, with a model card; while training runs,
 * {@code out/checkpoints/checkpoint-STEP/} hold the last and the best checkpoint, each written to a temporary folder
 * and renamed into place, so that a crash or Ctrl-C leaves the last complete one loadable. {@code out/eval/} keeps
 * the evaluator's CSV, one row per evaluation, as sentence-transformers writes it.
 */
public final class Trainer {

    /** What a run gives: the model it wrote and the evaluations before and after. */
    public record Result(Path model, int steps, double seconds, StsEvaluation before, StsEvaluation best,
                         int bestStep) {
    }

    private final Path modelDir;
    private final TrainingArguments args;
    private final TrainingListener listener;

    public Trainer(Path modelDir, TrainingArguments args, TrainingListener listener) {
        this.modelDir = Objects.requireNonNull(modelDir);
        this.args = Objects.requireNonNull(args);
        this.listener = listener == null ? new TrainingListener() { } : listener;
    }

    /**
     * Trains on {@code train} with {@code lossName}'s loss and writes the result to {@code out}, which must not exist.
     *
     * @param dev null to train without evaluation
     * @throws IllegalArgumentException before any training for data that does not fit the loss, or an output folder
     *                                  that exists
     */
    public Result train(LossFunction lossName, TrainingData train, StsDataset dev, Path out) {
        if (Files.exists(out)) {
            throw new IllegalArgumentException("the output folder " + out + " already exists: choose a new one "
                    + "(nothing is overwritten)");
        }
        if (train.examples().isEmpty()) {
            throw new IllegalArgumentException(train.source() + ": no training examples");
        }
        lossName.check(train);
        long started = System.nanoTime();
        // The inference model gives the tokenization, the head's configuration and the evaluation before training;
        // it is closed before training starts, so that its packed weights do not sit beside the trainable ones.
        TrainableHead head;
        int maxLength;
        int[][][] tokens; // [example][text] token ids
        StsEvaluation before = null;
        EmbeddingSimilarityEvaluator evaluator = dev == null ? null : new EmbeddingSimilarityEvaluator(dev);
        try (SentenceTransformer reference = SentenceTransformer.load(modelDir)) {
            head = TrainableHead.of(reference);
            maxLength = args.maxSeqLength() == 0 ? reference.maxSeqLength() : args.maxSeqLength();
            tokens = tokenize(train, reference, maxLength);
            if (evaluator != null) {
                before = evaluator.evaluate(reference);
            }
        }
        try (TrainableEncoder encoder = TrainableEncoder.load(modelDir, ParallelOps.shared())) {
            if (maxLength > encoder.config().maxSequenceLength()) {
                throw new IllegalArgumentException("--max-seq-length " + maxLength + " is more than the model's "
                        + "position table allows (" + encoder.config().maxSequenceLength() + ")");
            }
            encoder.setGradientCheckpointing(args.gradientCheckpointing());
            Loss loss = lossName.create(head.dimension(), train, args.seed());
            List<Parameter> parameters = new ArrayList<>(encoder.parameters());
            parameters.addAll(head.parameters());
            parameters.addAll(loss.parameters());
            Path checkpoints = out.resolve("checkpoints");
            Files.createDirectories(checkpoints);
            if (before != null) {
                before.writeCsv(out.resolve("eval"), 0, 0);
                listener.onEvaluation(0, before, false);
            }

            int n = train.examples().size();
            // every epoch's batches up front (the shuffles drawn in epoch order), so that the schedule knows the
            // number of steps even when the no-duplicates sampler makes more batches than n / batch size
            SplittableRandom shuffling = new SplittableRandom(args.seed());
            List<int[][]> plan = new ArrayList<>();
            for (int epoch = 0; epoch < args.epochs(); epoch++) {
                int[] order = permutation(n, shuffling);
                plan.add(args.noDuplicates() ? noDuplicateBatches(order, args.batchSize(), train.examples())
                        : consecutiveBatches(order, args.batchSize()));
            }
            int total = plan.stream().mapToInt(e -> e.length).sum();
            LinearSchedule schedule = new LinearSchedule(args.warmupSteps(total), total);
            AdamW optimizer = new AdamW(parameters, 0.9, 0.999, 1e-8, args.weightDecay());
            Dropout dropout = args.dropout() ? Dropout.fromConfig(encoder.configFile(), args.seed() + 1) : Dropout.OFF;

            Checkpoint last = null, best = null;
            int step = 0;
            List<ModelCard.LogEntry> log = new ArrayList<>();
            double lossSinceLog = 0;
            int stepsSinceLog = 0;
            for (int epoch = 0; epoch < args.epochs(); epoch++) {
                int[][] batches = plan.get(epoch);
                for (int b = 0; b < batches.length; b++) {
                    List<TrainingExample> batch = new ArrayList<>();
                    List<int[][]> batchTokens = new ArrayList<>();
                    for (int i : batches[b]) {
                        batch.add(train.examples().get(i));
                        batchTokens.add(tokens[i]);
                    }
                    double epochs = epoch + (b + 1.0) / batches.length;
                    double lr = args.learningRate() * schedule.factor(step);
                    double lossValue = step(batch, batchTokens, encoder, head, loss, dropout);
                    double norm = args.maxGradNorm() > 0
                            ? GradientClipping.clipGlobalNorm(parameters, args.maxGradNorm())
                            : GradientClipping.globalNorm(parameters);
                    optimizer.step(lr);
                    for (Parameter p : parameters) {
                        p.zeroGrad();
                    }
                    encoder.parametersChanged();
                    step++;
                    lossSinceLog += lossValue;
                    stepsSinceLog++;
                    listener.onStep(new TrainingListener.Step(step, total, epochs, lossValue, lr, norm,
                            (System.nanoTime() - started) / 1e9));

                    boolean due = args.evalSteps() > 0 ? step % args.evalSteps() == 0 : b == batches.length - 1;
                    if (due || step == total) {
                        ModelCard card = new ModelCard(modelDir.toString(), train, loss.name(), args,
                                head.dimension(), maxLength, step, total, (System.nanoTime() - started) / 1e9, log,
                                before, null);
                        Checkpoint c = checkpoint(checkpoints, step, encoder, head, maxLength, evaluator, out,
                                epoch, card);
                        log.add(new ModelCard.LogEntry(epochs, step, lossSinceLog / stepsSinceLog, c.evaluation()));
                        lossSinceLog = 0;
                        stepsSinceLog = 0;
                        boolean isBest = best == null || evaluator == null || c.score() > best.score();
                        if (c.evaluation() != null) {
                            listener.onEvaluation(step, c.evaluation(), isBest);
                        }
                        listener.onCheckpoint(step, c.directory());
                        // keep the best and the last, as save_total_limit with load_best_model_at_end does
                        Checkpoint previousLast = last, previousBest = best;
                        if (isBest) {
                            best = c;
                        }
                        last = c;
                        for (Checkpoint old : new Checkpoint[] {previousLast, previousBest}) {
                            if (old != null && old != last && old != best) {
                                deleteTree(old.directory());
                            }
                        }
                    }
                }
            }
            Checkpoint chosen = Objects.requireNonNull(best);
            promote(chosen.directory(), out);
            if (last != chosen) {
                deleteTree(last.directory());
            }
            deleteTree(checkpoints);
            double seconds = (System.nanoTime() - started) / 1e9;
            new ModelCard(modelDir.toString(), train, loss.name(), args, head.dimension(), maxLength,
                    chosen.step(), total, seconds, log, before, chosen.evaluation()).write(out);
            return new Result(out, total, seconds, before, chosen.evaluation(), chosen.step());
        } catch (IOException e) {
            throw new UncheckedIOException("writing under " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every text's token ids, once: as sentence-transformers' trainer tokenizes them (stripped, no prompt, cut to
     * the maximum length); single texts have token type 0 throughout.
     */
    private static int[][][] tokenize(TrainingData data, SentenceTransformer model, int maxLength) {
        int[][][] ids = new int[data.examples().size()][][];
        java.util.Map<String, int[]> seen = new java.util.HashMap<>(); // NLI anchors repeat
        for (int i = 0; i < ids.length; i++) {
            List<String> texts = data.examples().get(i).texts();
            ids[i] = new int[texts.size()][];
            for (int c = 0; c < texts.size(); c++) {
                ids[i][c] = seen.computeIfAbsent(texts.get(c), t -> model.tokenize(t, maxLength).ids());
            }
        }
        return ids;
    }

    private record Checkpoint(int step, Path directory, StsEvaluation evaluation) {
        double score() {
            return evaluation == null ? step : evaluation.metric("spearman_cosine");
        }
    }

    /** Forward, loss and backward of one batch; the gradients are added into the parameters. */
    private static double step(List<TrainingExample> batch, List<int[][]> tokens, TrainableEncoder encoder,
                               TrainableHead head, Loss loss, Dropout dropout) {
        int rows = batch.size(), columns = batch.get(0).texts().size();
        // column-major: every first text, then every second, ..., as sentence-transformers feeds one column at a
        // time; packed without padding, each sequence attends only to itself, so one pass computes them all
        List<Encoding> encodings = new ArrayList<>(rows * columns);
        for (int c = 0; c < columns; c++) {
            for (int[][] example : tokens) {
                int[] ids = example[c];
                encodings.add(new Encoding(ids, new int[ids.length], Collections.nCopies(ids.length, "")));
            }
        }
        EncoderConfig config = encoder.config();
        PackedBatch packed = PackedBatch.pack(encodings, config);
        TrainableEncoder.EncoderPass pass = encoder.forward(packed, dropout);
        TrainableHead.HeadPass headPass = head.forward(pass.hidden(), config.hiddenSize(), packed.starts(), new int[rows * columns]);
        float[][] flat = headPass.embeddings();
        float[][][] embeddings = new float[columns][rows][];
        float[][][] gradients = new float[columns][rows][];
        float[] labels = new float[rows];
        for (int c = 0; c < columns; c++) {
            for (int r = 0; r < rows; r++) {
                embeddings[c][r] = flat[c * rows + r];
                gradients[c][r] = new float[flat[c * rows + r].length];
            }
        }
        for (int r = 0; r < rows; r++) {
            labels[r] = batch.get(r).label();
        }
        double value = loss.forwardBackward(embeddings, labels, gradients);
        float[][] dFlat = new float[rows * columns][];
        for (int c = 0; c < columns; c++) {
            for (int r = 0; r < rows; r++) {
                dFlat[c * rows + r] = gradients[c][r];
            }
        }
        encoder.backward(pass, head.backward(headPass, dFlat));
        return value;
    }

    private Checkpoint checkpoint(Path checkpoints, int step, TrainableEncoder encoder, TrainableHead head,
                                  int maxLength, EmbeddingSimilarityEvaluator evaluator, Path out, int epoch,
                                  ModelCard card) {
        Path dir = checkpoints.resolve("checkpoint-" + step);
        List<Parameter> saved = new ArrayList<>(encoder.parameters());
        saved.addAll(head.parameters());
        ModelWriter.write(modelDir, dir, saved, args.maxSeqLength() == 0 ? 0 : maxLength, card);
        StsEvaluation evaluation = null;
        if (evaluator != null) {
            try (SentenceTransformer model = SentenceTransformer.load(dir)) {
                evaluation = evaluator.evaluate(model);
            }
            evaluation.writeCsv(out.resolve("eval"), epoch, step);
        }
        return new Checkpoint(step, dir, evaluation);
    }

    /**
     * Puts the chosen checkpoint's files into the output folder as hard links (copies where the file system has
     * none). The checkpoint stays complete, and loadable, until every file is in place; only then is it deleted, so
     * a crash in between leaves it whole (moving file by file would leave two halves).
     */
    private static void promote(Path checkpoint, Path out) throws IOException {
        try (Stream<Path> files = Files.walk(checkpoint)) {
            for (Path f : files.toList()) {
                Path to = out.resolve(checkpoint.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                    continue;
                }
                try {
                    Files.createLink(to, f);
                } catch (UnsupportedOperationException | FileSystemException noLinks) {
                    Files.copy(f, to);
                }
            }
        }
    }

    /** Consecutive slices of the shuffled order; the last may be smaller (transformers keeps it). */
    private static int[][] consecutiveBatches(int[] order, int size) {
        int[][] batches = new int[(order.length + size - 1) / size][];
        for (int b = 0; b < batches.length; b++) {
            batches[b] = Arrays.copyOfRange(order, b * size, Math.min(order.length, (b + 1) * size));
        }
        return batches;
    }

    /**
     * sentence-transformers' {@code NoDuplicatesBatchSampler}: each batch takes, in shuffled order, the remaining
     * examples that share no text with those already in it, until it is full; the examples passed over wait for a
     * later batch. The last batch may be smaller.
     */
    static int[][] noDuplicateBatches(int[] order, int size, List<TrainingExample> examples) {
        LinkedHashSet<Integer> remaining = new LinkedHashSet<>();
        for (int i : order) {
            remaining.add(i);
        }
        List<int[]> batches = new ArrayList<>();
        while (!remaining.isEmpty()) {
            Set<String> texts = new HashSet<>();
            List<Integer> batch = new ArrayList<>();
            for (int i : remaining) {
                List<String> t = examples.get(i).texts();
                if (t.stream().anyMatch(texts::contains)) {
                    continue;
                }
                batch.add(i);
                texts.addAll(t);
                if (batch.size() == size) {
                    break;
                }
            }
            batch.forEach(remaining::remove);
            batches.add(batch.stream().mapToInt(Integer::intValue).toArray());
        }
        return batches.toArray(new int[0][]);
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
