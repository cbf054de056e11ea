import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Two builds of koembed-core in one JVM, each in its own class loader, encoding the same batch in turns: the ratio
 * of their times is far steadier on a shared machine than two runs one after the other. Each build loads the model
 * itself; the text is KorSTS dev sentences joined until the first build's tokenizer counts the asked tokens.
 *
 * <p>Arguments: MODEL_DIR SENTENCES_FILE TOKENS BATCH ROUNDS CORE_JAR_A CORE_JAR_B [WEIGHTS] (see run; WEIGHTS is
 * a WeightPrecision name, FLOAT32 by default).
 */
public class SideBySide {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        List<String> sentences = Files.readAllLines(Path.of(args[1]));
        int tokens = Integer.parseInt(args[2]), batchSize = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        String[] jars = {args[5], args[6]};
        String weights = args.length > 7 ? args[7] : "FLOAT32";
        Object[] models = new Object[2];
        Method[] encode = new Method[2];
        for (int k = 0; k < 2; k++) {
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(jars[k]).toUri().toURL()},
                    SideBySide.class.getClassLoader());
            Class<?> st = loader.loadClass("io.koembed.st.SentenceTransformer");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Class<Enum> precision = (Class<Enum>) loader.loadClass("io.koembed.tensor.WeightPrecision");
            models[k] = st.getMethod("load", Path.class, precision).invoke(null, model, Enum.valueOf(precision, weights));
            encode[k] = st.getMethod("encode", List.class);
        }
        String text = textOf(models[0], sentences, tokens);
        List<String> batch = Collections.nCopies(batchSize, text);
        int warmUp = 3;
        double[][] seconds = new double[2][rounds];
        for (int r = 0; r < warmUp + rounds; r++) {
            for (int turn = 0; turn < 2; turn++) {
                int k = r % 2 == 0 ? turn : 1 - turn; // who goes first alternates
                long t0 = System.nanoTime();
                encode[k].invoke(models[k], batch);
                if (r >= warmUp) {
                    seconds[k][r - warmUp] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        System.out.printf("%d texts of %d tokens, %s weights, %d rounds after %d of warm-up%n", batchSize, tokens,
                weights, rounds, warmUp);
        double[] median = new double[2];
        for (int k = 0; k < 2; k++) {
            double[] s = seconds[k].clone();
            Arrays.sort(s);
            median[k] = s[s.length / 2];
            System.out.printf("%s: median %.3f s (%.2f texts/s), fastest %.3f s%n", k == 0 ? "A" : "B", median[k],
                    batchSize / median[k], s[0]);
        }
        System.out.printf("B / A speed: %.3f%n", median[0] / median[1]);
    }

    /** Sentences joined with spaces, cut to {@code tokens} tokens (special ones included) by the model's tokenizer. */
    private static String textOf(Object model, List<String> sentences, int tokens) throws Exception {
        Method tokenize = model.getClass().getMethod("tokenize", String.class, int.class);
        StringBuilder text = new StringBuilder();
        for (int i = 0; count(tokenize, model, text.toString()) < tokens; i++) {
            text.append(i > 0 ? " " : "").append(sentences.get(i % sentences.size()));
        }
        String s = text.toString();
        while (count(tokenize, model, s) > tokens) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static int count(Method tokenize, Object model, String text) throws Exception {
        Object encoding = tokenize.invoke(model, text, Integer.MAX_VALUE);
        return ((int[]) encoding.getClass().getMethod("ids").invoke(encoding)).length;
    }
}
