package io.koembed.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.output.Response;
import io.koembed.integration.Reference;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.TokenizerFuzz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The adapter gives {@link SentenceTransformer#encode}'s vectors for the options it is built with, in input order,
 * with the token count sentence-transformers' tokenizer gives.
 */
class KoEmbedEmbeddingModelTest {
    private static final Reference REFERENCE = Reference.load();
    private static final String MODEL_DIR = Reference.modelDir().toString();
    private static KoEmbedEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).batchSize(16).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static List<TextSegment> segments(List<String> texts) {
        return texts.stream().map(TextSegment::from).toList();
    }

    static void assertVectorsEqual(float[][] expected, List<Embedding> actual, double tolerance) {
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            float[] a = actual.get(i).vector();
            assertEquals(expected[i].length, a.length, "dimension of vector " + i);
            for (int d = 0; d < a.length; d++) {
                assertEquals(expected[i][d], a[d], tolerance, "vector " + i + ", dimension " + d);
            }
        }
    }

    @Test
    void withoutPromptOrNormalizationTheVectorsAreSentenceTransformersOwn() {
        try (KoEmbedEmbeddingModel raw = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).normalize(false).build()) {
            Response<List<Embedding>> response = raw.embedAll(segments(REFERENCE.texts()));

            // what Python's sentence-transformers computed, within float32 re-implementation noise
            assertVectorsEqual(REFERENCE.embeddings().toArray(new float[0][]), response.content(), 1e-4);
            // and exactly what encode gives in Java
            float[][] encoded = raw.sentenceTransformer().encode(REFERENCE.texts(), EncodeOptions.defaults());
            assertVectorsEqual(encoded, response.content(), 1e-6);
            // every token encode read (the three long texts cut at 128), as Python's tokenizer counts them
            assertEquals(REFERENCE.totalTokens(), response.tokenUsage().inputTokenCount());
            assertEquals(REFERENCE.totalTokens(), response.tokenUsage().totalTokenCount());
        }
    }

    @Test
    void vectorsAreNormalizedByDefault() {
        List<String> texts = REFERENCE.sentences().subList(0, 40);
        Response<List<Embedding>> response = model.embedAll(segments(texts));

        float[][] expected = model.sentenceTransformer().encode(texts, EncodeOptions.defaults().withNormalize(true));
        assertVectorsEqual(expected, response.content(), 1e-6);
        for (Embedding e : response.content()) {
            double norm = 0;
            for (float x : e.vector()) {
                norm += x * x;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-6);
        }
    }

    @Test
    void queriesAndPassagesGetE5PromptsOverTheSameModel() throws IOException {
        List<String> texts = REFERENCE.sentences().subList(0, 20);
        KoEmbedEmbeddingModel queries = model.forQueries();
        KoEmbedEmbeddingModel passages = model.forPassages();
        assertSame(model.sentenceTransformer(), queries.sentenceTransformer());
        assertSame(model.sentenceTransformer(), passages.sentenceTransformer());

        SentenceTransformer st = model.sentenceTransformer();
        EncodeOptions normalized = EncodeOptions.defaults().withNormalize(true);
        float[][] asQueries = st.encode(texts, normalized.withPrompt("query: "));
        float[][] asPassages = st.encode(texts, normalized.withPrompt("passage: "));
        Response<List<Embedding>> q = queries.embedAll(segments(texts));
        Response<List<Embedding>> p = passages.embedAll(segments(texts));
        assertVectorsEqual(asQueries, q.content(), 1e-6);
        assertVectorsEqual(asPassages, p.content(), 1e-6);
        assertVectorsEqual(asQueries, List.of(queries.embed(texts.get(3)).content()), 1e-6, 3);

        // the prompt's tokens are counted, as the Rust tokenizers library counts them
        assertEquals(rustTokens("query: ", texts), q.tokenUsage().inputTokenCount());
        assertEquals(rustTokens("passage: ", texts), p.tokenUsage().inputTokenCount());
    }

    /** Tokens (special tokens included) of each text with the prompt before it, by Hugging Face's Rust tokenizer. */
    static int rustTokens(String prompt, List<String> texts) throws IOException {
        Path tokenizerJson = Reference.modelDir().resolve("tokenizer.json");
        try (HuggingFaceTokenizer rust = TokenizerFuzz.reference(tokenizerJson)) {
            return texts.stream().mapToInt(t -> rust.encode(prompt + t).getIds().length).sum();
        }
    }

    /** One embedding of {@code actual} against row {@code row} of {@code expected}. */
    static void assertVectorsEqual(float[][] expected, List<Embedding> actual, double tolerance, int row) {
        assertVectorsEqual(new float[][] {expected[row]}, actual, tolerance);
    }

    @Test
    void aRequestsInputTypeChoosesThePrompt() {
        List<String> texts = REFERENCE.sentences().subList(20, 30);
        EmbeddingResponse asQuery = model.embed(EmbeddingRequest.builder().textSegments(segments(texts))
                .inputType(EmbeddingInputType.QUERY).build());
        assertVectorsEqual(model.forQueries().embedAll(segments(texts)).content().toArray(new Embedding[0]),
                asQuery.embeddings());
        // a request's own input type wins over the view's default
        EmbeddingResponse asDocument = model.forQueries().embed(EmbeddingRequest.builder()
                .textSegments(segments(texts)).inputType(EmbeddingInputType.DOCUMENT).build());
        assertVectorsEqual(model.forPassages().embedAll(segments(texts)).content().toArray(new Embedding[0]),
                asDocument.embeddings());
        assertEquals(model.modelName(), asDocument.modelName());
    }

    static void assertVectorsEqual(Embedding[] expected, List<Embedding> actual) {
        float[][] rows = new float[expected.length][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = expected[i].vector();
        }
        assertVectorsEqual(rows, actual, 0);
    }

    @Test
    void aBuilderPromptGoesBeforeTextsWithoutInputType() {
        List<String> texts = REFERENCE.sentences().subList(30, 35);
        try (KoEmbedEmbeddingModel prompted = KoEmbedEmbeddingModel.builder()
                .model(model.sentenceTransformer()).prompt("질문: ").normalize(false).build()) {
            float[][] expected = model.sentenceTransformer().encode(texts,
                    EncodeOptions.defaults().withPrompt("질문: "));
            assertVectorsEqual(expected, prompted.embedAll(segments(texts)).content(), 1e-6);
        }
    }

    @Test
    void dimensionsTruncatesAsSentenceTransformersTruncateDim() {
        List<String> texts = REFERENCE.sentences().subList(0, 5);
        EmbeddingResponse response = model.embed(EmbeddingRequest.builder().textSegments(segments(texts))
                .dimensions(16).build());
        float[][] expected = model.sentenceTransformer().encode(texts,
                EncodeOptions.defaults().withNormalize(true).withTruncateDim(16));
        assertVectorsEqual(expected, response.embeddings(), 1e-6);

        IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class, () -> model.embed(
                EmbeddingRequest.builder().input("x").dimensions(65).build()));
        assertEquals("dimensions must be between 1 and the model's 64, got 65", tooWide.getMessage());
    }

    @Test
    void otherRequestParametersAreRefusedNotIgnored() {
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> model.embed(
                EmbeddingRequest.builder().input("x").modelName("text-embedding-3-small").build()));
        assertTrue(e.getMessage().contains("modelName"), e.getMessage());
    }

    @Test
    void dimensionAndModelNameComeFromTheModel() {
        assertEquals(64, model.dimension());
        assertEquals(MODEL_DIR, model.modelName());
        try (KoEmbedEmbeddingModel given = KoEmbedEmbeddingModel.builder().model(model.sentenceTransformer()).build()) {
            assertEquals(Reference.MODEL, given.modelName());
        }
        assertEquals(0, model.embedAll(List.of()).content().size());
    }

    @Test
    void anUnknownPromptNameIsRefusedAtBuildTime() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KoEmbedEmbeddingModel.builder().model(model.sentenceTransformer()).promptName("query").build());
        assertEquals("prompt name 'query' is not among the prompts of tiny-xlmr-ko []", e.getMessage());
        assertThrows(IllegalStateException.class, () -> KoEmbedEmbeddingModel.builder().build());
        assertThrows(IllegalArgumentException.class, () -> KoEmbedEmbeddingModel.builder().weights("fp64"));
    }

    @Test
    void closingAnyViewClosesTheModelTheyShare() {
        KoEmbedEmbeddingModel owner = KoEmbedEmbeddingModel.builder().model(MODEL_DIR).weights("bfloat16").build();
        KoEmbedEmbeddingModel queries = owner.forQueries();
        assertEquals(64, queries.embed("해변을 걷는 사람").content().dimension());
        queries.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> owner.embed("해변을 걷는 사람"));
        assertEquals("the KoEmbed model " + MODEL_DIR + " is closed", e.getMessage());
        owner.close(); // once more: nothing happens

        // a model passed in stays usable after the adapter closes
        KoEmbedEmbeddingModel borrowed = KoEmbedEmbeddingModel.builder().model(model.sentenceTransformer()).build();
        borrowed.close();
        assertFalse(model.embed("해변을 걷는 사람").content().vectorAsList().isEmpty());
    }
}
