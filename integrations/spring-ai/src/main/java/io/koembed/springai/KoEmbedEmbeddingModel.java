package io.koembed.springai;

import io.koembed.integration.ModelBuilder;
import io.koembed.integration.SharedModel;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.BatchingStrategy;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;

/**
 * A Spring AI {@link EmbeddingModel} that embeds in process with a KoEmbed {@link SentenceTransformer}: the same
 * vectors as {@link SentenceTransformer#encode(List, EncodeOptions)} (and so as sentence-transformers in Python),
 * from a model directory or a Hugging Face Hub id, without native code. In a Spring Boot application the
 * {@code koembed-spring-boot-starter} builds it from {@code koembed.*} properties.
 *
 * <pre>{@code
 * try (KoEmbedEmbeddingModel model = KoEmbedEmbeddingModel.builder().model("upskyy/e5-base-korean").build()) {
 *     VectorStore store = SimpleVectorStore.builder(model.forRetrieval()).build();
 *     store.add(List.of(new Document("두 사람이 해변을 걷는다."), new Document("한 남자가 개를 산책시킨다.")));
 *     List<Document> hits = store.similaritySearch(SearchRequest.builder().query("해변을 걷는 사람").topK(1).build());
 * }
 * }</pre>
 *
 * <p><b>Queries and passages.</b> e5 models are trained with {@code "query: "} before questions and
 * {@code "passage: "} before the texts searched. Spring AI's vector stores embed documents with
 * {@link #embed(Document)} / {@link #embed(List, EmbeddingOptions, BatchingStrategy)} and queries with
 * {@link #embed(String)}, so {@link #forRetrieval()} gives documents the passage prompt and texts the query prompt;
 * {@link #forQueries()} and {@link #forPassages()} give one of them to everything. All three share the loaded model.
 * Which prompts: the model's own prompts named {@code query} and {@code passage} (or {@code document}) in its
 * {@code config_sentence_transformers.json}, else e5's {@code "query: "} and {@code "passage: "}. The builder's
 * {@code prompt} / {@code promptName} apply otherwise (none by default).
 *
 * <p>A request's {@link EmbeddingOptions#getDimensions() dimensions} is sentence-transformers' {@code truncate_dim}
 * (the first N dimensions, normalized afterwards if {@code normalize} is on); its {@code model} is not looked at
 * (this is one model). The response's usage counts the tokens the encoder read: special tokens and prompt
 * included, after truncation to the model's {@code max_seq_length}.
 *
 * <p>Thread-safe. The JVM needs {@code --add-modules jdk.incubator.vector} for the fast (SIMD) kernels; without it
 * KoEmbed warns once and computes the same vectors (to float rounding) with its scalar reference kernels, tens of
 * times slower (README, "As a Maven dependency", has the measurement).
 */
public final class KoEmbedEmbeddingModel implements EmbeddingModel, AutoCloseable {

    private final SharedModel shared;
    private final EncodeOptions textOptions;     // texts: call, embed(String), embed(List<String>)
    private final EncodeOptions documentOptions; // Documents: embed(Document), embed(List<Document>, ...)

    private KoEmbedEmbeddingModel(SharedModel shared, EncodeOptions textOptions, EncodeOptions documentOptions) {
        this.shared = shared;
        this.textOptions = textOptions;
        this.documentOptions = documentOptions;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Texts (queries) with the query prompt, documents with the passage prompt: what a vector store needs. */
    public KoEmbedEmbeddingModel forRetrieval() {
        return new KoEmbedEmbeddingModel(shared, shared.forQueries(textOptions), shared.forPassages(textOptions));
    }

    /** Everything with the query prompt (e5's {@code "query: "}); shares the loaded model. */
    public KoEmbedEmbeddingModel forQueries() {
        EncodeOptions o = shared.forQueries(textOptions);
        return new KoEmbedEmbeddingModel(shared, o, o);
    }

    /** Everything with the passage prompt (e5's {@code "passage: "}); shares the loaded model. */
    public KoEmbedEmbeddingModel forPassages() {
        EncodeOptions o = shared.forPassages(textOptions);
        return new KoEmbedEmbeddingModel(shared, o, o);
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        return embed(request.getInstructions(), textOptions, request.getOptions());
    }

    @Override
    public float[] embed(Document document) {
        return embed(List.of(embeddingText(document)), documentOptions, null).getResults().getFirst().getOutput();
    }

    /** Documents in the batches the strategy forms, with the documents' prompt; in input order. */
    @Override
    public List<float[]> embed(List<Document> documents, EmbeddingOptions options, BatchingStrategy batching) {
        List<float[]> out = new ArrayList<>(documents.size());
        for (List<Document> batch : batching.batch(documents)) {
            List<String> texts = batch.stream().map(this::embeddingText).toList();
            for (Embedding e : embed(texts, documentOptions, options).getResults()) {
                out.add(e.getOutput());
            }
        }
        return out;
    }

    private String embeddingText(Document document) {
        String text = getEmbeddingContent(document);
        if (text == null) {
            throw new IllegalArgumentException("document " + document.getId() + " has no text to embed"
                    + (document.getMedia() != null ? " (media documents are not supported)" : ""));
        }
        return text;
    }

    private EmbeddingResponse embed(List<String> texts, EncodeOptions options, EmbeddingOptions request) {
        SharedModel.Embeddings out = shared.encode(texts, options, request == null ? null : request.getDimensions());
        List<Embedding> embeddings = new ArrayList<>(texts.size());
        for (float[] v : out.vectors()) {
            embeddings.add(new Embedding(v, embeddings.size()));
        }
        return new EmbeddingResponse(embeddings,
                new EmbeddingResponseMetadata(shared.name(), new DefaultUsage(out.tokens(), 0)));
    }

    /** The width of the vectors: the model's sentence embedding dimension. */
    @Override
    public int dimensions() {
        return shared.model().dimension();
    }

    /**
     * The name given to {@code model(String)} (a Hub id or a directory), or, for a model passed in, the name of its
     * directory; responses carry it as their model.
     */
    public String modelName() {
        return shared.name();
    }

    /** The loaded model, e.g. for {@code similarity} or options this adapter does not expose. */
    public SentenceTransformer sentenceTransformer() {
        return shared.model();
    }

    /**
     * Closes the model loaded by {@code model(String)}, which this model and its views share: after it none of them
     * embeds. A model passed in with {@code model(SentenceTransformer)} stays open (its owner closes it).
     */
    @Override
    public void close() {
        shared.close();
    }

    /** Settings of a {@link KoEmbedEmbeddingModel}; {@code model} is the only one required. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {}

        /** Loads the model (for {@code model(String)}) and checks the prompt name against it. */
        public KoEmbedEmbeddingModel build() {
            return new KoEmbedEmbeddingModel(open(), options(), options());
        }
    }
}
