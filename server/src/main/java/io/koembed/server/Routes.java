package io.koembed.server;

import io.koembed.server.RequestBody.Input;
import io.koembed.st.EncodeOptions;
import io.koembed.st.Similarity;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The endpoints: JSON in, JSON out, as text-embeddings-inference ({@code /embed}, {@code /similarity},
 * {@code /tokenize}, {@code /info}, {@code /health}) and OpenAI ({@code /v1/embeddings}) define them. HTTP itself
 * (methods, bodies, keys, error bodies) is {@link ApiHandler}'s business.
 */
final class Routes {
    private final Embedder embedder;
    private final SentenceTransformer model;
    private final ServerOptions options;
    private final int maxInputLength;

    Routes(Embedder embedder, ServerOptions options, int maxInputLength) {
        this.embedder = embedder;
        this.model = embedder.model();
        this.options = options;
        this.maxInputLength = maxInputLength;
    }

    /** TEI {@code POST /embed}: {@code [[float, ...], ...]}, one row per input. */
    Object embed(RequestBody body) {
        List<Input> inputs = body.inputs("inputs");
        Embedder.Request request = new Embedder.Request(body.bool("truncate", options.autoTruncate()),
                promptName(body), body.bool("normalize", true), dimensions(body));
        checkTruncationDirection(body);
        return embedder.embed(inputs, request, "inputs").embeddings();
    }

    /**
     * OpenAI {@code POST /v1/embeddings}: always normalized (OpenAI's vectors have length 1, and a {@code dimensions}
     * cut is normalized again), cut to the model's limit only with {@code --auto-truncate}, as TEI does.
     */
    Object openAiEmbeddings(RequestBody body) {
        List<Input> inputs = body.inputs("input");
        String format = body.string("encoding_format");
        boolean base64 = "base64".equals(format);
        if (format != null && !base64 && !"float".equals(format)) {
            throw new ApiError(ApiError.Kind.INVALID, "encoding_format",
                    "`encoding_format` must be \"float\" or \"base64\", got \"" + format + "\"");
        }
        body.string("model"); // any name is accepted (one model is served), but it must be a string
        body.string("user");
        Embedder.Result result = embedder.embed(inputs,
                new Embedder.Request(options.autoTruncate(), null, true, dimensions(body)), "input");
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < result.embeddings().length; i++) {
            float[] v = result.embeddings()[i];
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("embedding", base64 ? littleEndianBase64(v) : v);
            item.put("index", i);
            data.add(item);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "list");
        out.put("data", data);
        out.put("model", options.modelId());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", result.tokens());
        usage.put("total_tokens", result.tokens());
        out.put("usage", usage);
        return out;
    }

    /**
     * TEI {@code POST /similarity}: {@code {"inputs": {"source_sentence": ..., "sentences": [...]}, "parameters":
     * {...}}} gives the cosine similarity of the source sentence to each sentence, as TEI computes it.
     */
    Object similarity(RequestBody body) {
        RequestBody inputs = body.object("inputs");
        if (inputs == null) {
            throw new ApiError(ApiError.Kind.INVALID, "inputs", "`inputs` is required: {\"source_sentence\": "
                    + "\"...\", \"sentences\": [\"...\", ...]}");
        }
        List<String> sentences = inputs.texts("sentences");
        List<Input> all = new ArrayList<>(sentences.size() + 1);
        all.add(new Input(inputs.text("source_sentence"), null));
        for (String s : sentences) {
            all.add(new Input(s, null));
        }
        RequestBody parameters = body.object("parameters");
        boolean truncate = options.autoTruncate();
        String promptName = null;
        if (parameters != null) {
            truncate = parameters.bool("truncate", truncate);
            promptName = promptName(parameters);
            checkTruncationDirection(parameters);
        }
        float[][] e = embedder.embed(all, new Embedder.Request(truncate, promptName, false, 0), "inputs.sentences")
                .embeddings();
        float[] scores = new float[sentences.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Similarity.COSINE.score(e[0], e[i + 1]);
        }
        return scores;
    }

    /**
     * TEI {@code POST /tokenize}: per input, the tokens the encoder sees (prompt included, not truncated) as
     * {@code {"id", "text", "special", "start", "stop"}}. KoEmbed's tokenizer keeps no character offsets, so
     * {@code text} is the vocabulary piece and {@code start}/{@code stop} are null.
     */
    Object tokenize(RequestBody body) {
        List<String> texts = body.texts("inputs");
        embedder.checkBatchSize(texts.size(), "inputs");
        if (!body.bool("add_special_tokens", true)) {
            throw new ApiError(ApiError.Kind.INVALID, "add_special_tokens", "`add_special_tokens`: false is not "
                    + "supported; the tokens shown are those the encoder sees, special tokens included");
        }
        EncodeOptions prompt = embedder.promptOptions(promptName(body), "prompt_name");
        List<List<Map<String, Object>>> out = new ArrayList<>();
        for (String text : texts) {
            Encoding e = model.tokenize(text, prompt, -1);
            List<Map<String, Object>> tokens = new ArrayList<>(e.length());
            for (int i = 0; i < e.length(); i++) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("id", e.ids()[i]);
                t.put("text", e.tokens().get(i));
                t.put("special", model.tokenizer().isSpecial(e.ids()[i]));
                t.put("start", null);
                t.put("stop", null);
                tokens.add(t);
            }
            out.add(tokens);
        }
        return out;
    }

    /** TEI {@code GET /info}, with the embedding dimension and KoEmbed's own limits added. */
    Object info() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_id", options.modelId());
        out.put("model_sha", null);
        out.put("model_dtype", "float32");
        String pooling = String.join("+", model.pooling().modes().stream()
                .map(m -> m.name().toLowerCase(Locale.ROOT)).toList());
        out.put("model_type", Map.of("embedding", Map.of("pooling", pooling)));
        out.put("dimensions", model.dimension());
        out.put("max_concurrent_requests", options.maxConcurrentRequests());
        out.put("max_input_length", maxInputLength);
        out.put("max_batch_tokens", options.maxBatchTokens());
        out.put("max_batch_requests", null);
        out.put("max_batch_wait_ms", options.maxBatchWait().toNanos() / 1e6);
        out.put("max_client_batch_size", options.maxClientBatchSize());
        out.put("max_payload_bytes", options.maxPayloadBytes());
        out.put("auto_truncate", options.autoTruncate());
        out.put("prompts", model.prompts());
        out.put("version", version());
        out.put("sha", null);
        out.put("docker_label", null);
        return out;
    }

    private static String version() {
        String v = Routes.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String promptName(RequestBody body) {
        return body.string("prompt_name");
    }

    /** {@code dimensions}: 1 to the model's dimension; 0 when absent (all dimensions). */
    private int dimensions(RequestBody body) {
        return body.intInRange("dimensions", 1, model.dimension());
    }

    /** TEI's {@code truncation_direction}: KoEmbed truncates as sentence-transformers does, keeping the start. */
    private static void checkTruncationDirection(RequestBody body) {
        String direction = body.string("truncation_direction");
        if (direction != null && !direction.equalsIgnoreCase("right")) {
            throw new ApiError(ApiError.Kind.INVALID, "truncation_direction", "`truncation_direction` \""
                    + direction + "\" is not supported; only \"Right\" (keep the start, as sentence-transformers "
                    + "truncates)");
        }
    }

    /** OpenAI's base64 format: the float32 values as little-endian bytes. */
    static String littleEndianBase64(float[] v) {
        ByteBuffer bytes = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
