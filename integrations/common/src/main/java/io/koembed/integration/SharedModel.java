package io.koembed.integration;

import io.koembed.hub.HubClient;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.WeightPrecision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one {@link SentenceTransformer} behind a framework adapter and its query / passage views, with the rules the
 * LangChain4j and Spring AI adapters share: which prompts queries and passages get, what the token count of a
 * request is, what {@code dimensions} means, and who closes the model. Encoding itself is
 * {@link SentenceTransformer#encode(List, EncodeOptions)}'s, unchanged.
 */
public final class SharedModel implements AutoCloseable {

    /** e5's prompts, for models whose config names no query / passage prompt. */
    public static final String E5_QUERY_PROMPT = "query: ";
    public static final String E5_PASSAGE_PROMPT = "passage: ";

    private final SentenceTransformer model;
    private final boolean owned;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedModel(SentenceTransformer model, boolean owned, String name) {
        this.model = model;
        this.owned = owned;
        this.name = name;
    }

    /**
     * Loads a model directory or a Hugging Face Hub id ({@code org/name[@revision]}; an existing directory of that
     * name wins), to be closed by {@link #close()}. Its name is {@code dirOrHubId} as given.
     *
     * @param options the adapter's default options: a prompt name in them must be one of the model's prompts
     */
    public static SharedModel load(String dirOrHubId, WeightPrecision weights, EncodeOptions options) {
        Objects.requireNonNull(dirOrHubId, "model");
        SentenceTransformer st = SentenceTransformer.load(HubClient.builder().build().locate(dirOrHubId), weights);
        SharedModel shared = new SharedModel(st, true, dirOrHubId);
        try {
            shared.checkPromptName(options);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
        return shared;
    }

    /**
     * A model loaded by someone else, who closes it; {@link #close()} only stops this adapter from using it. Its
     * name is its directory's.
     */
    public static SharedModel borrow(SentenceTransformer model, EncodeOptions options) {
        Objects.requireNonNull(model, "model");
        SharedModel shared = new SharedModel(model, false, directoryName(model.directory()));
        shared.checkPromptName(options);
        return shared;
    }

    private static String directoryName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    private void checkPromptName(EncodeOptions options) {
        String promptName = options.prompt() == null ? options.promptName() : null;
        if (promptName != null && !model.prompts().containsKey(promptName)) {
            throw new IllegalArgumentException("prompt name '" + promptName + "' is not among the prompts of "
                    + name + " " + model.prompts().keySet());
        }
    }

    public SentenceTransformer model() {
        return model;
    }

    /** The Hub id or directory the model was loaded from, as given; for a borrowed model, its directory's name. */
    public String name() {
        return name;
    }

    /**
     * {@code options} with the query prompt: the model's prompt named {@code query} in its
     * {@code config_sentence_transformers.json}, else e5's {@code "query: "}.
     */
    public EncodeOptions forQueries(EncodeOptions options) {
        return options.withPromptName(null).withPrompt(model.prompts().getOrDefault("query", E5_QUERY_PROMPT));
    }

    /**
     * {@code options} with the passage prompt: the model's prompt named {@code passage} (or {@code document}), else
     * e5's {@code "passage: "}.
     */
    public EncodeOptions forPassages(EncodeOptions options) {
        Map<String, String> prompts = model.prompts();
        return options.withPromptName(null)
                .withPrompt(prompts.getOrDefault("passage", prompts.getOrDefault("document", E5_PASSAGE_PROMPT)));
    }

    /**
     * Embeddings and the number of tokens the encoder read for them (special tokens and prompt included, after
     * truncation to the model's {@code max_seq_length}).
     */
    public record Embeddings(float[][] vectors, int tokens) {}

    /**
     * {@code encode(texts, options)}, with {@code dimensions} (if not null) as sentence-transformers'
     * {@code truncate_dim}: the first N dimensions, normalized afterwards if the options say so.
     *
     * @throws IllegalArgumentException if {@code dimensions} is not between 1 and the model's dimension
     * @throws IllegalStateException    after {@link #close()}
     */
    public Embeddings encode(List<String> texts, EncodeOptions options, Integer dimensions) {
        if (closed.get()) {
            throw new IllegalStateException("the KoEmbed model " + name + " is closed");
        }
        if (dimensions != null) {
            if (dimensions < 1 || dimensions > model.dimension()) {
                throw new IllegalArgumentException("dimensions must be between 1 and the model's "
                        + model.dimension() + ", got " + dimensions);
            }
            options = options.withTruncateDim(dimensions);
        }
        float[][] vectors = model.encode(texts, options);
        int tokens = 0;
        for (String text : texts) {
            // encode's own tokenization once more, counted: microseconds beside the encoder's milliseconds
            tokens += model.tokenize(text, options, model.maxSeqLength()).length();
        }
        return new Embeddings(vectors, tokens);
    }

    /** Closes a loaded model (once, whichever view asks); a borrowed one stays open for its owner. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && owned) {
            model.close();
        }
    }
}
