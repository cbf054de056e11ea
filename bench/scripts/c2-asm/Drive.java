import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Encodes a batch of KorSTS text with one build of koembed-core until C2 has compiled its kernels, printing the
 * seconds of each call (run prints the kernel's machine code from the same JVM).
 *
 * <p>Arguments: CORE_JAR MODEL_DIR SENTENCES_FILE SENTENCES_PER_TEXT BATCH ROUNDS (see run).
 */
public class Drive {
    public static void main(String[] args) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(args[0]).toUri().toURL()},
                Drive.class.getClassLoader());
        Class<?> st = loader.loadClass("io.koembed.st.SentenceTransformer");
        Object model = st.getMethod("load", Path.class).invoke(null, Path.of(args[1]));
        Method encode = st.getMethod("encode", List.class);
        List<String> sentences = Files.readAllLines(Path.of(args[2]));
        int perText = Integer.parseInt(args[3]), batch = Integer.parseInt(args[4]), rounds = Integer.parseInt(args[5]);
        String text = String.join(" ", sentences.subList(0, perText));
        List<String> texts = Collections.nCopies(batch, text);
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            encode.invoke(model, texts);
            System.err.printf("call %d: %.3f s%n", r + 1, (System.nanoTime() - t0) / 1e9);
        }
    }
}
