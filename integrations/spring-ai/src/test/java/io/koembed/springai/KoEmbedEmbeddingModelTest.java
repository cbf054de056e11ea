package io.koembed.springai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.koembed.integration.Reference;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.TokenCountBatchingStrategy;

/**
 * The adapter gives {@link SentenceTransformer#encode}'s vectors for the options it is built with, in input order,
 * with the token count sentence-transformers' tokenizer gives.
 */
class KoEmbedEmbeddingModelTest {
    private static final Reference REFERENCE = Reference.load();
    private static final String MODEL_DIR = Reference.modelDir().toString();
    private static final EncodeOptions NORMALIZED = EncodeOptions.defaults().withNormalize(true);
    private static KoEmbedEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static void assertRowsEqual(float[][] expected, List<float[]> actual, double tolerance) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual.get(i), (float) tolerance, "vector " + i);
        }
    }

    @Test
    void withoutPromptOrNormalizationTheVectorsAreSentenceTransformersOwn() {
        try (KoEmbedEmbeddingModel raw = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).normalize(false)
                .batchSize(16).build()) {
            EmbeddingResponse response = raw.call(new EmbeddingRequest(REFERENCE.texts(), null));
            List<float[]> vectors = response.getResults().stream().map(e -> e.getOutput()).toList();

            // what Python's sentence-transformers computed, within float32 re-implementation noise
            assertRowsEqual(REFERENCE.embeddings().toArray(new float[0][]), vectors, 1e-4);
            // and exactly what encode gives in Java
            assertRowsEqual(raw.sentenceTransformer().encode(REFERENCE.texts(), EncodeOptions.defaults()), vectors, 1e-6);
            for (int i = 0; i < vectors.size(); i++) {
                assertEquals(i, response.getResults().get(i).getIndex());
            }
            assertEquals(REFERENCE.totalTokens(), response.getMetadata().getUsage().getPromptTokens());
            assertEquals(REFERENCE.totalTokens(), response.getMetadata().getUsage().getTotalTokens());
            assertEquals(MODEL_DIR, response.getMetadata().getModel());
        }
    }

    @Test
    void forRetrievalDocumentsArePassagesAndTextsAreQueries() {
        List<String> texts = REFERENCE.sentences().subList(0, 30);
        List<Document> documents = texts.stream().map(Document::new).toList();
        KoEmbedEmbeddingModel retrieval = model.forRetrieval();
        SentenceTransformer st = model.sentenceTransformer();
        float[][] asPassages = st.encode(texts, NORMALIZED.withPrompt("passage: "));
        float[][] asQueries = st.encode(texts, NORMALIZED.withPrompt("query: "));

        assertRowsEqual(asPassages, retrieval.embed(documents, EmbeddingOptions.builder().build(),
                new TokenCountBatchingStrategy()), 1e-6);
        assertArrayEquals(asPassages[7], retrieval.embed(documents.get(7)), 1e-6f);
        assertRowsEqual(asQueries, retrieval.embed(texts), 1e-6);
        assertArrayEquals(asQueries[7], retrieval.embed(texts.get(7)), 1e-6f);

        // one side for everything
        assertArrayEquals(asQueries[7], model.forQueries().embed(documents.get(7)), 1e-6f);
        assertArrayEquals(asPassages[7], model.forPassages().embed(texts.get(7)), 1e-6f);
        // and no prompt without a view
        assertArrayEquals(st.encode(List.of(texts.get(7)), NORMALIZED)[0],
                model.embed(documents.get(7)), 1e-6f);
    }

    @Test
    void dimensionsTruncatesAsSentenceTransformersTruncateDim() {
        List<String> texts = REFERENCE.sentences().subList(0, 5);
        EmbeddingResponse response = model.call(new EmbeddingRequest(texts,
                EmbeddingOptions.builder().dimensions(16).build()));
        assertRowsEqual(model.sentenceTransformer().encode(texts, NORMALIZED.withTruncateDim(16)),
                response.getResults().stream().map(e -> e.getOutput()).toList(), 1e-6);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.call(
                new EmbeddingRequest(texts, EmbeddingOptions.builder().dimensions(100).build())));
        assertEquals("dimensions must be between 1 and the model's 64, got 100", e.getMessage());
    }

    @Test
    void dimensionsAndNameComeFromTheModel() {
        assertEquals(64, model.dimensions());
        assertEquals(MODEL_DIR, model.modelName());
        try (KoEmbedEmbeddingModel given = KoEmbedEmbeddingModel.builder().model(model.sentenceTransformer()).build()) {
            assertEquals(Reference.MODEL, given.modelName());
        }
    }

    @Test
    void afterCloseItRefusesToEmbed() {
        KoEmbedEmbeddingModel owner = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).build();
        KoEmbedEmbeddingModel view = owner.forRetrieval();
        owner.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> view.embed("해변"));
        assertEquals("the KoEmbed model " + MODEL_DIR + " is closed", e.getMessage());
    }
}
