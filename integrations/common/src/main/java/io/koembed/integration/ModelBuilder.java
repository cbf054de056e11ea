package io.koembed.integration;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.util.Objects;

/**
 * The settings every KoEmbed adapter's builder has: which model, how it holds its weights, and the options of
 * {@link SentenceTransformer#encode}. {@link #model} is the only one required.
 *
 * @param <B> the adapter's builder, returned by each setter
 */
public abstract class ModelBuilder<B extends ModelBuilder<B>> {
    private String modelId;
    private SentenceTransformer model;
    private WeightPrecision weights = WeightPrecision.FLOAT32;
    private EncodeOptions options = EncodeOptions.defaults().withNormalize(true);

    protected ModelBuilder() {}

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * A model directory (sentence-transformers layout) or a Hugging Face Hub id ({@code org/name} or
     * {@code org/name@revision}, resolved through the huggingface_hub cache); an existing directory of that name
     * wins. Loaded when the adapter is built; the adapter owns it and closes it.
     */
    public B model(String dirOrHubId) {
        this.modelId = Objects.requireNonNull(dirOrHubId, "model");
        this.model = null;
        return self();
    }

    /** A model loaded already; it can be shared with other code, and stays open when the adapter closes. */
    public B model(SentenceTransformer model) {
        this.model = Objects.requireNonNull(model, "model");
        this.modelId = null;
        return self();
    }

    /**
     * How the encoder holds its weights when {@link #model(String)} loads them: float32 (the default, exact),
     * bfloat16 or int8 (half / a quarter of the memory, slightly different vectors).
     */
    public B weights(WeightPrecision weights) {
        this.weights = Objects.requireNonNull(weights, "weights");
        return self();
    }

    /** {@link #weights(WeightPrecision)} by name: float32, bfloat16 or int8 (also fp32, bf16, i8). */
    public B weights(String weights) {
        return weights(WeightPrecision.parse(weights));
    }

    /** Texts per encoder pass (default 32); the vectors do not depend on it. */
    public B batchSize(int batchSize) {
        options = options.withBatchSize(batchSize);
        return self();
    }

    /** L2-normalize the vectors (default true, so that dot product and cosine agree). */
    public B normalize(boolean normalize) {
        options = options.withNormalize(normalize);
        return self();
    }

    /** Text put before every input the adapter embeds without a query / passage role; wins over promptName. */
    public B prompt(String prompt) {
        options = options.withPrompt(prompt);
        return self();
    }

    /** A prompt by its name in the model's {@code config_sentence_transformers.json}, e.g. "query". */
    public B promptName(String promptName) {
        options = options.withPromptName(promptName);
        return self();
    }

    /** The encode options set so far (batch size, normalize, prompt). */
    protected EncodeOptions options() {
        return options;
    }

    /**
     * Loads the model (or takes the one given) and checks the prompt name against it.
     *
     * @throws IllegalStateException if no model was given
     */
    protected SharedModel open() {
        if (model == null && modelId == null) {
            throw new IllegalStateException("no model: set model(dirOrHubId) or model(SentenceTransformer)");
        }
        return model != null ? SharedModel.borrow(model, options) : SharedModel.load(modelId, weights, options);
    }
}
