package io.koembed.server;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.koembed.JsonFiles;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The server's wire format in one place, as text-embeddings-inference keeps it in {@code router/src/http/types.rs}:
 * a record per request body, read and validated from a {@link RequestBody}, and a record per answer, written by
 * {@link #toJson}. Field names on the wire are the components' names in snake_case ({@code promptTokens} is
 * {@code "prompt_tokens"}), in the order declared here; null components are written as {@code null}.
 *
 * <p>Each request's {@code read} checks its fields in a fixed order, so that a request with several faults is
 * always refused for the same one; what only the model or the limits can decide (prompt names, batch size, input
 * length) is checked later, by {@link Embedder}.
 */
final class ApiTypes {
    private ApiTypes() {}

    private static final ObjectWriter WRITER = JsonFiles.mapper().copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writer();

    /** The JSON bytes of an answer. */
    static byte[] toJson(Object value) {
        try {
            return WRITER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // records of strings, numbers, arrays and maps always serialize
        }
    }

    // ---- requests ----

    /** One input: a text, or token ids a client tokenized itself. */
    record Input(String text, int[] ids) {
        boolean isText() {
            return text != null;
        }
    }

    /**
     * TEI's {@code POST /embed}: {@code inputs} (see {@link RequestBody#inputs}), {@code truncate} (default
     * {@code --auto-truncate}), {@code prompt_name}, {@code normalize} (default true), {@code dimensions} (0 when
     * absent: all), {@code truncation_direction} ("Right" only).
     */
    record EmbedRequest(List<Input> inputs, boolean truncate, String promptName, boolean normalize, int dimensions) {

        static EmbedRequest read(RequestBody body, boolean autoTruncate, int maxDimensions) {
            List<Input> inputs = body.inputs("inputs");
            boolean truncate = body.bool("truncate", autoTruncate);
            String promptName = body.string("prompt_name");
            boolean normalize = body.bool("normalize", true);
            int dimensions = body.intInRange("dimensions", 1, maxDimensions);
            checkTruncationDirection(body);
            return new EmbedRequest(inputs, truncate, promptName, normalize, dimensions);
        }

        Embedder.Request options() {
            return new Embedder.Request(truncate, promptName, normalize, dimensions);
        }
    }

    /**
     * OpenAI's {@code POST /v1/embeddings}: {@code input}, {@code encoding_format} ("float", the default, or
     * "base64"), {@code model} and {@code user} (strings, otherwise ignored: one model is served),
     * {@code dimensions}.
     */
    record OpenAiEmbedRequest(List<Input> input, boolean base64, int dimensions) {

        static OpenAiEmbedRequest read(RequestBody body, int maxDimensions) {
            List<Input> input = body.inputs("input");
            String format = body.string("encoding_format");
            boolean base64 = "base64".equals(format);
            if (format != null && !base64 && !"float".equals(format)) {
                throw new ApiError(ApiError.Kind.INVALID, "encoding_format",
                        "`encoding_format` must be \"float\" or \"base64\", got \"" + format + "\"");
            }
            body.string("model");
            body.string("user");
            return new OpenAiEmbedRequest(input, base64, body.intInRange("dimensions", 1, maxDimensions));
        }
    }

    /**
     * TEI's {@code POST /similarity}: {@code {"inputs": {"source_sentence": "...", "sentences": ["...", ...]},
     * "parameters": {"truncate", "prompt_name", "truncation_direction"}}}.
     */
    record SimilarityRequest(String sourceSentence, List<String> sentences, boolean truncate, String promptName) {

        static SimilarityRequest read(RequestBody body, boolean autoTruncate) {
            RequestBody inputs = body.object("inputs");
            if (inputs == null) {
                throw new ApiError(ApiError.Kind.INVALID, "inputs", "`inputs` is required: {\"source_sentence\": "
                        + "\"...\", \"sentences\": [\"...\", ...]}");
            }
            List<String> sentences = inputs.texts("sentences");
            String source = inputs.text("source_sentence");
            RequestBody parameters = body.object("parameters");
            boolean truncate = autoTruncate;
            String promptName = null;
            if (parameters != null) {
                truncate = parameters.bool("truncate", truncate);
                promptName = parameters.string("prompt_name");
                checkTruncationDirection(parameters);
            }
            return new SimilarityRequest(source, sentences, truncate, promptName);
        }
    }

    /**
     * TEI's {@code POST /tokenize}: {@code inputs} (a string or strings), {@code add_special_tokens} (only true:
     * the tokens shown are those the encoder sees), {@code prompt_name}.
     */
    record TokenizeRequest(List<String> inputs, String promptName) {

        /** {@code checkCount} gets the number of inputs as soon as they are read (the batch size limit). */
        static TokenizeRequest read(RequestBody body, IntConsumer checkCount) {
            List<String> inputs = body.texts("inputs");
            checkCount.accept(inputs.size());
            if (!body.bool("add_special_tokens", true)) {
                throw new ApiError(ApiError.Kind.INVALID, "add_special_tokens", "`add_special_tokens`: false is not "
                        + "supported; the tokens shown are those the encoder sees, special tokens included");
            }
            return new TokenizeRequest(inputs, body.string("prompt_name"));
        }
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

    // ---- answers ----

    /** TEI's answer of {@code /embed}: {@code [[float, ...], ...]}, one row per input. */
    record EmbedResponse(@JsonValue float[][] embeddings) {}

    /** TEI's answer of {@code /similarity}: {@code [float, ...]}, the source's cosine to each sentence. */
    record SimilarityResponse(@JsonValue float[] scores) {}

    /** TEI's answer of {@code /tokenize}: per input, its tokens. */
    record TokenizeResponse(@JsonValue List<List<SimpleToken>> tokens) {}

    /**
     * One token of {@code /tokenize}. KoEmbed's tokenizer keeps no character offsets: {@code text} is the
     * vocabulary piece, {@code start} and {@code stop} are null.
     */
    record SimpleToken(int id, String text, boolean special, Integer start, Integer stop) {}

    /** OpenAI's answer of {@code /v1/embeddings}. */
    record OpenAiEmbedResponse(String object, List<OpenAiEmbedding> data, String model, Usage usage) {
        OpenAiEmbedResponse(List<OpenAiEmbedding> data, String model, Usage usage) {
            this("list", data, model, usage);
        }
    }

    /** {@code embedding} is a {@code float[]}, or a String of base64 little-endian float32 bytes. */
    record OpenAiEmbedding(String object, Object embedding, int index) {
        OpenAiEmbedding(Object embedding, int index) {
            this("embedding", embedding, index);
        }
    }

    record Usage(int promptTokens, int totalTokens) {}

    /**
     * TEI's {@code GET /info} in TEI's order, with KoEmbed's own fields where they belong: {@code dimensions},
     * {@code max_batch_wait_ms}, {@code max_payload_bytes}, {@code prompts}.
     *
     * @param tokenizationWorkers how many requests can be tokenized at once (TEI: its tokenizer threads)
     */
    record Info(String modelId, String modelSha, String modelDtype, ModelType modelType, int dimensions,
                int maxConcurrentRequests, int maxInputLength, int maxBatchTokens, Integer maxBatchRequests,
                double maxBatchWaitMs, int maxClientBatchSize, int maxPayloadBytes, boolean autoTruncate,
                int tokenizationWorkers, Map<String, String> prompts, String version, String sha,
                String dockerLabel) {}

    /** {@code {"embedding": {"pooling": "mean"}}}: TEI's model type of an embedding model. */
    record ModelType(EmbeddingModel embedding) {}

    record EmbeddingModel(String pooling) {}

    // ---- errors ----

    /** TEI's error body. */
    record ErrorResponse(String error, String errorType) {}

    /** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
    record OpenAiErrorResponse(OpenAiError error) {}

    record OpenAiError(String message, String type, String param, String code) {}
}
