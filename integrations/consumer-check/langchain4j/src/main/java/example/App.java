package example;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.CosineSimilarity;
import io.koembed.langchain4j.KoEmbedEmbeddingModel;
import java.util.Arrays;
import java.util.List;

/**
 * Embeds two passages and a query with the model given as the first argument, and prints their cosines and the
 * vectors.
 */
public class App {
    public static void main(String[] args) {
        try (KoEmbedEmbeddingModel model = KoEmbedEmbeddingModel.builder().model(args[0]).build()) {
            List<TextSegment> passages = List.of(TextSegment.from("두 사람이 해변을 걷는다."),
                    TextSegment.from("한 남자가 해변에서 개를 산책시킨다."));
            Response<List<Embedding>> p = model.forPassages().embedAll(passages);
            Embedding q = model.forQueries().embed("해변을 걷는 사람").content();
            StringBuilder out = new StringBuilder("koembed-langchain4j: " + model.modelName() + ", dimension "
                    + model.dimension() + ", " + p.tokenUsage().inputTokenCount() + " passage tokens, cosines");
            for (Embedding e : p.content()) {
                if (e.dimension() != model.dimension()) {
                    throw new IllegalStateException("dimension " + e.dimension() + ", expected " + model.dimension());
                }
                out.append(String.format(" %.4f", CosineSimilarity.between(q, e)));
            }
            System.out.println(out);
            // the vectors themselves, for the script to compare runs with and without the Vector API
            for (Embedding e : List.of(q, p.content().get(0), p.content().get(1))) {
                System.out.println("vector " + Arrays.toString(e.vector()).replaceAll("[\\[\\],]", ""));
            }
        }
    }
}
