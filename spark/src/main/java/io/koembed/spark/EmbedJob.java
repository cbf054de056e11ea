package io.koembed.spark;

import io.koembed.ModelFormatException;
import io.koembed.hub.HubException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The koembed-spark job: embeds a corpus with {@link SentenceEmbedder} and writes {@code (id, text, embedding)} rows
 * as Spark's folder of part files, Parquet or JSON Lines. A map-only job: every partition of the input is embedded
 * where it is read and written from there, nothing is shuffled (unless {@code --partitions} asks a Parquet input for
 * more partitions than it has). bin/koembed-spark runs it on a local master; on a cluster,
 * {@code spark-submit --class io.koembed.spark.EmbedJob koembed-spark-job.jar ...} takes the same options.
 */
@Command(name = "koembed-spark", mixinStandardHelpOptions = true, versionProvider = EmbedJob.Version.class,
        sortOptions = false,
        description = "Embed a corpus on Apache Spark; write (id, text, embedding) rows as Parquet or JSON Lines.")
public final class EmbedJob implements Callable<Integer> {

    enum InputFormat { TXT, JSONL, PARQUET }

    enum OutputFormat { PARQUET, JSONL }

    @Spec
    CommandSpec command;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2]; leave it out under spark-submit, which sets it.")
    String master;

    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME[@REV]|URI",
            description = "Model directory present on every node, a Hugging Face Hub id (resolved into each node's "
                    + "cache; HF_HUB_CACHE, HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN), a folder shipped with the job "
                    + "(--files, --archives) by its name, or a Hadoop path (file://, hdfs://, s3a://, ...) copied "
                    + "once per executor.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "A file, a folder of files (names starting with _ or . left out) or a glob; any file "
                    + "system Hadoop reads.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Folder to create for the part files; must not exist yet.")
    String output;

    @Option(names = "--input-format", paramLabel = "txt|jsonl|parquet",
            description = "txt: one text per line; jsonl: a JSON string or an object with the text and id fields "
                    + "per line; parquet: columns named by --text-column and --id-column. Default: from the file "
                    + "names (.jsonl/.ndjson/.json, .parquet), else txt.")
    InputFormat inputFormat;

    @Option(names = "--output-format", defaultValue = "parquet", paramLabel = "parquet|jsonl",
            description = "parquet (default; columns id, text, embedding array<float>) or jsonl "
                    + "({\"id\":...,\"text\":...,\"embedding\":[...]} per line).")
    OutputFormat outputFormat;

    @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME",
            description = "Column (jsonl: field) of the texts (default ${DEFAULT-VALUE}).")
    String textColumn;

    @Option(names = "--id-column", defaultValue = "id", paramLabel = "NAME",
            description = "Column (jsonl: field) of the ids (default ${DEFAULT-VALUE}); a txt line's id, and a jsonl "
                    + "line's without one, is its 0-based line number.")
    String idColumn;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Texts per encoder pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions to embed in (default: as the input is split). txt and jsonl files are split "
                    + "by bytes; Parquet is coalesced, or shuffled into more.")
    Integer partitions;

    @Option(names = "--normalize", description = "L2-normalize the embeddings.")
    boolean normalize;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text put before every input, e.g. \"passage: \".")
    String prompt;

    @Option(names = "--weights", defaultValue = "float32", paramLabel = "float32|bfloat16|int8",
            description = "How the encoder holds its weights: float32 (exact, the default), bfloat16 or int8.")
    String weights;

    /** The session to use (tests); null: the job makes its own from --master or spark-submit, and stops it. */
    private final SparkSession session;

    private EmbedJob(SparkSession session) {
        this.session = session;
    }

    public static void main(String[] args) {
        int code = run(args, null, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        // On success main just returns, as spark-submit expects of a driver (YARN's cluster mode counts an early
        // System.exit as a failure); the JVM then ends, KoEmbed's threads being daemons.
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the job on {@code session} (null: its own) and returns the exit code: 0 ok, 1 error, 2 usage. */
    static int run(String[] args, SparkSession session, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new EmbedJob(session));
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("koembed-spark: error: " + describe(e));
            if (Boolean.getBoolean("koembed.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** How long a failed job's remaining tasks are waited for before its folder is deleted anyway. */
    private static final long TASK_WAIT_MILLIS = 30_000;

    /** Waits (up to {@link #TASK_WAIT_MILLIS}) until no task of the jobs of {@code group} runs. */
    private static void awaitTasks(SparkSession spark, String group) throws InterruptedException {
        SparkStatusTracker tracker = spark.sparkContext().statusTracker();
        long end = System.nanoTime() + TASK_WAIT_MILLIS * 1_000_000;
        while (System.nanoTime() < end && runningTasks(tracker, group) > 0) {
            Thread.sleep(10);
        }
    }

    private static int runningTasks(SparkStatusTracker tracker, String group) {
        int running = 0;
        for (int job : tracker.getJobIdsForGroup(group)) {
            scala.Option<SparkJobInfo> info = tracker.getJobInfo(job);
            if (info.isDefined()) {
                for (int stage : info.get().stageIds()) {
                    scala.Option<SparkStageInfo> s = tracker.getStageInfo(stage);
                    running += s.isDefined() ? s.get().numActiveTasks() : 0;
                }
            }
        }
        return running;
    }

    @Override
    public Integer call() throws Exception {
        checkUsage();
        long start = System.nanoTime();
        SparkSession spark = session != null ? session
                : (master != null ? SparkSession.builder().master(master) : SparkSession.builder())
                        .appName("koembed-spark").getOrCreate();
        long up = System.nanoTime();
        try {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            List<FileStatus> files = inputFiles(hadoop, input);
            Path out = new Path(output);
            if (out.getFileSystem(hadoop).exists(out)) {
                throw new InputError(output + " already exists; koembed-spark writes a new folder (remove it or "
                        + "choose another --output)");
            }
            InputFormat format = inputFormat != null ? inputFormat : formatOf(input, files);
            LineInput.Texts texts = format == InputFormat.PARQUET ? parquet(spark)
                    : LineInput.read(spark, files, format == InputFormat.TXT ? LineInput.Format.TXT
                            : LineInput.Format.JSONL, textColumn, idColumn, partitions);
            int partitionCount = texts.rows().rdd().getNumPartitions();
            long read = System.nanoTime();
            SentenceEmbedder embedder = new SentenceEmbedder().setModel(model).setWeights(weights)
                    .setBatchSize(batchSize).setNormalize(normalize).setInputCol("text").setOutputCol("embedding");
            if (prompt != null) {
                embedder.setPrompt(prompt);
            }
            DataFrameWriter<Row> writer = embedder.transform(texts.rows()).write().mode(SaveMode.ErrorIfExists);
            // the write's jobs in a group of their own, to find their tasks if it fails (the caller's group, if
            // its session had one on this thread, is put back after)
            String group = "koembed-spark-" + UUID.randomUUID();
            String[] groupProperties = {"spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel"};
            String[] callersGroup = new String[groupProperties.length];
            for (int i = 0; i < groupProperties.length; i++) {
                callersGroup[i] = spark.sparkContext().getLocalProperty(groupProperties[i]);
            }
            spark.sparkContext().setJobGroup(group, "koembed-spark " + output, true);
            try {
                if (outputFormat == OutputFormat.JSONL) {
                    writer.option("ignoreNullFields", "false").json(output); // a null text's line: "embedding":null
                } else {
                    writer.parquet(output);
                }
            } catch (Exception e) { // Spark's SparkException is checked, though Scala code throws it undeclared
                // A failed job leaves the folder it began (with its _temporary parts); it did not exist before, and
                // an output exists only when it is complete. The job fails at its first failed task while Spark
                // cancels the others in the background: one still running would write its part into the folder
                // again after it is deleted, so their end is awaited first.
                awaitTasks(spark, group);
                out.getFileSystem(hadoop).delete(out, true);
                throw e;
            } finally {
                for (int i = 0; i < groupProperties.length; i++) {
                    spark.sparkContext().setLocalProperty(groupProperties[i], callersGroup[i]);
                }
            }
            long done = System.nanoTime();
            command.commandLine().getErr().printf(Locale.ROOT, "koembed-spark: %d texts embedded into %s (%s, %d "
                            + "partitions) in %.1f s: Spark session %.1f s, input read and checked %.1f s, embedded "
                            + "and written %.1f s%n", texts.count(), output, outputFormat.name().toLowerCase(Locale.ROOT),
                    partitionCount, (done - start) / 1e9, (up - start) / 1e9, (read - up) / 1e9, (done - read) / 1e9);
            return 0;
        } finally {
            if (session == null) {
                spark.stop();
            }
        }
    }

    private void checkUsage() {
        if (batchSize < 1) {
            throw usage("--batch-size must be at least 1, got " + batchSize);
        }
        if (partitions != null && partitions < 1) {
            throw usage("--partitions must be at least 1, got " + partitions);
        }
        if (!List.of("float32", "bfloat16", "int8").contains(weights)) {
            throw usage("--weights must be float32, bfloat16 or int8, got " + weights);
        }
        if (session == null && master == null && System.getProperty("spark.master") == null) {
            throw usage("give --master (e.g. local[2]), or run the job with spark-submit, which sets it");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(command.commandLine(), message);
    }

    /** A Parquet input's text and id columns as (id, text). */
    private LineInput.Texts parquet(SparkSession spark) {
        Dataset<Row> df = spark.read().parquet(input);
        StructType schema = df.schema();
        StructField text = column(schema, textColumn, "--text-column");
        if (!text.dataType().equals(DataTypes.StringType)) {
            throw new InputError(input + ": column '" + textColumn + "' holds " + text.dataType().simpleString()
                    + ", not strings (name the text column with --text-column)");
        }
        column(schema, idColumn, "--id-column");
        Dataset<Row> rows = df.select(df.col(quote(idColumn)).as("id"), df.col(quote(textColumn)).as("text"));
        int have = rows.rdd().getNumPartitions();
        if (partitions != null && partitions < have) {
            rows = rows.coalesce(partitions);
        } else if (partitions != null && partitions > have) {
            rows = rows.repartition(partitions);
        }
        return new LineInput.Texts(rows, df.count());
    }

    private StructField column(StructType schema, String name, String option) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new InputError(input + ": no column '" + name + "' among "
                        + Arrays.toString(schema.fieldNames()) + " (name it with " + option + ")"));
    }

    /** A column name as Spark reads it literally (no nesting at dots). */
    private static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** The files of a file, a folder (its visible files) or a glob, by name. */
    static List<FileStatus> inputFiles(Configuration conf, String input) throws IOException {
        Path path = new Path(input);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || matches.length == 0) {
            throw new InputError(input + ": not found");
        }
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus match : matches) {
            if (match.isDirectory()) {
                for (FileStatus child : fs.listStatus(match.getPath())) {
                    String name = child.getPath().getName();
                    if (child.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                        files.add(child);
                    }
                }
            } else {
                files.add(match);
            }
        }
        if (files.isEmpty()) {
            throw new InputError(input + ": no input files in it (names starting with _ or . are left out)");
        }
        files.sort(Comparator.comparing(f -> f.getPath().toString()));
        return files;
    }

    /** The format the file names say: the input's own extension, else its first file's; txt when neither says. */
    static InputFormat formatOf(String input, List<FileStatus> files) {
        for (String name : List.of(input, files.getFirst().getPath().getName())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".parquet")) {
                return InputFormat.PARQUET;
            }
            if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) {
                return InputFormat.JSONL;
            }
            if (lower.endsWith(".txt")) {
                return InputFormat.TXT;
            }
        }
        return InputFormat.TXT;
    }

    /** One line that says what was wrong: the message of the first KoEmbed error among the causes. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputError || t instanceof EmbedException || t instanceof ModelFormatException
                    || t instanceof HubException || t instanceof IllegalArgumentException) {
                return t.getMessage();
            }
        }
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + ": " + message
                + " (run with KOEMBED_JAVA_OPTS=-Dkoembed.debug=true for the stack trace)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = EmbedJob.class.getPackage().getImplementationVersion();
            return new String[] {"koembed-spark " + (v == null ? "dev" : v) + " on Spark "
                    + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ", Java " + Runtime.version()};
        }
    }
}
