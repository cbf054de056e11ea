package io.koembed.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingParameter;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import io.koembed.hub.HubClient;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A LangChain4j {@link EmbeddingModel} that embeds in process with a KoEmbed {@link SentenceTransformer}: the same
 * vectors as {@link SentenceTransformer#encode(List, EncodeOptions)} (and so as sentence-transformers in Python),
 * from a model directory or a Hugging Face Hub id, without native code.
 *
 * <pre>{@code
 * try (KoEmbedEmbeddingModel model = KoEmbedEmbeddingModel.builder().model("upskyy/e5-base-korean").build()) {
 *     EmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
 *     EmbeddingStoreIngestor.builder().embeddingModel(model.forPassages()).embeddingStore(store).build()
 *             .ingest(documents);
 *     ContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
 *             .embeddingStore(store).embeddingModel(model.forQueries()).maxResults(5).build();
 *     List<Content> hits = retriever.retrieve(Query.from("해변을 걷는 사람"));
 * }
 * }</pre>
 *
 * <p><b>Queries and passages.</b> e5 models are trained with {@code "query: "} before questions and
 * {@code "passage: "} before the texts searched. {@link #forQueries()} and {@link #forPassages()} give the two sides
 * over the one loaded model. The same happens for a request that carries LangChain4j's
 * {@link EmbeddingInputType} ({@code QUERY} or {@code DOCUMENT}, e.g. set with
 * {@code EmbeddingStoreIngestor.builder().embeddingInputType(...)}). Which prompts: the model's own prompts named
 * {@code query} and {@code passage} (or {@code document}) in its {@code config_sentence_transformers.json}, else
 * e5's {@code "query: "} and {@code "passage: "}. Without an input type, the builder's {@code prompt} /
 * {@code promptName} apply (none by default).
 *
 * <p>Per-call parameters honoured: {@code inputType}, and {@code dimensions} (sentence-transformers'
 * {@code truncate_dim}: the first N dimensions, normalized afterwards if {@code normalize} is on). Any other
 * parameter is refused by LangChain4j before the model is asked.
 *
 * <p>The response's {@link TokenUsage} counts the tokens the encoder read: special tokens and prompt included,
 * after truncation to the model's {@code max_seq_length}.
 *
 * <p>Thread-safe. The JVM needs {@code --add-modules jdk.incubator.vector} for the fast (SIMD) kernels; without it
 * KoEmbed warns once and computes the same vectors with its scalar kernels, several times slower.
 */
public final class KoEmbedEmbeddingModel implements EmbeddingModel, AutoCloseable {

    /** e5's prompts, for models whose config names no query / passage prompt. */
    static final String E5_QUERY_PROMPT = "query: ";
    static final String E5_PASSAGE_PROMPT = "passage: ";

    private static final Set<EmbeddingParameter<?>> SUPPORTED = Set.of(
            EmbeddingRequestParameters.INPUT_TYPE, EmbeddingRequestParameters.DIMENSIONS);

    /** The model all views from {@link #forQueries()} / {@link #forPassages()} share, and who closes it. */
    private static final class Shared {
        final SentenceTransformer model;
        final boolean owned;
        final String name;
        final AtomicBoolean closed = new AtomicBoolean();

        Shared(SentenceTransformer model, boolean owned, String name) {
            this.model = model;
            this.owned = owned;
            this.name = name;
        }
    }

    private final Shared shared;
    private final EncodeOptions options;
    private final EmbeddingInputType inputType; // the default of requests that name none; null: none

    private KoEmbedEmbeddingModel(Shared shared, EncodeOptions options, EmbeddingInputType inputType) {
        this.shared = shared;
        this.options = options;
        this.inputType = inputType;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This model with its requests taken as queries (e5's {@code "query: "}); shares the loaded model. */
    public KoEmbedEmbeddingModel forQueries() {
        return new KoEmbedEmbeddingModel(shared, options, EmbeddingInputType.QUERY);
    }

    /** This model with its requests taken as passages (e5's {@code "passage: "}); shares the loaded model. */
    public KoEmbedEmbeddingModel forPassages() {
        return new KoEmbedEmbeddingModel(shared, options, EmbeddingInputType.DOCUMENT);
    }

    /** The options {@code encode} runs with for a request of this input type (null: the builder's prompt). */
    private EncodeOptions encodeOptions(EmbeddingInputType type) {
        if (type == null) {
            return options;
        }
        var prompts = shared.model.prompts();
        String prompt = switch (type) {
            case QUERY -> prompts.getOrDefault("query", E5_QUERY_PROMPT);
            case DOCUMENT -> prompts.getOrDefault("passage", prompts.getOrDefault("document", E5_PASSAGE_PROMPT));
        };
        return options.withPromptName(null).withPrompt(prompt);
    }

    @Override
    public EmbeddingRequestParameters defaultRequestParameters() {
        return inputType == null ? EmbeddingRequestParameters.EMPTY
                : EmbeddingRequestParameters.builder().inputType(inputType).build();
    }

    @Override
    public Set<EmbeddingParameter<?>> supportedParameters() {
        return SUPPORTED;
    }

    @Override
    public EmbeddingResponse doEmbed(EmbeddingRequest request) {
        checkOpen();
        SentenceTransformer model = shared.model;
        EncodeOptions o = encodeOptions(request.inputType());
        Integer dimensions = request.dimensions();
        if (dimensions != null) {
            if (dimensions < 1 || dimensions > model.dimension()) {
                throw new IllegalArgumentException("dimensions must be between 1 and the model's "
                        + model.dimension() + ", got " + dimensions);
            }
            o = o.withTruncateDim(dimensions);
        }
        List<String> texts = new ArrayList<>(request.inputs().size());
        for (EmbeddingInput input : request.inputs()) {
            texts.add(input.text());
        }
        float[][] vectors = model.encode(texts, o);
        List<Embedding> embeddings = new ArrayList<>(vectors.length);
        int tokens = 0;
        for (int i = 0; i < vectors.length; i++) {
            embeddings.add(Embedding.from(vectors[i]));
            // what encode read: the same tokenization, counted (a few microseconds beside the encoder's work)
            tokens += model.tokenize(texts.get(i), o, model.maxSeqLength()).length();
        }
        return EmbeddingResponse.builder()
                .embeddings(embeddings)
                .metadata(EmbeddingResponseMetadata.builder()
                        .modelName(shared.name)
                        .tokenUsage(new TokenUsage(tokens))
                        .build())
                .build();
    }

    /** The width of the vectors: the model's sentence embedding dimension. */
    @Override
    public int dimension() {
        return shared.model.dimension();
    }

    /**
     * The name given to {@link Builder#model(String)} (a Hub id or a directory), or, for a model passed in, the
     * name of its directory.
     */
    @Override
    public String modelName() {
        return shared.name;
    }

    /** The loaded model, e.g. for {@code similarity} or options this adapter does not expose. */
    public SentenceTransformer sentenceTransformer() {
        return shared.model;
    }

    /**
     * Closes the model loaded by {@link Builder#model(String)}, which this model and its
     * {@link #forQueries()} / {@link #forPassages()} views share: after it none of them embeds. A model passed in
     * with {@link Builder#model(SentenceTransformer)} stays open (its owner closes it).
     */
    @Override
    public void close() {
        if (shared.closed.compareAndSet(false, true) && shared.owned) {
            shared.model.close();
        }
    }

    private void checkOpen() {
        if (shared.closed.get()) {
            throw new IllegalStateException("KoEmbedEmbeddingModel for " + shared.name + " is closed");
        }
    }

    /** Settings of a {@link KoEmbedEmbeddingModel}; {@link #model} is the only one required. */
    public static final class Builder {
        private String modelId;
        private SentenceTransformer model;
        private WeightPrecision weights = WeightPrecision.FLOAT32;
        private EncodeOptions options = EncodeOptions.defaults().withNormalize(true);

        private Builder() {}

        /**
         * A model directory (sentence-transformers layout) or a Hugging Face Hub id ({@code org/name} or
         * {@code org/name@revision}, resolved through the huggingface_hub cache); an existing directory of that
         * name wins. Loaded by {@link #build()}; the built model owns it and closes it.
         */
        public Builder model(String dirOrHubId) {
            this.modelId = Objects.requireNonNull(dirOrHubId, "model");
            this.model = null;
            return this;
        }

        /** A model loaded already; it can be shared with other code, and stays open when this one closes. */
        public Builder model(SentenceTransformer model) {
            this.model = Objects.requireNonNull(model, "model");
            this.modelId = null;
            return this;
        }

        /**
         * How the encoder holds its weights when {@link #model(String)} loads them: float32 (the default, exact),
         * bfloat16 or int8 (half / a quarter of the memory, slightly different vectors).
         */
        public Builder weights(WeightPrecision weights) {
            this.weights = Objects.requireNonNull(weights, "weights");
            return this;
        }

        /** {@link #weights(WeightPrecision)} by name: float32, bfloat16 or int8. */
        public Builder weights(String weights) {
            return weights(WeightPrecision.parse(weights));
        }

        /** Texts per encoder pass (default 32); the results do not depend on it. */
        public Builder batchSize(int batchSize) {
            options = options.withBatchSize(batchSize);
            return this;
        }

        /** L2-normalize the vectors (default true, so that dot product and cosine agree). */
        public Builder normalize(boolean normalize) {
            options = options.withNormalize(normalize);
            return this;
        }

        /** Text put before every input that comes without an input type; wins over {@link #promptName}. */
        public Builder prompt(String prompt) {
            options = options.withPrompt(prompt);
            return this;
        }

        /** A prompt by its name in the model's {@code config_sentence_transformers.json}, e.g. "query". */
        public Builder promptName(String promptName) {
            options = options.withPromptName(promptName);
            return this;
        }

        /**
         * Loads the model (for {@link #model(String)}) and checks the prompt name against it.
         *
         * @throws IllegalStateException if no model was given
         */
        public KoEmbedEmbeddingModel build() {
            if (model == null && modelId == null) {
                throw new IllegalStateException("KoEmbedEmbeddingModel.builder(): set model(dirOrHubId) or "
                        + "model(SentenceTransformer)");
            }
            SentenceTransformer st = model;
            String name;
            if (st == null) {
                st = SentenceTransformer.load(HubClient.builder().build().locate(modelId), weights);
                name = modelId;
            } else {
                name = directoryName(st.directory());
            }
            Shared shared = new Shared(st, model == null, name);
            String promptName = options.prompt() == null ? options.promptName() : null;
            if (promptName != null && !st.prompts().containsKey(promptName)) {
                if (shared.owned) {
                    st.close();
                }
                throw new IllegalArgumentException("prompt name '" + promptName + "' is not among the prompts of "
                        + name + " " + st.prompts().keySet());
            }
            return new KoEmbedEmbeddingModel(shared, options, null);
        }

        private static String directoryName(Path dir) {
            Path name = dir.toAbsolutePath().normalize().getFileName();
            return name == null ? dir.toString() : name.toString();
        }
    }
}
