import io.koembed.search.*;
import io.koembed.st.Similarity;
import java.util.*;

/**
 * Exact search over a FloatCorpus (native memory), timed in a JVM that has or has not scored float[] arrays first
 * (Similarity.DOT.score, 200,000 times), as an application that both scores pairs (Similarity, paraphrase mining,
 * the evaluator, int8 search's rescoring) and searches a float corpus does. Arguments: clean | polluted. See run.
 */
public class SearchPollution {
    public static void main(String[] args) {
        boolean pollute = args[0].equals("polluted");
        Random r = new Random(1);
        int n = 50_000, dim = 768, q = 32;
        float[][] corpus = new float[n][dim], queries = new float[q][dim];
        for (float[] v : corpus) for (int i = 0; i < dim; i++) v[i] = (float) r.nextGaussian();
        for (float[] v : queries) for (int i = 0; i < dim; i++) v[i] = (float) r.nextGaussian();
        if (pollute) {
            float s = 0;
            for (int i = 0; i < 200_000; i++) s += Similarity.DOT.score(queries[i % q], corpus[i % n]);
            if (s == 42) System.out.println(s);
        }
        try (FloatCorpus c = FloatCorpus.of(corpus)) {
            SearchOptions o = SearchOptions.defaults().withTopK(10);
            for (int i = 0; i < 10; i++) SemanticSearch.search(queries, c, o);
            double[] t = new double[15];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                SemanticSearch.search(queries, c, o);
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(t);
            System.out.printf("%s: median %.1f ms per search of %d queries x %d rows%n", args[0], t[t.length / 2],
                    q, n);
        }
    }
}
