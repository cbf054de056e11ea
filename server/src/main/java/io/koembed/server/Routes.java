package io.koembed.server;

import io.koembed.server.ApiTypes.EmbedRequest;
import io.koembed.server.ApiTypes.EmbedResponse;
import io.koembed.server.ApiTypes.EmbeddingModel;
import io.koembed.server.ApiTypes.Info;
import io.koembed.server.ApiTypes.Input;
import io.koembed.server.ApiTypes.ModelType;
import io.koembed.server.ApiTypes.OpenAiEmbedRequest;
import io.koembed.server.ApiTypes.OpenAiEmbedResponse;
import io.koembed.server.ApiTypes.OpenAiEmbedding;
import io.koembed.server.ApiTypes.SimilarityRequest;
import io.koembed.server.ApiTypes.SimilarityResponse;
import io.koembed.server.ApiTypes.SimpleToken;
import io.koembed.server.ApiTypes.TokenizeRequest;
import io.koembed.server.ApiTypes.TokenizeResponse;
import io.koembed.server.ApiTypes.Usage;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.st.Similarity;
import io.koembed.tokenize.common.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The endpoints: a request record in ({@link ApiTypes}), an answer record out, as text-embeddings-inference
 * ({@code /embed}, {@code /similarity}, {@code /tokenize}, {@code /info}, {@code /health}) and OpenAI
 * ({@code /v1/embeddings}) define them. HTTP itself (methods, bodies, keys, error bodies) is {@link ApiHandler}'s
 * business.
 */
final class Routes {
    private final Embedder embedder;
    private final SentenceTransformer model;
    private final ServerOptions options;
    private final Info info;

    Routes(Embedder embedder, ServerOptions options, int maxInputLength) {
        this.embedder = embedder;
        this.model = embedder.model();
        this.options = options;
        this.info = infoOf(model, options, maxInputLength);
    }

    /** TEI {@code POST /embed}. */
    EmbedResponse embed(RequestBody body) {
        EmbedRequest request = EmbedRequest.read(body, options.autoTruncate(), model.dimension());
        return new EmbedResponse(embedder.embed(request.inputs(), request.options(), "inputs").embeddings());
    }

    /**
     * OpenAI {@code POST /v1/embeddings}: always normalized (OpenAI's vectors have length 1, and a {@code dimensions}
     * cut is normalized again), cut to the model's limit only with {@code --auto-truncate}, as TEI does.
     */
    OpenAiEmbedResponse openAiEmbeddings(RequestBody body) {
        OpenAiEmbedRequest request = OpenAiEmbedRequest.read(body, model.dimension());
        Embedder.Result result = embedder.embed(request.input(),
                new Embedder.Request(options.autoTruncate(), null, true, request.dimensions()), "input");
        List<OpenAiEmbedding> data = new ArrayList<>();
        for (int i = 0; i < result.embeddings().length; i++) {
            float[] v = result.embeddings()[i];
            data.add(new OpenAiEmbedding(request.base64() ? littleEndianBase64(v) : v, i));
        }
        return new OpenAiEmbedResponse(data, options.modelId(), new Usage(result.tokens(), result.tokens()));
    }

    /** TEI {@code POST /similarity}: the cosine similarity of the source sentence to each sentence, as TEI computes it. */
    SimilarityResponse similarity(RequestBody body) {
        SimilarityRequest request = SimilarityRequest.read(body, options.autoTruncate());
        List<Input> all = new ArrayList<>(request.sentences().size() + 1);
        all.add(new Input(request.sourceSentence(), null));
        for (String s : request.sentences()) {
            all.add(new Input(s, null));
        }
        float[][] e = embedder.embed(all, new Embedder.Request(request.truncate(), request.promptName(), false, 0),
                "inputs.sentences").embeddings();
        float[] scores = new float[request.sentences().size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Similarity.COSINE.score(e[0], e[i + 1]);
        }
        return new SimilarityResponse(scores);
    }

    /** TEI {@code POST /tokenize}: per input, the tokens the encoder sees (prompt included, not truncated). */
    TokenizeResponse tokenize(RequestBody body) {
        TokenizeRequest request = TokenizeRequest.read(body, size -> embedder.checkBatchSize(size, "inputs"));
        EncodeOptions prompt = embedder.promptOptions(request.promptName(), "prompt_name");
        List<List<SimpleToken>> out = new ArrayList<>();
        for (String text : request.inputs()) {
            Encoding e = model.tokenize(text, prompt, -1);
            List<SimpleToken> tokens = new ArrayList<>(e.length());
            for (int i = 0; i < e.length(); i++) {
                int id = e.ids()[i];
                tokens.add(new SimpleToken(id, e.tokens().get(i), model.tokenizer().isSpecial(id), null, null));
            }
            out.add(tokens);
        }
        return new TokenizeResponse(out);
    }

    /** TEI {@code GET /info}. */
    Info info() {
        return info;
    }

    private static Info infoOf(SentenceTransformer model, ServerOptions options, int maxInputLength) {
        String pooling = String.join("+", model.pooling().modes().stream()
                .map(m -> m.name().toLowerCase(Locale.ROOT)).toList());
        return new Info(options.modelId(), null, "float32", new ModelType(new EmbeddingModel(pooling)),
                model.dimension(), options.maxConcurrentRequests(), maxInputLength, options.maxBatchTokens(), null,
                options.maxBatchWait().toNanos() / 1e6, options.maxClientBatchSize(), options.maxPayloadBytes(),
                options.autoTruncate(), tokenizationWorkers(), model.prompts(), version(), null, null);
    }

    /**
     * How many requests are tokenized at once, TEI's {@code tokenization_workers}. Each request is tokenized on its
     * own virtual thread (see {@link EmbeddingServer}), and virtual threads run on the JDK's carrier threads, as
     * many as {@code jdk.virtualThreadScheduler.parallelism} says (default: the available processors).
     */
    static int tokenizationWorkers() {
        String parallelism = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        if (parallelism != null) {
            try {
                return Integer.parseInt(parallelism);
            } catch (NumberFormatException e) {
                // the JDK would not have started virtual threads with it; fall through to its default
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private static String version() {
        String v = Routes.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** OpenAI's base64 format: the float32 values as little-endian bytes. */
    static String littleEndianBase64(float[] v) {
        ByteBuffer bytes = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
