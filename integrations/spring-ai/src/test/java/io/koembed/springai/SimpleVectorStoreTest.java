package io.koembed.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.koembed.integration.Reference;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;

/**
 * KorSTS sentences through Spring AI's SimpleVectorStore as an application uses it: added as documents, searched
 * with queries. The hits must be those of an exact search over {@link SentenceTransformer#encode}'s vectors
 * (passages with "passage: ", queries with "query: "), with their cosine as the score. The fixture model's weights
 * are random, so the hits mean nothing; that they are the right ones is what is checked.
 */
class SimpleVectorStoreTest {
    private static final int K = 5;

    @Test
    void documentsInQueriesOut() {
        List<String> passages = Reference.load().sentences();
        List<String> queries = List.of("해변을 걷는 사람", "한 남자가 기타를 연주한다.", passages.get(17), "고양이");
        try (KoEmbedEmbeddingModel model = KoEmbedEmbeddingModel.builder()
                .model(Reference.modelDir().toString()).build()) {
            SimpleVectorStore store = SimpleVectorStore.builder(model.forRetrieval()).build();
            store.add(passages.stream().map(Document::new).toList());

            SentenceTransformer st = model.sentenceTransformer();
            EncodeOptions options = EncodeOptions.defaults().withNormalize(true);
            List<List<Reference.Hit>> expected = Reference.exactSearch(
                    st.encode(queries, options.withPrompt("query: ")),
                    st.encode(passages, options.withPrompt("passage: ")), K);
            for (int q = 0; q < queries.size(); q++) {
                List<Document> hits = store.similaritySearch(SearchRequest.builder().query(queries.get(q)).topK(K)
                        .build());
                assertEquals(K, hits.size(), "hits for query " + q);
                for (int k = 0; k < K; k++) {
                    Reference.Hit e = expected.get(q).get(k);
                    assertEquals(passages.get(e.index()), hits.get(k).getText(), "query " + q + ", hit " + k);
                    assertEquals(e.cosine(), hits.get(k).getScore(), 1e-6, "query " + q + ", hit " + k);
                }
            }
        }
    }
}
