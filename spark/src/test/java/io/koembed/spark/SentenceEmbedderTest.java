package io.koembed.spark;

import static io.koembed.spark.SparkTestSupport.MODEL;
import static io.koembed.spark.SparkTestSupport.assertVector;
import static io.koembed.spark.SparkTestSupport.encode;
import static io.koembed.spark.SparkTestSupport.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.hub.FakeHub;
import io.koembed.hub.HubClient;
import io.koembed.hub.ModelId;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SentenceEmbedder in local[2]: every vector is the one {@code encode} gives for the same text and options. */
class SentenceEmbedderTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType, false)
            .add("text", DataTypes.StringType, true);

    static SparkSession spark;
    static List<String> texts;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestSupport.session();
        texts = SparkTestSupport.sentences(60);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Rows (id, text) in {@code partitions} slices of the list, in order; slices beyond the rows are empty. */
    static Dataset<Row> frame(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create((long) i, texts.get(i)));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), SCHEMA);
    }

    static SentenceEmbedder embedder() {
        return new SentenceEmbedder().setModel(MODEL.toString());
    }

    /** Collects the output and checks every row against {@code encode} of its text, in the input's order. */
    static void assertEncodes(Dataset<Row> out, List<String> texts, float[][] expected) {
        List<Row> rows = out.collectAsList();
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals(i, row.getLong(0), "rows come back in their order");
            assertEquals(texts.get(i), row.getString(1));
            assertVector(expected[i], floats(row, "embedding"), "row " + i);
        }
    }

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 3, 100})
    void vectorsAreEncodesWhateverThePartitioning(int partitions) {
        Dataset<Row> in = frame(texts, partitions);
        if (partitions > texts.size()) {
            assertTrue(in.javaRDD().glom().collect().stream().anyMatch(List::isEmpty), "some partitions are empty");
        }
        Dataset<Row> out = embedder().transform(in);
        assertEquals(partitions, out.javaRDD().getNumPartitions(), "a map-only job: the input's partitions");
        assertEncodes(out, texts, encode(texts, EncodeOptions.defaults()));
    }

    @Test
    void encodeOptionsAreTheParams() {
        EncodeOptions options = EncodeOptions.defaults().withPrompt("query: ").withNormalize(true)
                .withTruncateDim(16).withBatchSize(3);
        Dataset<Row> out = embedder().setPrompt("query: ").setNormalize(true).setTruncateDim(16).setBatchSize(3)
                .transform(frame(texts, 2));
        float[][] expected = encode(texts, options);
        assertEquals(16, expected[0].length);
        assertEncodes(out, texts, expected);
    }

    @Test
    void aNullTextGivesANullVectorAndAnEmptyTextTheEmptyTextsVector() {
        List<String> withNulls = Arrays.asList("두 사람이 해변을 걷는다.", null, "", null, " ");
        List<Row> rows = embedder().transform(frame(withNulls, 2)).collectAsList();
        float[] empty = encode(List.of(""), EncodeOptions.defaults())[0];
        assertVector(encode(List.of(withNulls.get(0)), EncodeOptions.defaults())[0], floats(rows.get(0), "embedding"),
                "text");
        assertNull(floats(rows.get(1), "embedding"));
        assertVector(empty, floats(rows.get(2), "embedding"), "empty text");
        assertNull(floats(rows.get(3), "embedding"));
        assertVector(empty, floats(rows.get(4), "embedding"), "blank text (stripped, as encode does)");
    }

    @Test
    void theVectorOutputTypeHoldsTheSameNumbers() {
        List<Row> rows = embedder().setOutputType("vector").setOutputCol("features").transform(frame(texts, 2))
                .collectAsList();
        float[][] expected = encode(texts, EncodeOptions.defaults());
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).getAs("features")).toArray();
            float[] f = new float[v.length];
            for (int k = 0; k < v.length; k++) {
                f[k] = (float) v[k];
                assertEquals(f[k], v[k], 0.0, "a float widened to double, exactly");
            }
            assertVector(expected[i], f, "row " + i);
        }
    }

    @Test
    void bfloat16WeightsGiveWhatEncodeGivesWithThem() {
        List<String> some = texts.subList(0, 10);
        try (SentenceTransformer bf16 = SentenceTransformer.load(MODEL, WeightPrecision.BFLOAT16)) {
            assertEncodes(embedder().setWeights("bfloat16").transform(frame(some, 2)), some,
                    bf16.encode(some, EncodeOptions.defaults()));
        }
    }

    @Test
    void aPipelineIsSavedAndLoadedWithItsParams() throws IOException {
        SentenceEmbedder embedder = embedder().setOutputType("vector").setOutputCol("features").setBatchSize(7)
                .setPrompt("passage: ");
        Normalizer unit = new Normalizer().setInputCol("features").setOutputCol("unit").setP(2.0);
        Dataset<Row> in = frame(texts, 2);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {embedder, unit}).fit(in);
        String path = tmp.resolve("pipeline").toString();
        fitted.write().save(path);

        PipelineModel loaded = PipelineModel.load(path);
        SentenceEmbedder stage = (SentenceEmbedder) loaded.stages()[0];
        assertEquals(embedder.uid(), stage.uid());
        assertEquals(MODEL.toString(), stage.getModel());
        assertEquals("passage: ", stage.getPrompt());
        assertEquals(7, stage.getBatchSize());
        assertEquals("vector", stage.getOutputType());
        assertNull(stage.getPromptName());

        List<Row> rows = loaded.transform(in).collectAsList();
        float[][] expected = encode(texts, EncodeOptions.defaults().withPrompt("passage: "));
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).getAs("features")).toArray();
            double[] u = ((Vector) rows.get(i).getAs("unit")).toArray();
            double norm = 0;
            for (int k = 0; k < v.length; k++) {
                assertEquals(expected[i][k], v[k], 1e-6, "row " + i + " element " + k);
                norm += v[k] * v[k];
            }
            for (int k = 0; k < v.length; k++) {
                assertEquals(v[k] / Math.sqrt(norm), u[k], 1e-12, "the next stage gets the embeddings");
            }
        }

        embedder.write().overwrite().save(tmp.resolve("embedder").toString());
        SentenceEmbedder alone = SentenceEmbedder.load(tmp.resolve("embedder").toString());
        assertEquals(embedder.extractParamMap().toString(), alone.extractParamMap().toString());
    }

    @Test
    void aHubIdResolvesIntoTheNodesHubCache() throws IOException {
        // The executors read the environment (see the surefire configuration): HF_HUB_OFFLINE=1 and a cache under
        // target/. The fake Hub fills that cache through the real client, blobs and snapshot links as Python's.
        Path cache = Path.of(System.getenv("HF_HUB_CACHE"));
        try (FakeHub hub = new FakeHub()) {
            hub.repo("koembed-test/tiny-xlmr-ko").commit("main", FakeHub.filesOf(MODEL));
            HubClient.builder(Map.of()).endpoint(hub.endpoint()).cacheDir(cache).build()
                    .resolve(ModelId.parse("koembed-test/tiny-xlmr-ko"));
        }
        List<String> some = texts.subList(0, 10);
        float[][] expected = encode(some, EncodeOptions.defaults());
        for (String id : List.of("koembed-test/tiny-xlmr-ko", "koembed-test/tiny-xlmr-ko@main")) {
            assertEncodes(new SentenceEmbedder().setModel(id).transform(frame(some, 2)), some, expected);
        }
        SparkException e = assertThrows(SparkException.class, () -> new SentenceEmbedder()
                .setModel("koembed-test/not-cached").transform(frame(some, 2)).collectAsList());
        assertTrue(embedError(e).getMessage().startsWith("model koembed-test/not-cached could not be loaded on "
                + "executor driver on "), embedError(e).getMessage());
        assertTrue(embedError(e).getMessage().contains("koembed-test/not-cached@main is not in the cache"),
                embedError(e).getMessage());
    }

    @Test
    void aHadoopPathIsCopiedOncePerExecutor() {
        String uri = MODEL.toUri().toString();
        assertTrue(uri.startsWith("file:/"), uri);
        List<String> some = texts.subList(0, 10);
        assertEncodes(new SentenceEmbedder().setModel(uri).transform(frame(some, 2)), some,
                encode(some, EncodeOptions.defaults()));
        Path copy = ExecutorModels.directory(uri);
        assertEquals(MODEL.getFileName(), copy.getFileName());
        assertTrue(copy.startsWith(Path.of(System.getProperty("java.io.tmpdir"))), copy.toString());
        assertTrue(Files.isRegularFile(copy.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(copy.resolve("1_Pooling/config.json")));
        assertEquals(copy, ExecutorModels.directory(uri), "copied once");
    }

    @Test
    void aDirectoryShippedWithTheJobIsFoundByItsName() {
        spark.sparkContext().addFile(MODEL.toString(), true);
        List<String> some = texts.subList(0, 10);
        assertEncodes(new SentenceEmbedder().setModel(MODEL.getFileName().toString()).transform(frame(some, 2)), some,
                encode(some, EncodeOptions.defaults()));
    }

    @Test
    void aModelTheExecutorCannotFindFailsTheJobNamingThePath() {
        SparkException e = assertThrows(SparkException.class,
                () -> new SentenceEmbedder().setModel("/no/such/model").transform(frame(texts, 2)).collectAsList());
        String message = embedError(e).getMessage();
        assertTrue(message.startsWith("model /no/such/model could not be loaded on executor driver on "), message);
        assertTrue(message.endsWith(": /no/such/model: model directory not found"), message);
        assertTrue(e.getMessage().contains(message), "Spark's own message carries it too");

        SparkException hadoop = assertThrows(SparkException.class, () -> new SentenceEmbedder()
                .setModel("file:///no/such/model").transform(frame(texts, 2)).collectAsList());
        String copy = embedError(hadoop).getMessage();
        assertTrue(copy.startsWith("model file:///no/such/model could not be loaded on executor driver on "), copy);
        assertTrue(copy.endsWith(": File file:/no/such/model does not exist"), copy);

        SparkException file = assertThrows(SparkException.class, () -> new SentenceEmbedder()
                .setModel(MODEL.resolve("modules.json").toUri().toString()).transform(frame(texts, 2)).collectAsList());
        assertTrue(embedError(file).getMessage().endsWith("modules.json is a file, not a model directory"),
                embedError(file).getMessage());
    }

    @Test
    void anEmptyDatasetNeverLoadsTheModel() {
        Dataset<Row> out = new SentenceEmbedder().setModel("/no/such/model").transform(frame(List.of(), 3));
        assertEquals(0, out.collectAsList().size());
    }

    @Test
    void aMissingOrNonStringColumnIsNamedBeforeAnythingRuns() {
        Dataset<Row> in = frame(texts, 2);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> embedder().setInputCol("body").transform(in));
        assertEquals("SentenceEmbedder: the input column 'body' is not among the columns [id, text] (set it with "
                + "setInputCol)", missing.getMessage());
        IllegalArgumentException notText = assertThrows(IllegalArgumentException.class,
                () -> embedder().setInputCol("id").transform(in));
        assertEquals("SentenceEmbedder: the input column 'id' holds bigint, not strings (cast it, or choose another "
                + "column)", notText.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> embedder().setOutputCol("text").transform(in));
        assertEquals("SentenceEmbedder: the output column 'text' already exists (set another with setOutputCol)",
                taken.getMessage());
    }

    @Test
    void paramsAreCheckedWhenSet() {
        IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class,
                () -> new SentenceEmbedder().transform(frame(texts, 1)));
        assertEquals("SentenceEmbedder: set the model (setModel: a model directory, a Hub id or a Hadoop path)",
                noModel.getMessage());
        IllegalArgumentException twoPrompts = assertThrows(IllegalArgumentException.class,
                () -> embedder().setPrompt("query: ").setPromptName("query").transform(frame(texts, 1)));
        assertEquals("SentenceEmbedder: set prompt or promptName, not both", twoPrompts.getMessage());
        SentenceEmbedder e = embedder();
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> e.setBatchSize(0));
        assertTrue(batch.getMessage().contains("parameter batchSize given invalid value 0"), batch.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class, () -> e.setWeights("fp16"));
        assertTrue(weights.getMessage().contains("parameter weights given invalid value fp16"), weights.getMessage());
    }

    @Test
    void anUnknownPromptNameNamesTheModelAndTheRows() {
        SparkException e = assertThrows(SparkException.class,
                () -> embedder().setPromptName("query").transform(frame(texts, 1)).collectAsList());
        assertEquals("model " + MODEL + " could not embed rows 0 to " + (texts.size() - 1) + " of partition 0: "
                + "prompt name 'query' is not among the model's prompts []", embedError(e).getMessage());
    }

    /** The EmbedException that a failed job carries as a cause. */
    static EmbedException embedError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EmbedException found) {
                return found;
            }
        }
        throw new AssertionError("no EmbedException among the causes of " + e, e);
    }

    @Test
    void twoTaskThreadsShareOneLoad() {
        String source = MODEL + "/."; // another source string for the same folder: a key no other test loaded
        int before = ExecutorModels.loads();
        List<String> some = texts.subList(0, 8);
        assertEncodes(new SentenceEmbedder().setModel(source).transform(frame(some, 4)), some,
                encode(some, EncodeOptions.defaults()));
        assertEquals(before + 1, ExecutorModels.loads(), "four tasks on two threads, one load");
    }
}
