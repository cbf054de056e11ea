package io.koembed.cli;

import io.koembed.eval.EmbeddingSimilarityEvaluator;
import io.koembed.eval.StsDataset;
import io.koembed.eval.StsEvaluation;
import io.koembed.st.SentenceTransformer;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code koembed eval}: STS evaluation as sentence-transformers' {@code EmbeddingSimilarityEvaluator} does it.
 * Prints the metrics table on stdout and writes the results CSV, a scatter plot and a JSON of the metrics.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, resourceBundle = "io.koembed.cli.EvalCommand",
        description = {"Evaluate the model on an STS set as sentence-transformers' EmbeddingSimilarityEvaluator "
                + "does: Pearson and Spearman correlation of cosine / Manhattan / Euclidean / dot scores with the "
                + "gold scores (taken as given, e.g. 0-5; dividing them by 5 changes no correlation).",
                "Prints a Markdown table of the metrics; writes similarity_evaluation_NAME_results.csv (appending "
                        + "a row if it exists, as sentence-transformers does), similarity_evaluation_NAME_scatter.png "
                        + "and similarity_evaluation_NAME_metrics.json into --out."})
final class EvalCommand implements Callable<Integer> {
    private static final Pattern SAFE_NAME = Pattern.compile("[\\p{L}\\p{N}._+-]+");

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = {"-d", "--dataset"}, required = true, paramLabel = "NAME|FILE",
            description = {"korsts-dev, korsts-test, klue-sts-dev, stsb-dev, stsb-test (shipped in data/), or a file: "
                    + ".tsv/.csv in the KorSTS / STS-B layout (tab-separated, score in field 5, sentences in 6 and 7), "
                    + ".json as KLUE-STS, .jsonl with {\"sentence1\",\"sentence2\",\"score\"} a line."})
    String dataset;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "Folder for the CSV, PNG and JSON (default: ./eval-NAME).")
    Path out;

    @Mixin
    BatchSize batch; // default 16, the evaluator's, set in EvalCommand.properties

    @Option(names = "--name", paramLabel = "NAME",
            description = "Name in the output file names (default: the data set's name or the file's base name; "
                    + "e.g. sts-dev).")
    String name;

    @Option(names = "--no-plot", description = "Do not draw the scatter plot.")
    boolean noPlot;

    @Override
    public Integer call() throws Exception {
        int batchSize = batch.value();
        if (name != null && (!SAFE_NAME.matcher(name).matches() || name.equals(".") || name.equals(".."))) {
            throw new UsageError("--name may hold letters, digits and . _ + - only, got '" + name + "'");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();

        StsDataset data = StsDataset.resolve(dataset);
        if (name != null) {
            data = data.withName(name);
        }
        if (data.size() < 2) {
            throw new InputError(dataset + ": a correlation needs at least 2 pairs, found " + data.size());
        }
        Path dir = out != null ? out : Path.of("eval-" + data.name());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InputError("--out " + dir + ": cannot create the folder (" + e.getMessage() + ")");
        }

        StsEvaluation result;
        ProgressMeter progress = new ProgressMeter(err, "eval", "encoded", "sentences", true);
        try (SentenceTransformer st = model.load()) {
            result = new EmbeddingSimilarityEvaluator(data).withBatchSize(batchSize).withProgress(progress)
                    .evaluate(st);
        }
        progress.finish();

        String datasetLabel = data.name() + (data.source() == null ? "" : " (" + data.source() + ")");
        Path csv = result.writeCsv(dir);
        Path json = result.writeJson(dir.resolve("similarity_evaluation_" + data.name() + "_metrics.json"),
                datasetLabel, model.model.toString());
        Path png = null;
        if (!noPlot) {
            png = dir.resolve("similarity_evaluation_" + data.name() + "_scatter.png");
            try {
                ScatterPlot.write(result, png);
            } catch (IOException | RuntimeException | LinkageError | InternalError e) {
                // A JVM without fonts or AWT libraries cannot draw; the numbers still stand.
                err.println("koembed: warning: could not draw the scatter plot (" + e + "); CSV and JSON written");
                png = null;
            }
        }

        stdout.print(result.report(model.model.toString(), datasetLabel));
        stdout.flush();
        err.println("koembed: wrote " + csv + ", " + json + (png == null ? "" : ", " + png));
        return 0;
    }

    /** The predicted cosine similarity of every pair against its gold score, drawn with XChart as a PNG. */
    static final class ScatterPlot {
        private ScatterPlot() {}

        static void write(StsEvaluation r, Path file) throws IOException {
            if (System.getProperty("java.awt.headless") == null) {
                System.setProperty("java.awt.headless", "true");
            }
            XYChart chart = new XYChartBuilder().width(900).height(700)
                    .title(r.name() + ": cosine similarity vs gold score (" + r.pairs() + " pairs)")
                    .xAxisTitle("gold score (as given in the data)").yAxisTitle("cosine similarity of the embeddings")
                    .build();
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            chart.getStyler().setMarkerSize(5);
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setPlotBackgroundColor(Color.WHITE);
            chart.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
            chart.getStyler().setPlotGridLinesStroke(new BasicStroke(1f));
            chart.getStyler().setAntiAlias(true);
            String label = String.format(Locale.ROOT, "pairs: Spearman %.4f, Pearson %.4f",
                    r.metric("spearman_cosine"), r.metric("pearson_cosine"));
            XYSeries s = chart.addSeries(label, r.gold(), r.scores().cosine());
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(new Color(31, 119, 180, 110));
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
            Output.write(file, png.toByteArray());
        }
    }
}
