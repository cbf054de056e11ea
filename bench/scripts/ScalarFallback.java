import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Times {@code encode} of a file of sentences (one per line) with a model, the way an application embeds: run by
 * bench/scalar-fallback once with and once without {@code --add-modules jdk.incubator.vector}. One untimed warm-up
 * pass over the first batch, then {@code rounds} timed passes over all sentences; prints the median.
 *
 * <p>Usage: {@code java [--add-modules jdk.incubator.vector] -cp CORE_CLASSPATH ScalarFallback.java MODEL FILE ROUNDS}
 */
public class ScalarFallback {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        List<String> sentences = Files.readAllLines(Path.of(args[1]));
        int rounds = Integer.parseInt(args[2]);
        EncodeOptions options = EncodeOptions.defaults().withBatchSize(32).withNormalize(true);
        try (SentenceTransformer st = SentenceTransformer.load(model)) {
            st.encode(sentences.subList(0, Math.min(32, sentences.size())), options);
            double[] seconds = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                st.encode(sentences, options);
                seconds[r] = (System.nanoTime() - t0) / 1e9;
            }
            java.util.Arrays.sort(seconds);
            double median = seconds[rounds / 2];
            boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
            System.out.printf("%s: %d sentences in %.2f s (median of %d), %.1f sentences/s%n",
                    vector ? "Vector API" : "scalar", sentences.size(), median, rounds, sentences.size() / median);
        }
    }
}
