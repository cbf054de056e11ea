package io.koembed.spark;

import io.koembed.st.SentenceTransformer;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that adds a column of sentence embeddings: {@link SentenceTransformer#encode} of
 * the text column, row by row the same vectors as {@code encode} gives on one machine, however the data is
 * partitioned.
 *
 * <pre>{@code
 * Dataset<Row> out = new SentenceEmbedder()
 *         .setModel("upskyy/e5-base-korean")     // a directory on every node, a Hub id, or hdfs://, s3a://, file://
 *         .setInputCol("text").setOutputCol("embedding")
 *         .setPrompt("passage: ").setNormalize(true)
 *         .transform(documents);
 * }</pre>
 *
 * <ul>
 *   <li>Each executor JVM loads the model once, on the first row it embeds, and all its task threads share it (and
 *       KoEmbed's compute pool); the model never travels with the task. See {@link ExecutorModels} for where models
 *       are looked for.</li>
 *   <li>A partition is embedded a chunk of rows at a time, each chunk by one {@code encode} call (batches sorted by
 *       length, as {@code encode} sorts them); rows come back in their order, with every input column kept.</li>
 *   <li>A null text gives a null embedding; an empty (or blank) text gives the empty text's embedding, as
 *       {@code encode("")} does.</li>
 *   <li>The output column is {@code array<float>} ({@code outputType = "array"}, the default) or Spark ML's
 *       vector type ({@code "vector"}: a dense vector of the same numbers as doubles).</li>
 * </ul>
 *
 * Saved and loaded with Spark ML's writers (alone, or as a stage of a {@code Pipeline}); what is saved is the
 * parameters, so the model source must still be reachable where the pipeline is loaded.
 */
public final class SentenceEmbedder extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> model;
    private final Param<String> weights;
    private final IntParam batchSize;
    private final Param<String> prompt;
    private final Param<String> promptName;
    private final BooleanParam normalize;
    private final IntParam truncateDim;
    private final Param<String> outputType;

    public SentenceEmbedder() {
        this(Identifiable.randomUID("SentenceEmbedder"));
    }

    /** With a given uid; Spark ML's reader calls this when it loads a saved stage. */
    public SentenceEmbedder(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "column of texts (string); null texts give null embeddings");
        outputCol = new Param<>(this, "outputCol", "column of embeddings to add");
        model = new Param<>(this, "model", "a model directory present on every node, a Hugging Face Hub id "
                + "(org/name or org/name@revision, resolved into each node's cache), or a Hadoop path "
                + "(file://, hdfs://, s3a://, ...) copied once per executor");
        weights = new Param<>(this, "weights", "how the encoder holds its weights: float32 (exact), bfloat16 or int8",
                ParamValidators.inArray(List.of("float32", "bfloat16", "int8")));
        batchSize = new IntParam(this, "batchSize", "texts per encoder pass", ParamValidators.gtEq(1));
        prompt = new Param<>(this, "prompt", "text put before every input, e.g. \"query: \"");
        promptName = new Param<>(this, "promptName",
                "a prompt from the model's config_sentence_transformers.json, e.g. query");
        normalize = new BooleanParam(this, "normalize", "L2-normalize the embeddings (after truncation)");
        truncateDim = new IntParam(this, "truncateDim",
                "keep the first this many dimensions (Matryoshka); 0 keeps all", ParamValidators.gtEq(0));
        outputType = new Param<>(this, "outputType",
                "array (array<float>) or vector (Spark ML's dense vector of doubles)",
                ParamValidators.inArray(List.of("array", "vector")));
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(weights, "float32");
        setDefault(batchSize, 32);
        setDefault(normalize, false);
        setDefault(truncateDim, 0);
        setDefault(outputType, "array");
    }

    @Override
    public String uid() {
        return uid;
    }

    // Spark ML finds a stage's params through its public no-argument methods returning a Param.

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> weights() {
        return weights;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> prompt() {
        return prompt;
    }

    public Param<String> promptName() {
        return promptName;
    }

    public BooleanParam normalize() {
        return normalize;
    }

    public IntParam truncateDim() {
        return truncateDim;
    }

    public Param<String> outputType() {
        return outputType;
    }

    public SentenceEmbedder setInputCol(String value) {
        return with(inputCol, value);
    }

    public SentenceEmbedder setOutputCol(String value) {
        return with(outputCol, value);
    }

    public SentenceEmbedder setModel(String value) {
        return with(model, value);
    }

    public SentenceEmbedder setWeights(String value) {
        return with(weights, value);
    }

    public SentenceEmbedder setBatchSize(int value) {
        return with(batchSize, value);
    }

    public SentenceEmbedder setPrompt(String value) {
        return with(prompt, value);
    }

    public SentenceEmbedder setPromptName(String value) {
        return with(promptName, value);
    }

    public SentenceEmbedder setNormalize(boolean value) {
        return with(normalize, value);
    }

    public SentenceEmbedder setTruncateDim(int value) {
        return with(truncateDim, value);
    }

    public SentenceEmbedder setOutputType(String value) {
        return with(outputType, value);
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    /** The model source, or null when it is not set. */
    public String getModel() {
        return isDefined(model) ? getOrDefault(model) : null;
    }

    public String getWeights() {
        return getOrDefault(weights);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    /** The prompt, or null when it is not set. */
    public String getPrompt() {
        return isDefined(prompt) ? getOrDefault(prompt) : null;
    }

    /** The prompt name, or null when it is not set. */
    public String getPromptName() {
        return isDefined(promptName) ? getOrDefault(promptName) : null;
    }

    public boolean getNormalize() {
        return (Boolean) getOrDefault(normalize);
    }

    public int getTruncateDim() {
        return (Integer) getOrDefault(truncateDim);
    }

    public String getOutputType() {
        return getOrDefault(outputType);
    }

    private <T> SentenceEmbedder with(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    /**
     * The input schema with the output column added, after checking what can be checked without the model: the
     * model is set, the text column exists and holds strings, the output column is new, and only one kind of
     * prompt is given.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        if (getModel() == null || getModel().isBlank()) {
            throw new IllegalArgumentException("SentenceEmbedder: set the model (setModel: a model directory, a Hub "
                    + "id or a Hadoop path)");
        }
        if (getPrompt() != null && getPromptName() != null) {
            throw new IllegalArgumentException("SentenceEmbedder: set prompt or promptName, not both");
        }
        String in = getInputCol();
        StructField field = Arrays.stream(schema.fields()).filter(f -> f.name().equals(in)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("SentenceEmbedder: the input column '" + in
                        + "' is not among the columns " + Arrays.toString(schema.fieldNames())
                        + " (set it with setInputCol)"));
        if (!field.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("SentenceEmbedder: the input column '" + in + "' holds "
                    + field.dataType().simpleString() + ", not strings (cast it, or choose another column)");
        }
        String out = getOutputCol();
        if (Arrays.asList(schema.fieldNames()).contains(out)) {
            throw new IllegalArgumentException("SentenceEmbedder: the output column '" + out
                    + "' already exists (set another with setOutputCol)");
        }
        return schema.add(out, outputDataType(), true);
    }

    private DataType outputDataType() {
        return getOutputType().equals("vector") ? new VectorUDT()
                : DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        EmbedPartition.Spec spec = new EmbedPartition.Spec(getModel(), getWeights(), getBatchSize(),
                getNormalize(), getPrompt(), getPromptName(), getTruncateDim(),
                dataset.schema().fieldIndex(getInputCol()), getOutputType().equals("vector"));
        return dataset.toDF().mapPartitions(new EmbedPartition(spec), Encoders.row(outSchema));
    }

    @Override
    public SentenceEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Spark ML's reader for saved SentenceEmbedders (and {@code PipelineModel.load}, which calls it). */
    public static MLReader<SentenceEmbedder> read() {
        return Reader.INSTANCE.read();
    }

    public static SentenceEmbedder load(String path) {
        return Reader.INSTANCE.load(path);
    }

    private static final class Reader implements DefaultParamsReadable<SentenceEmbedder> {
        static final Reader INSTANCE = new Reader();
    }
}
