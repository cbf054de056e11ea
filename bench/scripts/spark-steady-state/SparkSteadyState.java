import io.koembed.spark.SentenceEmbedder;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Splits Spark's cost into what it costs once and what it costs per sentence: in one JVM, SentenceEmbedder over the
 * same texts twice (the first round loads the model and compiles the kernels, the second is the steady state),
 * against a plain SentenceTransformer.encode in a JVM of its own ("direct"). Run by run.sh beside this file.
 */
public class SparkSteadyState {
    public static void main(String[] args) throws Exception {
        List<String> texts = Files.readAllLines(Path.of(args[0]));
        String model = args[1];
        String master = args[2];
        long t0 = System.nanoTime();
        if (master.equals("direct")) {
            try (SentenceTransformer st = SentenceTransformer.load(Path.of(model))) {
                System.out.printf("direct: load %.1f s%n", (System.nanoTime() - t0) / 1e9);
                for (int round = 0; round < 2; round++) {
                    long t1 = System.nanoTime();
                    st.encode(texts, EncodeOptions.defaults());
                    System.out.printf("direct: encode round %d, %d texts %.1f s%n", round, texts.size(),
                            (System.nanoTime() - t1) / 1e9);
                }
            }
            return;
        }
        SparkSession spark = SparkSession.builder().master(master).config("spark.ui.enabled", "false").getOrCreate();
        System.out.printf("%s: Spark session %.1f s%n", master, (System.nanoTime() - t0) / 1e9);
        List<Row> rows = new ArrayList<>();
        for (String t : texts) {
            rows.add(RowFactory.create(t));
        }
        int slots = spark.sparkContext().defaultParallelism();
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType))
                .repartition(slots).cache();
        df.count();
        for (int round = 0; round < 2; round++) {
            long t1 = System.nanoTime();
            long n = new SentenceEmbedder().setModel(model).transform(df).filter("embedding is not null").count();
            System.out.printf("%s: SentenceEmbedder round %d, %d texts in %d partitions %.1f s%n", master, round, n,
                    slots, (System.nanoTime() - t1) / 1e9);
        }
        spark.stop();
    }
}
