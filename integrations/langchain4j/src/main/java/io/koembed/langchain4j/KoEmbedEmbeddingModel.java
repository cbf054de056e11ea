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
import io.koembed.integration.ModelBuilder;
import io.koembed.integration.SharedModel;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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
 * KoEmbed warns once and computes the same vectors (to float rounding) with its scalar reference kernels, tens of
 * times slower (README, "As a Maven dependency", has the measurement).
 */
public final class KoEmbedEmbeddingModel implements EmbeddingModel, AutoCloseable {

    private static final Set<EmbeddingParameter<?>> SUPPORTED = Set.of(
            EmbeddingRequestParameters.INPUT_TYPE, EmbeddingRequestParameters.DIMENSIONS);

    private final SharedModel shared;
    private final EncodeOptions options;
    private final EmbeddingInputType inputType; // the default of requests that name none; null: none

    private KoEmbedEmbeddingModel(SharedModel shared, EncodeOptions options, EmbeddingInputType inputType) {
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
        EncodeOptions o = request.inputType() == null ? options : switch (request.inputType()) {
            case QUERY -> shared.forQueries(options);
            case DOCUMENT -> shared.forPassages(options);
        };
        List<String> texts = new ArrayList<>(request.inputs().size());
        for (EmbeddingInput input : request.inputs()) {
            texts.add(input.text());
        }
        SharedModel.Embeddings out = shared.encode(texts, o, request.dimensions());
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        for (float[] v : out.vectors()) {
            embeddings.add(Embedding.from(v));
        }
        return EmbeddingResponse.builder()
                .embeddings(embeddings)
                .metadata(EmbeddingResponseMetadata.builder()
                        .modelName(shared.name())
                        .tokenUsage(new TokenUsage(out.tokens()))
                        .build())
                .build();
    }

    /** The width of the vectors: the model's sentence embedding dimension. */
    @Override
    public int dimension() {
        return shared.model().dimension();
    }

    /**
     * The name given to {@code model(String)} (a Hub id or a directory), or, for a model passed in, the
     * name of its directory.
     */
    @Override
    public String modelName() {
        return shared.name();
    }

    /** The loaded model, e.g. for {@code similarity} or options this adapter does not expose. */
    public SentenceTransformer sentenceTransformer() {
        return shared.model();
    }

    /**
     * Closes the model loaded by {@code model(String)}, which this model and its
     * {@link #forQueries()} / {@link #forPassages()} views share: after it none of them embeds. A model passed in
     * with {@code model(SentenceTransformer)} stays open (its owner closes it).
     */
    @Override
    public void close() {
        shared.close();
    }

    /** Settings of a {@link KoEmbedEmbeddingModel}; {@link #model} is the only one required. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {}

        /** Loads the model (for {@link #model(String)}) and checks the prompt name against it. */
        public KoEmbedEmbeddingModel build() {
            return new KoEmbedEmbeddingModel(open(), options(), null);
        }
    }
}
