package io.koembed.springai.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code koembed.*} properties the starter builds its {@link io.koembed.springai.KoEmbedEmbeddingModel} from.
 *
 * @param model            A model directory (sentence-transformers layout) or a Hugging Face Hub id (org/name or
 *                         org/name@revision), loaded through the huggingface_hub cache.
 * @param weights          How the encoder holds its weights: float32 (exact), bfloat16 or int8, as the CLI's
 *                         --weights.
 * @param batchSize        Texts per encoder pass; the vectors do not depend on it.
 * @param normalize        Whether to L2-normalize the vectors.
 * @param prompt           Text put before every input.
 * @param promptName       A prompt by its name in the model's config_sentence_transformers.json.
 * @param retrievalPrompts Whether documents get the passage prompt and query texts the query prompt (the model's
 *                         own, else e5's "passage: " / "query: "), as a vector store wants them from an e5 model.
 *                         Not together with prompt or prompt-name.
 */
@ConfigurationProperties("koembed")
public record KoEmbedProperties(
        @DefaultValue("upskyy/e5-base-korean") String model,
        @DefaultValue("float32") String weights,
        @DefaultValue("32") int batchSize,
        @DefaultValue("true") boolean normalize,
        String prompt,
        String promptName,
        @DefaultValue("false") boolean retrievalPrompts) {
}
