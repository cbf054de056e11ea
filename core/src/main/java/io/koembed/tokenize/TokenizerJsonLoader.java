package io.koembed.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.tokenize.models.TokenizerModel;
import io.koembed.tokenize.models.Unigram;
import io.koembed.tokenize.models.WordPiece;
import io.koembed.tokenize.normalizers.BertNormalizer;
import io.koembed.tokenize.normalizers.LowercaseNormalizer;
import io.koembed.tokenize.normalizers.Normalizer;
import io.koembed.tokenize.normalizers.NormalizerSequence;
import io.koembed.tokenize.normalizers.PrecompiledCharsmap;
import io.koembed.tokenize.normalizers.ReplaceNormalizer;
import io.koembed.tokenize.normalizers.StripNormalizer;
import io.koembed.tokenize.normalizers.UnicodeFormNormalizer;
import io.koembed.tokenize.pretokenizers.BertPreTokenizer;
import io.koembed.tokenize.pretokenizers.MetaspacePreTokenizer;
import io.koembed.tokenize.pretokenizers.PreTokenizer;
import io.koembed.tokenize.pretokenizers.PreTokenizerSequence;
import io.koembed.tokenize.processors.BertProcessing;
import io.koembed.tokenize.processors.PostProcessor;
import io.koembed.tokenize.processors.PostProcessorSequence;
import io.koembed.tokenize.processors.RobertaProcessing;
import io.koembed.tokenize.processors.TemplateProcessing;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads {@code tokenizer.json} (the Rust library's serialization, version "1.0", both the current layout and the
 * older one of pre-2024 Hub repositories) into a {@link Tokenizer}. Every component type KoEmbed does not
 * implement is refused here, at load, with the file and the component named - never silently approximated.
 * The {@code decoder} is not read (KoEmbed never decodes); {@code truncation} and {@code padding} are checked
 * for shape and otherwise ignored.
 *
 * <p>Two things come from the files next to it ({@link TokenizerConfig}), as transformers applies them: the pad
 * token, and for a {@code BertTokenizer} the {@code do_lower_case}, {@code strip_accents} and
 * {@code tokenize_chinese_chars} of tokenizer_config.json, which {@code BertTokenizerFast} writes over the
 * {@code BertNormalizer} of the file (with its defaults true, null and true when the config leaves them out).
 */
final class TokenizerJsonLoader {

    private final Path path;
    private final TokenizerConfig config;

    private TokenizerJsonLoader(Path path, TokenizerConfig config) {
        this.path = path;
        this.config = config;
    }

    /** {@code path} with the configuration files of its folder. */
    static Tokenizer load(Path path) {
        return load(path, TokenizerConfig.read(path.toAbsolutePath().getParent()));
    }

    static Tokenizer load(Path path, TokenizerConfig config) {
        return new TokenizerJsonLoader(path, config).read();
    }

    private Tokenizer read() {
        JsonNode root = JsonFiles.readTree(path);
        if (!root.isObject()) {
            throw fail("the top level is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version != null && !version.isNull() && !"1.0".equals(version.asText())) {
            throw fail("unknown tokenizer.json version \"" + version.asText() + "\" (KoEmbed reads \"1.0\")");
        }
        for (String ignored : List.of("truncation", "padding")) {
            JsonNode block = root.get(ignored);
            if (block != null && !block.isNull() && !block.isObject()) {
                throw fail("\"" + ignored + "\" is neither null nor an object");
            }
        }
        TokenizerModel model = readModel(root.get("model"));
        Normalizer normalizer = readNormalizer(root.get("normalizer"), "normalizer");
        if (normalizer instanceof BertNormalizer bert && config.isBertTokenizer()) {
            normalizer = bert.withOptions(config.option("do_lower_case", true), config.optionalOption("strip_accents"),
                    config.option("tokenize_chinese_chars", true));
        }
        PreTokenizer preTokenizer = readPreTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        PostProcessor postProcessor = readPostProcessor(root.get("post_processor"), "post_processor");
        List<AddedToken> addedTokens = readAddedTokens(root.get("added_tokens"));
        String padToken = findPadToken(root, addedTokens);
        try {
            return new Tokenizer(normalizer, preTokenizer, model, addedTokens, postProcessor, padToken);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    // ---- model ----

    private TokenizerModel readModel(JsonNode node) {
        if (node == null || node.isNull()) {
            throw fail("no \"model\"");
        }
        String type = node.path("type").asText(null);
        if (type == null && node.path("vocab").isArray()) {
            type = "Unigram"; // the only model whose vocab is a list of [piece, score]
        }
        if (type == null && node.has("max_input_chars_per_word")) {
            type = "WordPiece"; // older files leave out the type; only WordPiece has this field
        }
        if ("WordPiece".equals(type)) {
            return readWordPiece(node);
        }
        if (!"Unigram".equals(type)) {
            throw fail("model type \"" + type + "\" is not supported (KoEmbed implements Unigram and WordPiece)");
        }
        return readUnigram(node);
    }

    private WordPiece readWordPiece(JsonNode node) {
        JsonNode vocab = node.get("vocab");
        if (vocab == null || !vocab.isObject()) {
            throw fail("model (WordPiece) has no \"vocab\" object");
        }
        for (String field : List.of("unk_token", "continuing_subword_prefix")) {
            if (!node.path(field).isTextual()) {
                throw fail("model (WordPiece) has no string \"" + field + "\"");
            }
        }
        JsonNode max = node.get("max_input_chars_per_word");
        if (max == null || !max.canConvertToInt() || max.asInt() < 0) {
            throw fail("model (WordPiece) \"max_input_chars_per_word\" is not a non-negative integer");
        }
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw fail("model.vocab[\"" + e.getKey() + "\"] is not a non-negative integer id");
            }
            entries.put(e.getKey(), e.getValue().asInt());
        }
        try {
            return new WordPiece(entries, node.get("unk_token").asText(),
                    node.get("continuing_subword_prefix").asText(), max.asInt());
        } catch (IllegalArgumentException e) {
            throw fail("bad WordPiece model: " + e.getMessage());
        }
    }

    private Unigram readUnigram(JsonNode node) {
        if (node.path("byte_fallback").asBoolean(false)) {
            throw fail("Unigram with \"byte_fallback\": true is not supported");
        }
        JsonNode unk = node.get("unk_id");
        if (unk == null || !unk.canConvertToInt()) {
            throw fail("the Unigram model has no integer \"unk_id\" (KoEmbed needs one for unseen characters)");
        }
        JsonNode vocab = node.get("vocab");
        if (vocab == null || !vocab.isArray()) {
            throw fail("the Unigram model has no \"vocab\" list");
        }
        List<String> pieces = new ArrayList<>(vocab.size());
        double[] scores = new double[vocab.size()];
        int i = 0;
        for (JsonNode entry : vocab) {
            if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
                throw fail("model.vocab[" + i + "] is not a [piece, score] pair");
            }
            pieces.add(entry.get(0).asText());
            scores[i++] = entry.get(1).asDouble();
        }
        try {
            return new Unigram(pieces, scores, unk.asInt());
        } catch (IllegalArgumentException e) {
            throw fail("bad Unigram model: " + e.getMessage());
        }
    }

    // ---- normalizers ----

    private Normalizer readNormalizer(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = typeOf(node, where);
        return switch (type) {
            case "Sequence" -> new NormalizerSequence(steps(node, "normalizers", where, this::readNormalizer));
            case "Precompiled" -> {
                JsonNode map = node.get("precompiled_charsmap");
                if (map == null || !map.isTextual()) {
                    throw fail(where + ": Precompiled without a base64 \"precompiled_charsmap\"");
                }
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(map.asText());
                } catch (IllegalArgumentException e) {
                    throw fail(where + ": precompiled_charsmap is not base64: " + e.getMessage());
                }
                try {
                    yield new PrecompiledCharsmap(bytes);
                } catch (IllegalArgumentException e) {
                    throw fail(where + ": " + e.getMessage());
                }
            }
            case "Strip" -> new StripNormalizer(boolField(node, "strip_left", where),
                    boolField(node, "strip_right", where));
            case "Replace" -> readReplace(node, where);
            case "NFC" -> new UnicodeFormNormalizer(Form.NFC);
            case "NFD" -> new UnicodeFormNormalizer(Form.NFD);
            case "NFKC" -> new UnicodeFormNormalizer(Form.NFKC);
            case "NFKD" -> new UnicodeFormNormalizer(Form.NFKD);
            case "Lowercase" -> new LowercaseNormalizer();
            case "BertNormalizer" -> readBertNormalizer(node, where);
            default -> throw fail(where + ": normalizer type \"" + type + "\" is not supported (KoEmbed "
                    + "implements Sequence, Precompiled, Strip, Replace, NFC, NFD, NFKC, NFKD, Lowercase, BertNormalizer)");
        };
    }

    /** Fields left out take the Python constructor's defaults: true, true, null (= as lowercase), true. */
    private Normalizer readBertNormalizer(JsonNode node, String where) {
        JsonNode strip = node.get("strip_accents");
        if (strip != null && !strip.isNull() && !strip.isBoolean()) {
            throw fail(where + ": \"strip_accents\" is not true, false or null");
        }
        return new BertNormalizer(optionalBool(node, "clean_text", where), optionalBool(node, "handle_chinese_chars", where),
                strip == null || strip.isNull() ? null : strip.asBoolean(), optionalBool(node, "lowercase", where));
    }

    private Normalizer readReplace(JsonNode node, String where) {
        JsonNode pattern = node.get("pattern");
        JsonNode content = node.get("content");
        if (content == null || !content.isTextual()) {
            throw fail(where + ": Replace without a string \"content\"");
        }
        if (pattern != null && pattern.isObject() && pattern.size() == 1) {
            if (pattern.path("String").isTextual()) {
                return ReplaceNormalizer.literal(pattern.get("String").asText(), content.asText());
            }
            if (pattern.path("Regex").isTextual()) {
                try {
                    return ReplaceNormalizer.regex(pattern.get("Regex").asText(), content.asText());
                } catch (IllegalArgumentException e) {
                    throw fail(where + ": " + e.getMessage());
                }
            }
        }
        throw fail(where + ": Replace \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
    }

    // ---- pre-tokenizers ----

    private PreTokenizer readPreTokenizer(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = typeOf(node, where);
        return switch (type) {
            case "Metaspace" -> readMetaspace(node, where);
            case "BertPreTokenizer" -> new BertPreTokenizer();
            case "Sequence" -> new PreTokenizerSequence(steps(node, "pretokenizers", where, this::readPreTokenizer));
            default -> throw fail(where + ": pre-tokenizer type \"" + type + "\" is not supported (KoEmbed "
                    + "implements Metaspace, BertPreTokenizer, Sequence)");
        };
    }

    /**
     * Both generations: current ({@code prepend_scheme}, {@code split}) and older ({@code add_prefix_space},
     * {@code str_rep}). As in Rust 0.21: a missing {@code prepend_scheme} means "always", {@code split} defaults to
     * true, {@code add_prefix_space: false} means "never", and contradicts an explicit "always"/"first".
     */
    private PreTokenizer readMetaspace(JsonNode node, String where) {
        JsonNode rep = node.get("replacement");
        if (rep == null || !rep.isTextual() || rep.asText().codePointCount(0, rep.asText().length()) != 1) {
            throw fail(where + ": Metaspace \"replacement\" must be a single character");
        }
        int replacement = rep.asText().codePointAt(0);
        MetaspacePreTokenizer.PrependScheme scheme = MetaspacePreTokenizer.PrependScheme.ALWAYS;
        JsonNode ps = node.get("prepend_scheme");
        boolean explicitScheme = ps != null && !ps.isNull();
        if (explicitScheme) {
            scheme = switch (ps.asText()) {
                case "always" -> MetaspacePreTokenizer.PrependScheme.ALWAYS;
                case "first" -> MetaspacePreTokenizer.PrependScheme.FIRST;
                case "never" -> MetaspacePreTokenizer.PrependScheme.NEVER;
                default -> throw fail(where + ": unknown Metaspace prepend_scheme \"" + ps.asText() + "\"");
            };
        }
        JsonNode aps = node.get("add_prefix_space");
        if (aps != null && !aps.isNull()) {
            if (!aps.isBoolean()) {
                throw fail(where + ": Metaspace \"add_prefix_space\" is not a boolean");
            }
            if (!aps.asBoolean()) {
                if (explicitScheme && scheme != MetaspacePreTokenizer.PrependScheme.NEVER) {
                    throw fail(where + ": Metaspace add_prefix_space false contradicts prepend_scheme \""
                            + ps.asText() + "\"");
                }
                scheme = MetaspacePreTokenizer.PrependScheme.NEVER;
            }
        }
        JsonNode split = node.get("split");
        boolean doSplit = split == null || split.isNull() || split.asBoolean(true);
        return new MetaspacePreTokenizer(replacement, scheme, doSplit);
    }

    // ---- post-processors ----

    private PostProcessor readPostProcessor(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = typeOf(node, where);
        return switch (type) {
            case "TemplateProcessing" -> readTemplate(node, where);
            case "RobertaProcessing" -> {
                TokenAndId cls = tokenAndId(node, "cls", where);
                TokenAndId sep = tokenAndId(node, "sep", where);
                yield new RobertaProcessing(cls.token, cls.id, sep.token, sep.id);
            }
            case "BertProcessing" -> {
                TokenAndId cls = tokenAndId(node, "cls", where);
                TokenAndId sep = tokenAndId(node, "sep", where);
                yield new BertProcessing(cls.token, cls.id, sep.token, sep.id);
            }
            case "ByteLevel" -> PostProcessor.NONE; // only trims offsets
            case "Sequence" -> new PostProcessorSequence(steps(node, "processors", where, this::readPostProcessor));
            default -> throw fail(where + ": post-processor type \"" + type + "\" is not supported (KoEmbed "
                    + "implements TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence)");
        };
    }

    private record TokenAndId(String token, int id) {}

    private TokenAndId tokenAndId(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).canConvertToInt()) {
            throw fail(where + ": \"" + field + "\" must be [token, id]");
        }
        return new TokenAndId(v.get(0).asText(), v.get(1).asInt());
    }

    private PostProcessor readTemplate(JsonNode node, String where) {
        Map<String, TemplateProcessing.SpecialTokens> specials = new LinkedHashMap<>();
        JsonNode st = node.get("special_tokens");
        if (st != null && !st.isNull()) {
            if (!st.isObject()) {
                throw fail(where + ": \"special_tokens\" is not an object");
            }
            for (Map.Entry<String, JsonNode> e : st.properties()) {
                JsonNode ids = e.getValue().get("ids");
                JsonNode tokens = e.getValue().get("tokens");
                if (ids == null || !ids.isArray() || tokens == null || !tokens.isArray()
                        || ids.size() != tokens.size()) {
                    throw fail(where + ".special_tokens." + e.getKey() + ": needs \"ids\" and \"tokens\" lists "
                            + "of the same length");
                }
                int[] idArray = new int[ids.size()];
                List<String> tokenList = new ArrayList<>();
                for (int k = 0; k < idArray.length; k++) {
                    idArray[k] = ids.get(k).asInt();
                    tokenList.add(tokens.get(k).asText());
                }
                String name = e.getValue().path("id").asText(e.getKey());
                specials.put(name, new TemplateProcessing.SpecialTokens(idArray, tokenList));
            }
        }
        try {
            return new TemplateProcessing(readTemplatePieces(node, "single", where),
                    readTemplatePieces(node, "pair", where), specials);
        } catch (IllegalArgumentException e) {
            throw fail(where + ": " + e.getMessage());
        }
    }

    private List<TemplateProcessing.Piece> readTemplatePieces(JsonNode node, String field, String where) {
        List<TemplateProcessing.Piece> pieces = new ArrayList<>();
        int k = 0;
        for (JsonNode p : arrayField(node, field, where)) {
            String at = where + "." + field + "[" + k++ + "]";
            if (p.has("SpecialToken")) {
                JsonNode s = p.get("SpecialToken");
                pieces.add(new TemplateProcessing.SpecialPiece(s.path("id").asText(), s.path("type_id").asInt(0)));
            } else if (p.has("Sequence")) {
                JsonNode s = p.get("Sequence");
                String id = s.path("id").asText();
                int index = switch (id) {
                    case "A" -> 0;
                    case "B" -> 1;
                    default -> throw fail(at + ": unknown sequence \"" + id + "\"");
                };
                pieces.add(new TemplateProcessing.SequencePiece(index, s.path("type_id").asInt(0)));
            } else {
                throw fail(at + ": neither a SpecialToken nor a Sequence");
            }
        }
        return pieces;
    }

    // ---- added tokens ----

    private List<AddedToken> readAddedTokens(JsonNode node) {
        List<AddedToken> tokens = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tokens;
        }
        if (!node.isArray()) {
            throw fail("\"added_tokens\" is not a list");
        }
        int k = 0;
        for (JsonNode t : node) {
            JsonNode content = t.get("content");
            if (content == null || !content.isTextual()) {
                throw fail("added_tokens[" + k + "] has no string \"content\"");
            }
            boolean special = t.path("special").asBoolean(false);
            tokens.add(new AddedToken(content.asText(), t.path("single_word").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("normalized").asBoolean(!special), special));
            k++;
        }
        return tokens;
    }

    // ---- pad token ----

    private String findPadToken(JsonNode root, List<AddedToken> addedTokens) {
        if (config.hasTokenizerFiles()) {
            return config.specialToken("pad_token"); // transformers' truth, even when it names no pad token
        }
        JsonNode padding = root.get("padding");
        if (padding != null && padding.path("pad_token").isTextual()) {
            return padding.get("pad_token").asText();
        }
        for (AddedToken t : addedTokens) {
            if (t.content().equals("<pad>")) {
                return "<pad>";
            }
        }
        return null;
    }

    // ---- helpers ----

    /**
     * The steps of a {@code Sequence} component: each element of its list {@code field}, read by {@code read}
     * (which gets the element's path for error messages); steps read as null (a JSON null) are left out.
     */
    private <T> List<T> steps(JsonNode node, String field, String where, BiFunction<JsonNode, String, T> read) {
        List<T> steps = new ArrayList<>();
        int k = 0;
        for (JsonNode child : arrayField(node, field, where)) {
            T step = read.apply(child, where + "." + field + "[" + k++ + "]");
            if (step != null) {
                steps.add(step);
            }
        }
        return steps;
    }

    private String typeOf(JsonNode node, String where) {
        if (!node.isObject()) {
            throw fail(where + " is not an object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw fail(where + " has no \"type\"");
        }
        return type.asText();
    }

    private JsonNode arrayField(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw fail(where + ": \"" + field + "\" is not a list");
        }
        return v;
    }

    /** A boolean field that defaults to true when absent. */
    private boolean optionalBool(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v != null && !v.isBoolean()) {
            throw fail(where + ": \"" + field + "\" is not a boolean");
        }
        return v == null || v.asBoolean();
    }

    private boolean boolField(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isBoolean()) {
            throw fail(where + ": \"" + field + "\" is not a boolean");
        }
        return v.asBoolean();
    }

    private ModelFormatException fail(String problem) {
        return ModelFormatException.in(path, problem);
    }
}
