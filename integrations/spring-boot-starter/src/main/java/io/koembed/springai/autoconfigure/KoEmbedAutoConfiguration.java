package io.koembed.springai.autoconfigure;

import io.koembed.springai.KoEmbedEmbeddingModel;
import io.koembed.tensor.WeightPrecision;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A Spring AI {@link EmbeddingModel} bean from {@code koembed.*} properties ({@link KoEmbedProperties}), unless the
 * application defines an {@code EmbeddingModel} of its own. The model is loaded once, when the bean is made, and
 * closed with the application context.
 */
@AutoConfiguration
@EnableConfigurationProperties(KoEmbedProperties.class)
public class KoEmbedAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(EmbeddingModel.class)
    public KoEmbedEmbeddingModel koembedEmbeddingModel(KoEmbedProperties properties) {
        if (properties.batchSize() < 1) {
            throw new IllegalArgumentException("koembed.batch-size must be at least 1, got " + properties.batchSize());
        }
        if (properties.retrievalPrompts() && (properties.prompt() != null || properties.promptName() != null)) {
            throw new IllegalArgumentException("koembed.retrieval-prompts=true chooses the prompts itself: leave out "
                    + (properties.prompt() != null ? "koembed.prompt" : "koembed.prompt-name"));
        }
        WeightPrecision weights;
        try {
            weights = WeightPrecision.parse(properties.weights());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("koembed.weights: " + e.getMessage(), e);
        }
        KoEmbedEmbeddingModel model = KoEmbedEmbeddingModel.builder()
                .model(properties.model())
                .weights(weights)
                .batchSize(properties.batchSize())
                .normalize(properties.normalize())
                .prompt(properties.prompt())
                .promptName(properties.promptName())
                .build();
        return properties.retrievalPrompts() ? model.forRetrieval() : model;
    }
}
