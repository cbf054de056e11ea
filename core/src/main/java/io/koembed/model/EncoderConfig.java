package io.koembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;

import java.nio.file.Path;
import java.util.List;

/**
 * The hyper-parameters of a BERT-family encoder, from a Hugging Face {@code config.json}. BERT, RoBERTa and
 * XLM-RoBERTa share one forward pass; what differs between them is data held here:
 * <ul>
 *   <li>{@link #positionOffset}: position ids start at {@code pad_token_id + 1} for the RoBERTa family (and
 *       {@code pad} tokens get position {@code pad_token_id}), at 0 for BERT;</li>
 *   <li>{@link #weightPrefix}: the base-model prefix weight names may carry ({@code roberta.} or {@code bert.});</li>
 *   <li>{@code type_vocab_size}, {@code layer_norm_eps}, {@code pad_token_id} as the file says.</li>
 * </ul>
 *
 * <p>Required fields: {@code model_type, vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size, max_position_embeddings}. Optional ones default as in transformers' config classes:
 * {@code type_vocab_size} 2, {@code layer_norm_eps} 1e-12, {@code pad_token_id} 1 (RoBERTa family) or 0 (BERT),
 * {@code hidden_act} "gelu", {@code position_embedding_type} "absolute". Everything else (dropout rates,
 * {@code initializer_range}, {@code use_cache}, {@code output_past}, {@code architectures}, {@code torch_dtype},
 * token ids other than pad, ...) does not affect inference and is ignored.
 *
 * @param modelType             "xlm-roberta", "roberta" or "bert"
 * @param positionOffset        first position id of a sequence: pad_token_id + 1 (RoBERTa family) or 0 (BERT)
 * @param weightPrefix          base-model prefix of weight names in checkpoints of the task model, with its dot
 */
public record EncoderConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float layerNormEps,
        int padTokenId,
        String hiddenAct,
        String positionEmbeddingType,
        int positionOffset,
        String weightPrefix) {

    /** model_type values this encoder runs. */
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("xlm-roberta", "roberta", "bert");
    /** hidden_act values this encoder implements exactly. */
    public static final List<String> SUPPORTED_ACTIVATIONS = List.of("gelu");

    public EncoderConfig {
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
    }

    /** Size of one attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Whether position ids follow RoBERTa's rule (count non-pad tokens from pad_token_id + 1). */
    public boolean robertaPositions() {
        return !modelType.equals("bert");
    }

    /** The longest input sequence the position table allows: max_position_embeddings - positionOffset. */
    public int maxSequenceLength() {
        return maxPositionEmbeddings - positionOffset;
    }

    /** Reads {@code file} (a config.json). */
    public static EncoderConfig load(Path file) {
        return parse(file, JsonFiles.readTree(file));
    }

    /** Builds the config from a parsed config.json; {@code file} names it in error messages. */
    public static EncoderConfig parse(Path file, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw ModelFormatException.in(file, "must be a JSON object");
        }
        String modelType = string(file, root, "model_type", null);
        if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw ModelFormatException.in(file, "model_type \"" + modelType + "\" is not supported (supported: "
                    + String.join(", ", SUPPORTED_MODEL_TYPES) + ")");
        }
        boolean bert = modelType.equals("bert");
        int vocab = positive(file, root, "vocab_size", null);
        int hidden = positive(file, root, "hidden_size", null);
        int layers = positive(file, root, "num_hidden_layers", null);
        int heads = positive(file, root, "num_attention_heads", null);
        int intermediate = positive(file, root, "intermediate_size", null);
        int maxPos = positive(file, root, "max_position_embeddings", null);
        int typeVocab = positive(file, root, "type_vocab_size", 2);
        float eps = eps(file, root);
        int pad = padTokenId(file, root, bert ? 0 : 1);
        String act = string(file, root, "hidden_act", "gelu");
        if (!SUPPORTED_ACTIVATIONS.contains(act)) {
            throw ModelFormatException.in(file, "hidden_act \"" + act + "\" is not supported (supported: "
                    + String.join(", ", SUPPORTED_ACTIVATIONS) + ")");
        }
        String posType = string(file, root, "position_embedding_type", "absolute");
        if (!posType.equals("absolute")) {
            throw ModelFormatException.in(file, "position_embedding_type \"" + posType
                    + "\" is not supported (supported: absolute)");
        }
        if (hidden % heads != 0) {
            throw ModelFormatException.in(file, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
                    + heads);
        }
        int offset = bert ? 0 : pad + 1;
        if (!bert && (pad >= vocab || pad + 2 > maxPos)) {
            throw ModelFormatException.in(file, "pad_token_id " + pad + " does not fit vocab_size " + vocab
                    + " and max_position_embeddings " + maxPos);
        }
        String prefix = bert ? "bert." : "roberta.";
        return new EncoderConfig(modelType, vocab, hidden, layers, heads, intermediate, maxPos, typeVocab, eps,
                pad, act, posType, offset, prefix);
    }

    private static String string(Path file, JsonNode root, String field, String dflt) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw ModelFormatException.in(file, "missing required field \"" + field + "\"");
            }
            return dflt;
        }
        if (!v.isTextual()) {
            throw ModelFormatException.in(file, "field \"" + field + "\" must be a string, found " + v);
        }
        return v.asText();
    }

    private static int positive(Path file, JsonNode root, String field, Integer dflt) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (dflt == null) {
                throw ModelFormatException.in(file, "missing required field \"" + field + "\"");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw ModelFormatException.in(file, "field \"" + field + "\" must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private static int padTokenId(Path file, JsonNode root, int dflt) {
        JsonNode v = root.get("pad_token_id");
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw ModelFormatException.in(file, "field \"pad_token_id\" must be a non-negative integer, found " + v);
        }
        return v.asInt();
    }

    private static float eps(Path file, JsonNode root) {
        JsonNode v = root.get("layer_norm_eps");
        if (v == null || v.isNull()) {
            return 1e-12f;
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 1) {
            throw ModelFormatException.in(file, "field \"layer_norm_eps\" must be a number in (0, 1], found " + v);
        }
        return (float) v.asDouble();
    }
}
