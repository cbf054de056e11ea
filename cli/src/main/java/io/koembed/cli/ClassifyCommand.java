package io.koembed.cli;

import io.koembed.classify.EmbeddingClassifier;
import io.koembed.classify.EmbeddingClassifier.EmbeddingModel;
import io.koembed.classify.EmbeddingClassifier.Prediction;
import io.koembed.classify.LabeledData;
import io.koembed.classify.LabeledExample;
import io.koembed.classify.LogisticRegression;
import io.koembed.st.ModelFingerprint;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed classify train|predict}: logistic regression over embeddings of texts or sentence pairs. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Train and apply a classifier over sentence embeddings (L2 logistic regression on "
                + "standardized features).",
                "Single texts use the embedding u; sentence pairs (e.g. KorNLI) use sentence-transformers' "
                        + "SoftmaxLoss features (u, v, |u-v|, u*v)."},
        subcommands = {ClassifyCommand.Train.class, ClassifyCommand.Predict.class})
final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: train or predict");
    }

    static List<LabeledExample> readData(String path, LabeledData.Format format, String option) throws IOException {
        LabeledData.Format f;
        try {
            f = LabeledData.formatOf(path, format);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage().replace("give it explicitly", "give --format"));
        }
        if (path.equals("-")) {
            return LabeledData.parse("<stdin>", System.in.readAllBytes(), f);
        }
        try {
            return LabeledData.parse(path, Files.readAllBytes(Path.of(path)), f);
        } catch (NoSuchFileException e) {
            throw new InputError(option + " " + path + ": file not found");
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, resourceBundle = "io.koembed.cli.ClassifyTrain",
            description = {"Train a classifier on labelled texts or sentence pairs; save it as JSON.",
                    "Data: KorNLI TSV (sentence1, sentence2, gold_label; .tsv) or JSONL lines {\"text\":...,"
                            + "\"label\":...} / {\"sentence1\":...,\"sentence2\":...,\"label\":...} (.jsonl)."})
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR|ORG/NAME[@REV]",
                description = "The embedding model directory or Hub id (remembered in the classifier with its "
                        + "directory and a fingerprint).")
        String model;

        @Option(names = "--train", required = true, paramLabel = "FILE", description = "Training data; - for stdin.")
        String train;

        @Option(names = "--format", paramLabel = "kornli|jsonl",
                description = "Data format, if the file name does not tell (.tsv = kornli, .jsonl = jsonl).")
        LabeledData.Format format;

        @Option(names = "--out", required = true, paramLabel = "MODEL.json",
                description = "Where to save the classifier (appears only when complete).")
        Path out;

        @Option(names = "--c", defaultValue = "1.0", paramLabel = "C",
                description = "Inverse L2 regularisation strength, as scikit-learn's C (default ${DEFAULT-VALUE}).")
        double c;

        @Option(names = "--max-iter", defaultValue = "1000", paramLabel = "N",
                description = "L-BFGS iterations at most (default ${DEFAULT-VALUE}).")
        int maxIter;

        @Option(names = "--tol", defaultValue = "1e-6", paramLabel = "TOL",
                description = "Stop when the largest gradient component is below this, as scikit-learn's tol "
                        + "(default ${DEFAULT-VALUE}; scikit-learn's 1e-4 stops further from the optimum).")
        double tol;

        @Mixin
        EncodeFlags encode;

        @Option(names = "--normalize", description = "L2-normalize the embeddings before making features.")
        boolean normalize;

        @Override
        public Integer call() throws Exception {
            EncodeOptions options = encode.options().withNormalize(normalize);
            if (maxIter < 1) {
                throw new UsageError("--max-iter must be at least 1, got " + maxIter);
            }
            if (!(c > 0) || Double.isInfinite(c) || !(tol >= 0)) {
                throw new UsageError("--c must be a positive number and --tol >= 0");
            }
            if (format == LabeledData.Format.TXT) {
                throw new UsageError("--format txt has no labels; training needs kornli or jsonl");
            }
            PrintWriter err = spec.commandLine().getErr();
            List<LabeledExample> data = readData(train, format, "--train");
            if (data.isEmpty()) {
                throw new InputError(train + ": no training examples");
            }
            EmbeddingClassifier classifier;
            try (SentenceTransformer st = SentenceTransformer.load(ModelLocator.locate(model, null, err))) {
                EmbeddingModel described = EmbeddingModel.of(st, options);
                EncodeOptions resolved = described.encodeOptions(options.batchSize());
                ProgressMeter[] fit = {null}; // started when fitting starts, after the encoding
                classifier = EmbeddingClassifier.train(data,
                        texts -> ProgressMeter.encode(st, texts, resolved, err, "classify"), described,
                        new LogisticRegression.Options(c, maxIter, tol, true), (done, total) -> {
                            if (fit[0] == null) {
                                fit[0] = new ProgressMeter(err, "classify", "L-BFGS iteration", "", false);
                            }
                            fit[0].update(done, total);
                        });
                if (fit[0] != null) {
                    fit[0].finish();
                }
            }
            try (Output o = Output.open(out, spec.commandLine().getOut())) {
                o.writer().write(classifier.toJson());
                o.commit();
            }
            EmbeddingClassifier.Training t = classifier.training();
            err.printf(Locale.ROOT, "koembed classify: trained on %d %s, labels %s; %d L-BFGS iterations%s; "
                            + "train accuracy %.4f; saved %s%n", t.examples(),
                    classifier.input() == EmbeddingClassifier.Input.PAIR ? "pairs" : "texts", classifier.labels(),
                    t.iterations(), t.converged() ? "" : " (NOT converged: raise --max-iter or --tol)",
                    t.trainAccuracy(), out);
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = {"Classify texts or sentence pairs with a trained classifier.",
                    "Prints JSONL {\"label\":...,\"probabilities\":{label:p,...}} per input, in order, with "
                            + "\"gold\" when the input has a label; the accuracy goes to stderr when every input "
                            + "has one.",
                    "The embedding model is the one the classifier remembers (or --model); a model with another "
                            + "fingerprint is refused."})
    static final class Predict implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--classifier", required = true, paramLabel = "MODEL.json",
                description = "A classifier saved by classify train.")
        Path classifierFile;

        @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
                description = "Inputs: KorNLI .tsv, .jsonl (labels optional), or .txt (one text per line); - for stdin.")
        String input;

        @Option(names = "--format", paramLabel = "kornli|jsonl|txt",
                description = "Input format, if the file name does not tell.")
        LabeledData.Format format;

        @Option(names = {"-m", "--model"}, paramLabel = "DIR|ORG/NAME[@REV]",
                description = "The embedding model directory or Hub id, if it has moved since training (it must be "
                        + "the same model).")
        String model;

        @Mixin
        OutputOption output;

        @Mixin
        BatchSize batch;

        @Override
        public Integer call() throws Exception {
            int batchSize = batch.value();
            PrintWriter err = spec.commandLine().getErr();
            EmbeddingClassifier classifier = EmbeddingClassifier.load(classifierFile);
            List<LabeledExample> data = readData(input, format, "--input");
            Path dir = model != null ? ModelLocator.locate(model, null, err) : Path.of(classifier.embeddingModel().path());
            if (model == null && !Files.isDirectory(dir)) {
                throw new InputError("the classifier's embedding model " + dir + " is not there; give --model DIR "
                        + "(it must be the same model: fingerprint " + classifier.embeddingModel().fingerprint() + ")");
            }
            String fingerprint = ModelFingerprint.of(dir); // refuse before spending time on loading
            if (!fingerprint.equals(classifier.embeddingModel().fingerprint())) {
                classifier.requireEmbeddingModel(dir, fingerprint, classifier.embeddingModel().dimension());
            }
            List<Prediction> predictions;
            try (SentenceTransformer st = SentenceTransformer.load(dir)) {
                classifier.requireEmbeddingModel(dir, fingerprint, st.dimension());
                EncodeOptions options = classifier.embeddingModel().encodeOptions(batchSize);
                predictions = classifier.predict(data, texts -> ProgressMeter.encode(st, texts, options, err,
                        "classify"));
            }
            List<String> labels = classifier.labels();
            int labelled = 0;
            int correct = 0;
            try (Output out = output.open(spec.commandLine().getOut())) {
                Jsonl json = Jsonl.writer(out.writer());
                for (int i = 0; i < predictions.size(); i++) {
                    Prediction p = predictions.get(i);
                    String gold = data.get(i).label();
                    if (gold != null) {
                        labelled++;
                        if (gold.equals(p.label())) {
                            correct++;
                        }
                    }
                    json.object(g -> {
                        g.writeStringField("label", p.label());
                        g.writeObjectFieldStart("probabilities");
                        for (int c = 0; c < labels.size(); c++) {
                            g.writeNumberField(labels.get(c), p.probabilities()[c]);
                        }
                        g.writeEndObject();
                        if (gold != null) {
                            g.writeStringField("gold", gold);
                        }
                    });
                }
                json.flush();
                out.commit();
            }
            if (labelled > 0) {
                if (labelled == data.size()) {
                    err.printf(Locale.ROOT, "koembed classify: accuracy %.4f (%d/%d) on %s%n",
                            (double) correct / labelled, correct, labelled, input);
                } else {
                    err.printf(Locale.ROOT, "koembed classify: accuracy %.4f (%d/%d) on the %d labelled of %d "
                            + "inputs%n", (double) correct / labelled, correct, labelled, labelled, data.size());
                }
            }
            return 0;
        }
    }
}
