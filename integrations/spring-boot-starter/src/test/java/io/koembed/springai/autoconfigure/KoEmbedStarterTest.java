package io.koembed.springai.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.koembed.integration.Reference;
import io.koembed.springai.KoEmbedEmbeddingModel;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;
import org.springframework.ai.vectorstore.VectorStore;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

/**
 * An application that only adds the starter and sets {@code koembed.*}: the model is autowired as Spring AI's
 * {@link EmbeddingModel}, and documents round-trip through a {@link SimpleVectorStore} built on it, with the hits
 * of an exact search over {@link SentenceTransformer#encode}'s vectors.
 */
@SpringBootTest(properties = {
        "koembed.model=${koembed.testdata}/fixtures/tiny-xlmr-ko",
        "koembed.retrieval-prompts=true",
        "koembed.batch-size=8",
        "logging.level.org.springframework.ai.vectorstore=WARN"})
class KoEmbedStarterTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        VectorStore vectorStore(EmbeddingModel embeddingModel) {
            return SimpleVectorStore.builder(embeddingModel).build();
        }
    }

    @Autowired
    EmbeddingModel embeddingModel;

    @Autowired
    VectorStore vectorStore;

    @Test
    void documentsRoundTripThroughTheVectorStore() {
        KoEmbedEmbeddingModel model = assertInstanceOf(KoEmbedEmbeddingModel.class, embeddingModel);
        assertEquals(64, embeddingModel.dimensions());

        List<String> passages = Reference.load().sentences().subList(0, 120);
        vectorStore.add(passages.stream().map(Document::new).toList());
        List<String> queries = List.of("해변을 걷는 사람", passages.get(3));

        SentenceTransformer st = model.sentenceTransformer();
        EncodeOptions options = EncodeOptions.defaults().withNormalize(true);
        List<List<Reference.Hit>> expected = Reference.exactSearch(st.encode(queries, options.withPrompt("query: ")),
                st.encode(passages, options.withPrompt("passage: ")), 3);
        for (int q = 0; q < queries.size(); q++) {
            List<Document> hits = vectorStore.similaritySearch(SearchRequest.builder().query(queries.get(q)).topK(3)
                    .build());
            for (int k = 0; k < 3; k++) {
                Reference.Hit e = expected.get(q).get(k);
                assertEquals(passages.get(e.index()), hits.get(k).getText(), "query " + q + ", hit " + k);
                assertEquals(e.cosine(), hits.get(k).getScore(), 1e-6, "query " + q + ", hit " + k);
            }
        }
    }
}
