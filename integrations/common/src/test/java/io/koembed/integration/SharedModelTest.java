package io.koembed.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.koembed.Fixtures;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedModelTest {
    private static final EncodeOptions OPTIONS = EncodeOptions.defaults().withNormalize(true);

    @Test
    void withoutPromptsInItsConfigAModelGetsE5s() {
        try (SharedModel shared = SharedModel.load(Fixtures.model("tiny-xlmr-ko").toString(), WeightPrecision.FLOAT32,
                OPTIONS)) {
            assertEquals(OPTIONS.withPrompt("query: "), shared.forQueries(OPTIONS));
            assertEquals(OPTIONS.withPrompt("passage: "), shared.forPassages(OPTIONS.withPromptName("x")));
        }
    }

    @Test
    void aModelsOwnQueryAndDocumentPromptsWin(@TempDir Path dir) throws IOException {
        Path model = Fixtures.copyModel("tiny-xlmr-ko", dir.resolve("m"), "config_sentence_transformers.json");
        Files.writeString(model.resolve("config_sentence_transformers.json"),
                "{\"prompts\": {\"query\": \"질문: \", \"document\": \"문서: \"}, \"default_prompt_name\": null}");
        try (SentenceTransformer st = SentenceTransformer.load(model)) {
            SharedModel shared = SharedModel.borrow(st, OPTIONS.withPromptName("document"));
            assertEquals(OPTIONS.withPrompt("질문: "), shared.forQueries(OPTIONS));
            assertEquals(OPTIONS.withPrompt("문서: "), shared.forPassages(OPTIONS));
            assertEquals("m", shared.name());

            List<String> texts = List.of("두 사람이 해변을 걷는다.", "해변");
            SharedModel.Embeddings e = shared.encode(texts, shared.forQueries(OPTIONS), null);
            float[][] expected = st.encode(List.of("질문: 두 사람이 해변을 걷는다.", "질문: 해변"), OPTIONS);
            assertArrayEquals(expected[0], e.vectors()[0]);
            assertArrayEquals(expected[1], e.vectors()[1]);
        }
    }

    @Test
    void badSettingsAreNamed() {
        Path fixture = Fixtures.model("tiny-xlmr-ko");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SharedModel.load(fixture.toString(), WeightPrecision.INT8, OPTIONS.withPromptName("query")));
        assertEquals("prompt name 'query' is not among the prompts of " + fixture + " []", e.getMessage());
        try (SharedModel shared = SharedModel.load(fixture.toString(), WeightPrecision.FLOAT32, OPTIONS)) {
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> shared.encode(List.of("x"), OPTIONS, 0));
            assertEquals("dimensions must be between 1 and the model's 64, got 0", zero.getMessage());
        }
    }
}
