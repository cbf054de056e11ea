package io.koembed.server;

import io.koembed.server.ApiTypes.Input;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/**
 * From validated inputs to embeddings, shared by {@code /embed}, {@code /similarity} and {@code /v1/embeddings}:
 * tokenizes each input as {@link SentenceTransformer#encode} would, enforces the length limit (413, or cut when
 * truncating), queues the sequences on the {@link DynamicBatcher} and finishes each vector with the request's own
 * {@code dimensions} and {@code normalize}.
 */
final class Embedder {

    /**
     * What a request asks for.
     *
     * @param truncate   cut inputs longer than the limit instead of refusing them
     * @param promptName a key of the model's prompts, or null
     * @param normalize  L2-normalize the (truncated) vectors
     * @param dimensions keep the first this many dimensions (Matryoshka), 0 for all
     */
    record Request(boolean truncate, String promptName, boolean normalize, int dimensions) {}

    /** The vectors in input order and the tokens they took (OpenAI's usage, TEI's x-compute-tokens). */
    record Result(float[][] embeddings, int tokens) {}

    private final SentenceTransformer model;
    private final DynamicBatcher batcher;
    private final int maxInputLength;
    private final int maxClientBatchSize;

    Embedder(SentenceTransformer model, DynamicBatcher batcher, int maxInputLength, int maxClientBatchSize) {
        this.model = model;
        this.batcher = batcher;
        this.maxInputLength = maxInputLength;
        this.maxClientBatchSize = maxClientBatchSize;
    }

    SentenceTransformer model() {
        return model;
    }

    /** 413 for more inputs than {@code --max-client-batch-size} (TEI's message). */
    void checkBatchSize(int size, String field) {
        if (size > maxClientBatchSize) {
            throw new ApiError(ApiError.Kind.TOO_LARGE, field, "batch size " + size
                    + " > maximum allowed batch size " + maxClientBatchSize);
        }
    }

    /** The encode options of a prompt name, refusing names the model does not have. */
    EncodeOptions promptOptions(String promptName, String field) {
        if (promptName != null && !model.prompts().containsKey(promptName)) {
            throw new ApiError(ApiError.Kind.INVALID, field, "`" + field + "` is \"" + promptName
                    + "\" but the model's prompts are " + model.prompts().keySet());
        }
        return EncodeOptions.defaults().withPromptName(promptName);
    }

    Result embed(List<Input> inputs, Request request, String field) {
        checkBatchSize(inputs.size(), field);
        EncodeOptions options = promptOptions(request.promptName(), "prompt_name");
        int promptLength = model.promptLength(options);
        List<Encoding> sequences = new ArrayList<>(inputs.size());
        int[] promptLengths = new int[inputs.size()];
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String name = inputs.size() == 1 ? field : field + "[" + i + "]";
            Input input = inputs.get(i);
            Encoding e;
            if (input.isText()) {
                e = model.tokenize(input.text(), options, request.truncate() ? maxInputLength : -1);
                promptLengths[i] = promptLength;
            } else {
                if (request.promptName() != null) {
                    throw new ApiError(ApiError.Kind.INVALID, "prompt_name",
                            "`prompt_name` cannot be used with token id inputs (`" + name + "`)");
                }
                e = fromIds(name, input.ids(), request.truncate());
            }
            if (e.length() > maxInputLength) {
                throw new ApiError(ApiError.Kind.TOO_LARGE, field, "`" + name + "` must have at most "
                        + maxInputLength + " tokens. Given: " + e.length()
                        + " (send \"truncate\": true to cut it to " + maxInputLength + ")");
            }
            sequences.add(e);
            tokens += e.length();
        }
        float[][] raw = await(batcher.submit(sequences, promptLengths));
        EncodeOptions finish = EncodeOptions.defaults().withNormalize(request.normalize())
                .withTruncateDim(request.dimensions());
        float[][] out = new float[raw.length][];
        for (int i = 0; i < raw.length; i++) {
            out[i] = model.truncateAndNormalize(raw[i], finish);
        }
        return new Result(out, tokens);
    }

    /** Token ids as the encoder takes them: as given, no special tokens added (TEI re-encodes them without). */
    private Encoding fromIds(String name, int[] ids, boolean truncate) {
        Tokenizer tokenizer = model.tokenizer();
        int[] kept = truncate && ids.length > maxInputLength ? Arrays.copyOf(ids, maxInputLength) : ids;
        List<String> tokens = new ArrayList<>(kept.length);
        for (int k = 0; k < kept.length; k++) {
            String token = tokenizer.idToToken(kept[k]);
            if (token == null) {
                throw new ApiError(ApiError.Kind.INVALID, name, "`" + name + "[" + k + "]` is " + kept[k]
                        + ", not a token id of the model (its vocabulary has " + tokenizer.vocabSize() + ")");
            }
            tokens.add(token);
        }
        return new Encoding(kept, new int[kept.length], tokens);
    }

    private static float[][] await(java.util.concurrent.CompletableFuture<float[][]> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(ApiError.Kind.UNAVAILABLE, "interrupted while the request was queued");
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ApiError(ApiError.Kind.BACKEND, "inference failed: " + cause);
        }
    }
}
