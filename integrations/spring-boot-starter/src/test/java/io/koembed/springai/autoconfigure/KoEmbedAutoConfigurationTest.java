package io.koembed.springai.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.integration.Reference;
import io.koembed.springai.KoEmbedEmbeddingModel;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What each {@code koembed.*} property does to the bean, and when the starter stays out of the way. */
class KoEmbedAutoConfigurationTest {
    private static final String MODEL_DIR = Reference.modelDir().toString();
    private static final List<String> TEXTS = Reference.load().sentences().subList(0, 12);
    private static SentenceTransformer reference;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KoEmbedAutoConfiguration.class))
            .withPropertyValues("koembed.model=" + MODEL_DIR);

    @BeforeAll
    static void load() {
        reference = SentenceTransformer.load(Reference.modelDir());
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    static void assertEmbeds(float[][] expected, EmbeddingModel model) {
        List<float[]> actual = model.embed(TEXTS);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual.get(i), 1e-6f, "vector " + i);
        }
    }

    @Test
    void defaultsAreNormalizedVectorsWithoutPrompt() {
        runner.run(context -> {
            KoEmbedEmbeddingModel model = context.getBean(KoEmbedEmbeddingModel.class);
            assertSame(model, context.getBean(EmbeddingModel.class));
            assertEquals(MODEL_DIR, model.modelName());
            assertEmbeds(reference.encode(TEXTS, EncodeOptions.defaults().withNormalize(true)), model);
        });
    }

    @Test
    void propertiesBecomeEncodeOptions() {
        runner.withPropertyValues("koembed.normalize=false", "koembed.prompt=질문:", "koembed.batch-size=3")
                .run(context -> assertEmbeds(reference.encode(TEXTS, EncodeOptions.defaults().withPrompt("질문:")),
                        context.getBean(EmbeddingModel.class)));
        runner.withPropertyValues("koembed.retrieval-prompts=true").run(context -> {
            EmbeddingModel model = context.getBean(EmbeddingModel.class);
            assertEmbeds(reference.encode(TEXTS, EncodeOptions.defaults().withNormalize(true).withPrompt("query: ")),
                    model);
        });
    }

    @Test
    void weightsPickTheEncodersPrecision() {
        try (SentenceTransformer bf16 = SentenceTransformer.load(Reference.modelDir(), WeightPrecision.BFLOAT16)) {
            float[][] expected = bf16.encode(TEXTS, EncodeOptions.defaults().withNormalize(true));
            runner.withPropertyValues("koembed.weights=bf16")
                    .run(context -> assertEmbeds(expected, context.getBean(EmbeddingModel.class)));
        }
    }

    @Test
    void theModelIsClosedWithTheContext() {
        AtomicReference<EmbeddingModel> bean = new AtomicReference<>();
        runner.run(context -> bean.set(context.getBean(EmbeddingModel.class)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bean.get().embed("해변"));
        assertEquals("the KoEmbed model " + MODEL_DIR + " is closed", e.getMessage());
    }

    @Test
    void anApplicationsOwnEmbeddingModelWins() {
        runner.withBean("mine", EmbeddingModel.class,
                        () -> KoEmbedEmbeddingModel.builder().model(reference).prompt("mine: ").build())
                .run(context -> {
                    assertEquals(List.of("mine"), List.of(context.getBeanNamesForType(EmbeddingModel.class)));
                    assertEmbeds(reference.encode(TEXTS,
                            EncodeOptions.defaults().withNormalize(true).withPrompt("mine: ")),
                            context.getBean(EmbeddingModel.class));
                });
    }

    @Test
    void badSettingsStopTheContextWithTheirName() {
        runner.withPropertyValues("koembed.retrieval-prompts=true", "koembed.prompt=x").run(context -> {
            assertNotNull(context.getStartupFailure());
            assertTrue(rootMessage(context.getStartupFailure()).contains(
                    "koembed.retrieval-prompts=true chooses the prompts itself: leave out koembed.prompt"),
                    rootMessage(context.getStartupFailure()));
        });
        runner.withPropertyValues("koembed.batch-size=0").run(context -> assertEquals(
                "koembed.batch-size must be at least 1, got 0", rootMessage(context.getStartupFailure())));
        runner.withPropertyValues("koembed.prompt-name=query").run(context -> assertEquals(
                "prompt name 'query' is not among the prompts of " + MODEL_DIR + " []",
                rootMessage(context.getStartupFailure())));
        runner.withPropertyValues("koembed.weights=fp64").run(context -> assertEquals(
                "koembed.weights: unknown weight precision 'fp64' (expected float32, bfloat16 or int8)",
                context.getStartupFailure().getCause().getCause().getMessage()));
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
