package io.koembed.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI embedding client, unchanged, with its base URL pointed at the server. */
class OpenAiClientTest {

    @Test
    void langChain4jOpenAiEmbeddingModelWorksUnchanged() throws Exception {
        try (SentenceTransformer model = SentenceTransformer.load(Http.MODEL);
             EmbeddingServer server = EmbeddingServer.start(model,
                     ServerOptions.defaults("tiny-xlmr-ko").withPort(0).withApiKey("sk-test-key"))) {
            OpenAiEmbeddingModel client = OpenAiEmbeddingModel.builder()
                    .baseUrl(server.uri() + "/v1").apiKey("sk-test-key").modelName("tiny-xlmr-ko").build();
            List<String> texts = EmbeddingServerTest.TEXTS;
            List<Embedding> got = client.embedAll(texts.stream().map(TextSegment::from).toList()).content();
            float[][] expected = model.encode(texts, EncodeOptions.defaults().withNormalize(true));
            assertEquals(texts.size(), got.size());
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(expected[i], got.get(i).vector(), 1e-6f, texts.get(i));
            }

            OpenAiEmbeddingModel small = OpenAiEmbeddingModel.builder().baseUrl(server.uri() + "/v1")
                    .apiKey("sk-test-key").modelName("tiny-xlmr-ko").dimensions(16).build();
            float[] cut = small.embed(texts.get(0)).content().vector();
            assertArrayEquals(model.encode(List.of(texts.get(0)), EncodeOptions.defaults().withTruncateDim(16)
                    .withNormalize(true))[0], cut, 1e-6f);

            OpenAiEmbeddingModel wrongKey = OpenAiEmbeddingModel.builder().baseUrl(server.uri() + "/v1")
                    .apiKey("sk-wrong").modelName("tiny-xlmr-ko").maxRetries(0).build();
            RuntimeException refused = assertThrows(RuntimeException.class, () -> wrongKey.embed("x"));
            assertEquals(true, refused.getMessage().contains("invalid API key"), refused.getMessage());
        }
    }
}
