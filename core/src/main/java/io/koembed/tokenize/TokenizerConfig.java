package io.koembed.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What transformers' {@code AutoTokenizer} reads next to the tokenizer files: {@code tokenizer_config.json},
 * {@code special_tokens_map.json} and {@code config.json}. They pick the tokenizer class, name the special tokens,
 * and carry options ({@code do_lower_case}, ...) that transformers applies on top of tokenizer.json.
 *
 * <p>As in transformers, {@code special_tokens_map.json} wins over {@code tokenizer_config.json} for a special
 * token, and a token may be written as a string or as an {@code AddedToken} object with a {@code content}.
 */
final class TokenizerConfig {
    /** The special-token attributes of transformers' tokenizers, in its {@code all_special_tokens} order. */
    private static final List<String> SPECIAL_TOKEN_NAMES = List.of("bos_token", "eos_token", "unk_token",
            "sep_token", "pad_token", "cls_token", "mask_token");

    private final Path tokenizerConfigFile;
    private final JsonNode tokenizerConfig;   // may be null
    private final JsonNode specialTokensMap;  // may be null
    private final JsonNode modelConfig;       // config.json, may be null

    private TokenizerConfig(Path dir) {
        this.tokenizerConfigFile = dir == null ? Path.of("tokenizer_config.json") : dir.resolve("tokenizer_config.json");
        this.tokenizerConfig = dir == null ? null : JsonFiles.readOptionalObject(tokenizerConfigFile);
        this.specialTokensMap = dir == null ? null
                : JsonFiles.readOptionalObject(dir.resolve("special_tokens_map.json"));
        this.modelConfig = dir == null ? null : JsonFiles.readOptionalObject(dir.resolve("config.json"));
    }

    /** The files in {@code dir} (any of them may be missing); {@code dir} null for none at all. */
    static TokenizerConfig read(Path dir) {
        return new TokenizerConfig(dir);
    }

    /** Whether tokenizer_config.json or special_tokens_map.json is there (then they define the special tokens). */
    boolean hasTokenizerFiles() {
        return tokenizerConfig != null || specialTokensMap != null;
    }

    /**
     * The tokenizer class AutoTokenizer would load, without the {@code Fast} suffix: tokenizer_config.json's
     * {@code tokenizer_class}, else config.json's, else the default of config.json's {@code model_type}; null when
     * none of these says.
     */
    String tokenizerClass() {
        for (JsonNode n : new JsonNode[] {tokenizerConfig, modelConfig}) {
            if (n != null && n.path("tokenizer_class").isTextual()) {
                String c = n.get("tokenizer_class").asText();
                return c.endsWith("Fast") ? c.substring(0, c.length() - 4) : c;
            }
        }
        String modelType = modelConfig == null ? null : modelConfig.path("model_type").asText(null);
        return modelType == null ? null : switch (modelType) {
            case "bert" -> "BertTokenizer";
            case "roberta" -> "RobertaTokenizer";
            case "xlm-roberta" -> "XLMRobertaTokenizer";
            default -> null;
        };
    }

    /** Whether transformers would build a {@code BertTokenizerFast} (WordPiece), whatever the model type. */
    boolean isBertTokenizer() {
        return "BertTokenizer".equals(tokenizerClass());
    }

    /** The content of a special token ({@code "pad_token"}, ...), or null when neither file names it. */
    String specialToken(String name) {
        for (JsonNode n : new JsonNode[] {specialTokensMap, tokenizerConfig}) {
            String content = n == null ? null : content(n.get(name));
            if (content != null) {
                return content;
            }
        }
        return null;
    }

    /** {@link #specialToken}, or {@code dflt} when neither file names it (the class's default). */
    String specialToken(String name, String dflt) {
        String content = specialToken(name);
        return content != null ? content : dflt;
    }

    /** Every special token the files name, in transformers' {@code all_special_tokens} order, without repeats. */
    List<String> specialTokens() {
        List<String> out = new ArrayList<>();
        for (String name : SPECIAL_TOKEN_NAMES) {
            String content = specialToken(name);
            if (content != null && !out.contains(content)) {
                out.add(content);
            }
        }
        for (JsonNode n : new JsonNode[] {specialTokensMap, tokenizerConfig}) {
            JsonNode extra = n == null ? null : n.get("additional_special_tokens");
            if (extra != null && extra.isArray()) {
                for (JsonNode t : extra) {
                    String content = content(t);
                    if (content != null && !out.contains(content)) {
                        out.add(content);
                    }
                }
                break;
            }
        }
        return out;
    }

    /** A boolean option of tokenizer_config.json, or {@code dflt} when it is absent or null. */
    boolean option(String name, boolean dflt) {
        Boolean v = optionalOption(name);
        return v == null ? dflt : v;
    }

    /** A boolean option of tokenizer_config.json that may be null (absent or written as null). */
    Boolean optionalOption(String name) {
        JsonNode v = tokenizerConfig == null ? null : tokenizerConfig.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw ModelFormatException.in(tokenizerConfigFile, "\"" + name + "\" is not true, false or null");
        }
        return v.asBoolean();
    }

    /**
     * tokenizer_config.json's {@code added_tokens_decoder} (transformers 4.34 and later) in id order, with the
     * flags it records.
     */
    List<AddedToken> addedTokensDecoder() {
        return List.copyOf(addedTokensById().values());
    }

    /** The id {@code added_tokens_decoder} gives {@code content}, if it lists it. */
    OptionalInt addedTokenId(String content) {
        for (Map.Entry<Integer, AddedToken> e : addedTokensById().entrySet()) {
            if (e.getValue().content().equals(content)) {
                return OptionalInt.of(e.getKey());
            }
        }
        return OptionalInt.empty();
    }

    private Map<Integer, AddedToken> addedTokensById() {
        JsonNode decoder = tokenizerConfig == null ? null : tokenizerConfig.get("added_tokens_decoder");
        if (decoder == null || decoder.isNull()) {
            return Map.of();
        }
        if (!decoder.isObject()) {
            throw ModelFormatException.in(tokenizerConfigFile, "\"added_tokens_decoder\" is not an object");
        }
        Map<Integer, AddedToken> byId = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : decoder.properties()) {
            JsonNode t = e.getValue();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ModelFormatException.in(tokenizerConfigFile, "added_tokens_decoder key \"" + e.getKey()
                        + "\" is not an id");
            }
            if (!t.path("content").isTextual()) {
                throw ModelFormatException.in(tokenizerConfigFile, "added_tokens_decoder." + id
                        + " has no string \"content\"");
            }
            boolean special = t.path("special").asBoolean(false);
            byId.put(id, new AddedToken(t.get("content").asText(), t.path("single_word").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("normalized").asBoolean(!special), special));
        }
        return byId;
    }

    private static String content(JsonNode token) {
        if (token == null) {
            return null;
        }
        if (token.isTextual()) {
            return token.asText();
        }
        return token.isObject() && token.path("content").isTextual() ? token.get("content").asText() : null;
    }
}
