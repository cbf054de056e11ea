package io.koembed.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.IngestionResult;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.koembed.integration.Reference;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KorSTS sentences through LangChain4j's RAG pieces as an application uses them: ingested as passages into an
 * in-memory store, retrieved for queries. The hits must be those of an exact search over
 * {@link SentenceTransformer#encode}'s vectors, with LangChain4j's relevance score (cosine + 1) / 2. The fixture
 * model's weights are random, so the hits mean nothing; that they are the right ones is what is checked.
 */
class RetrievalTest {
    private static final int K = 5;
    private static final List<String> PASSAGES = Reference.load().sentences();
    private static final List<String> QUERIES = List.of("해변을 걷는 사람", "한 남자가 기타를 연주한다.",
            PASSAGES.get(17), "고양이");
    private static KoEmbedEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = KoEmbedEmbeddingModel.builder().model(Reference.modelDir().toString()).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    record Hit(String text, double score) {}

    /** Exact search over encode's vectors, queries with the query prompt, passages with theirs; LangChain4j's score. */
    static List<List<Hit>> expectedHits() {
        SentenceTransformer st = model.sentenceTransformer();
        EncodeOptions options = EncodeOptions.defaults().withNormalize(true);
        float[][] passages = st.encode(PASSAGES, options.withPrompt("passage: "));
        float[][] queries = st.encode(QUERIES, options.withPrompt("query: "));
        List<List<Hit>> all = new ArrayList<>();
        for (List<Reference.Hit> hits : Reference.exactSearch(queries, passages, K)) {
            all.add(hits.stream().map(h -> new Hit(PASSAGES.get(h.index()), (h.cosine() + 1) / 2)).toList());
        }
        return all;
    }

    static List<List<Hit>> retrieve(ContentRetriever retriever) {
        List<List<Hit>> all = new ArrayList<>();
        for (String q : QUERIES) {
            List<Hit> hits = new ArrayList<>();
            for (Content c : retriever.retrieve(Query.from(q))) {
                hits.add(new Hit(c.textSegment().text(), (Double) c.metadata().get(ContentMetadata.SCORE)));
            }
            all.add(hits);
        }
        return all;
    }

    static void assertSameHits(List<List<Hit>> expected, List<List<Hit>> actual) {
        for (int q = 0; q < expected.size(); q++) {
            assertEquals(K, actual.get(q).size(), "hits for query " + q);
            for (int k = 0; k < K; k++) {
                Hit e = expected.get(q).get(k), a = actual.get(q).get(k);
                assertEquals(e.text(), a.text(), "query " + q + ", hit " + k);
                assertEquals(e.score(), a.score(), 1e-6, "query " + q + ", hit " + k);
            }
        }
    }

    static List<Document> documents() {
        return PASSAGES.stream().map(Document::from).toList();
    }

    @Test
    void passagesInQueriesOutWithTheTwoViews() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        IngestionResult ingested = EmbeddingStoreIngestor.builder()
                .embeddingModel(model.forPassages())
                .embeddingStore(store)
                .build()
                .ingest(documents());
        ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                .embeddingStore(store)
                .embeddingModel(model.forQueries())
                .maxResults(K)
                .build();

        assertSameHits(expectedHits(), retrieve(retriever));
        SentenceTransformer st = model.sentenceTransformer();
        int tokens = PASSAGES.stream()
                .mapToInt(p -> st.tokenize("passage: " + p, EncodeOptions.defaults(), st.maxSeqLength()).length())
                .sum();
        assertEquals(tokens, ingested.tokenUsage().inputTokenCount());
    }

    @Test
    void passagesInQueriesOutWithLangChain4jsInputTypes() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        EmbeddingStoreIngestor.builder()
                .embeddingModel(model)
                .embeddingInputType(EmbeddingInputType.DOCUMENT)
                .embeddingStore(store)
                .build()
                .ingest(documents());
        ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                .embeddingStore(store)
                .embeddingModel(model)
                .embeddingInputType(EmbeddingInputType.QUERY)
                .maxResults(K)
                .build();

        assertSameHits(expectedHits(), retrieve(retriever));
    }
}
