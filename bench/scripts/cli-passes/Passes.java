import io.koembed.st.SentenceTransformer;
import io.koembed.st.EncodeOptions;
import java.nio.file.*;
import java.util.*;

/**
 * Loads a model, then encodes the texts (sorted longest first, as encode batches them) in chunks at batch 32,
 * several passes in one JVM, and prints each chunk's seconds per pass: does a fresh process's first pass pay for the
 * JIT beyond its first chunk? Arguments: MODEL_DIR TEXTS_FILE PASSES CHUNK. See run.
 */
public class Passes {
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        SentenceTransformer st = SentenceTransformer.load(Path.of(args[0]));
        System.err.printf("load %.2f s%n", (System.nanoTime() - t0) / 1e9);
        List<String> texts = new ArrayList<>(Files.readAllLines(Path.of(args[1])));
        texts.sort(Comparator.comparingInt(String::length).reversed());
        int passes = Integer.parseInt(args[2]), chunk = Integer.parseInt(args[3]);
        int chunks = (texts.size() + chunk - 1) / chunk;
        double[][] t = new double[passes][chunks];
        for (int p = 0; p < passes; p++) {
            for (int c = 0; c < chunks; c++) {
                long s = System.nanoTime();
                st.encode(texts.subList(c * chunk, Math.min(texts.size(), (c + 1) * chunk)),
                        EncodeOptions.defaults().withBatchSize(32));
                t[p][c] = (System.nanoTime() - s) / 1e9;
            }
        }
        StringBuilder sb = new StringBuilder("chunk");
        for (int p = 0; p < passes; p++) sb.append("\tpass").append(p + 1);
        System.out.println(sb);
        double[] sum = new double[passes];
        for (int c = 0; c < chunks; c++) {
            sb = new StringBuilder(String.valueOf(c));
            for (int p = 0; p < passes; p++) { sb.append(String.format("\t%.3f", t[p][c])); sum[p] += t[p][c]; }
            System.out.println(sb);
        }
        sb = new StringBuilder("total");
        for (int p = 0; p < passes; p++) sb.append(String.format("\t%.2f", sum[p]));
        System.out.println(sb);
    }
}
