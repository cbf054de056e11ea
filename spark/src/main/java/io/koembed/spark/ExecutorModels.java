package io.koembed.spark;

import io.koembed.hub.HubClient;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import scala.Tuple2;

/**
 * The models of this JVM (an executor, or the driver in local mode): one {@link SentenceTransformer} per model
 * source and weight precision, loaded by the first task that needs it while the others wait, then shared by every
 * task thread for the life of the JVM. Tasks find it here instead of carrying it, so a model is never serialized.
 *
 * <p>Where a model source is looked for, in this order:
 * <ol>
 *   <li>a URI with a scheme ({@code file://}, {@code hdfs://}, {@code s3a://}, any file system Hadoop has): a model
 *       directory copied once per JVM into a local folder under {@code java.io.tmpdir}, deleted at exit, with the
 *       job's Hadoop settings ({@code spark.hadoop.*});</li>
 *   <li>a directory on this node, absolute or relative to the executor's working directory (where YARN unpacks
 *       {@code --archives model.zip#model});</li>
 *   <li>a directory shipped with the job ({@code --files}, {@code --archives}, {@code SparkContext.addFile}), by its
 *       name under {@link SparkFiles#getRootDirectory()};</li>
 *   <li>a Hugging Face Hub id ({@code org/name} or {@code org/name@revision}), resolved into this node's Hub cache
 *       by {@link HubClient} with the executor's environment (HF_HUB_CACHE, HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN;
 *       set them with {@code spark.executorEnv.*}).</li>
 * </ol>
 *
 * <p>Unless {@code koembed.threads} is set, an executor of a cluster sizes KoEmbed's compute pool to
 * {@code spark.executor.cores} (where it is set) instead of the node's processors, so that the executors of one
 * node do not each start a thread per core of the node.
 */
final class ExecutorModels {
    private record Key(String source, WeightPrecision weights) {}

    private static final Map<Key, SentenceTransformer> MODELS = new ConcurrentHashMap<>();
    /** Local copies of models on Hadoop file systems, by source: one per JVM whatever the weights. */
    private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();

    /** How many models this JVM has loaded (for tests: one load per key, however many tasks ask at once). */
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorModels() {}

    static int loads() {
        return LOADS.get();
    }

    /** The model of {@code source} with {@code weights}, loaded on first use; see the class comment. */
    static SentenceTransformer get(String source, WeightPrecision weights) {
        return MODELS.computeIfAbsent(new Key(source, weights), ExecutorModels::load);
    }

    private static SentenceTransformer load(Key key) {
        try {
            sizeComputePool();
            LOADS.incrementAndGet();
            return SentenceTransformer.load(directory(key.source()), key.weights());
        } catch (RuntimeException e) {
            String reason = e instanceof UncheckedIOException u ? describe(u.getCause()) : e.getMessage();
            throw new EmbedException("model " + key.source() + " could not be loaded on " + where() + ": " + reason, e);
        }
    }

    /** The local directory of a model source. */
    static Path directory(String source) {
        if (hadoopScheme(source) != null) {
            return COPIES.computeIfAbsent(source, ExecutorModels::copyToLocal);
        }
        try {
            Path local = Path.of(source);
            if (Files.isDirectory(local)) {
                return local;
            }
            if (!local.isAbsolute() && SparkEnv.get() != null) {
                Path shipped = Path.of(SparkFiles.getRootDirectory()).resolve(local);
                if (Files.isDirectory(shipped)) {
                    return shipped;
                }
            }
        } catch (InvalidPathException notAPath) {
            // only a Hub id can be meant
        }
        // A Hub id; anything else comes back as the path it names, which the loader reports as missing.
        return HubClient.builder().build().locate(source);
    }

    /** The scheme of a URI naming a Hadoop file system, or null for a plain path or Hub id. */
    static String hadoopScheme(String source) {
        try {
            String scheme = new URI(source).getScheme();
            return scheme != null && scheme.length() > 1 ? scheme : null; // "C:" is a Windows drive, not a scheme
        } catch (URISyntaxException notAUri) {
            return null;
        }
    }

    private static Path copyToLocal(String source) {
        try {
            org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(source);
            FileSystem fs = from.getFileSystem(hadoopConfiguration());
            FileStatus status = fs.getFileStatus(from);
            if (!status.isDirectory()) {
                throw new IOException(source + " is a file, not a model directory");
            }
            Path target = Files.createTempDirectory("koembed-model-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(target), "koembed-model-cleanup"));
            fs.copyToLocalFile(false, from, new org.apache.hadoop.fs.Path(target.toUri()), true);
            return target.resolve(from.getName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hadoop's settings plus the job's {@code spark.hadoop.*} ones, as Spark builds its own. */
    private static Configuration hadoopConfiguration() {
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> e : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(e._1(), e._2());
            }
        }
        return conf;
    }

    private static void sizeComputePool() {
        SparkEnv env = SparkEnv.get();
        if (System.getProperty("koembed.threads") != null || env == null || "driver".equals(env.executorId())) {
            return; // set by hand, not in Spark, or local mode (the driver computes with the machine's cores)
        }
        SparkConf conf = env.conf();
        if (conf.contains("spark.executor.cores")) {
            System.setProperty("koembed.threads", conf.get("spark.executor.cores"));
        }
    }

    private static String where() {
        SparkEnv env = SparkEnv.get();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "an unknown host";
        }
        return (env == null ? "this JVM" : "executor " + env.executorId()) + " on " + host;
    }

    /** Hadoop's message, which names the path ("File hdfs://... does not exist"); the class where it says more. */
    private static String describe(IOException e) {
        return e instanceof java.io.FileNotFoundException || e.getClass() == IOException.class ? e.getMessage()
                : e.toString();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary folder: nothing to do if it cannot go
        }
    }
}
