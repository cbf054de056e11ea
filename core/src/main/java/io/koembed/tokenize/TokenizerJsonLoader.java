package io.koembed.tokenize;

import io.koembed.tokenize.common.ComponentJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.tokenize.common.ComponentJson.Invalid;
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
import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code tokenizer.json} (the Rust library's serialization, version "1.0", both the current layout and the
 * older one of pre-2024 Hub repositories) into a {@link Tokenizer}. Every component type KoEmbed does not
 * implement is refused here, at load, with the file and the component named - never silently approximated.
 * The {@code decoder} is not read (KoEmbed never decodes); {@code truncation} and {@code padding} are checked
 * for shape and otherwise ignored.
 *
 * <p>Each component reads its own fields ({@code fromJson} beside its code); here the file's top level is read, each
 * stage's {@code "type"} is looked up in its table below (which is also the list of what KoEmbed implements), and
 * the parts are put together. A component's {@link Invalid} becomes a {@link ModelFormatException} that names the
 * file.
 *
 * <p>Two things come from the files next to it ({@link TokenizerConfig}), as transformers applies them: the pad
 * token, and for a {@code BertTokenizer} the {@code do_lower_case}, {@code strip_accents} and
 * {@code tokenize_chinese_chars} of tokenizer_config.json, which {@code BertTokenizerFast} writes over the
 * {@code BertNormalizer} of the file (with its defaults true, null and true when the config leaves them out).
 */
final class TokenizerJsonLoader {

    private static final Table<Normalizer> NORMALIZERS = Table.<Normalizer>of("normalizer")
            .with("Sequence", (node, where) -> new NormalizerSequence(
                    steps(node, "normalizers", where, TokenizerJsonLoader::normalizer)))
            .with("Precompiled", PrecompiledCharsmap::fromJson)
            .with("Strip", StripNormalizer::fromJson)
            .with("Replace", ReplaceNormalizer::fromJson)
            .with("NFC", (node, where) -> new UnicodeFormNormalizer(Form.NFC))
            .with("NFD", (node, where) -> new UnicodeFormNormalizer(Form.NFD))
            .with("NFKC", (node, where) -> new UnicodeFormNormalizer(Form.NFKC))
            .with("NFKD", (node, where) -> new UnicodeFormNormalizer(Form.NFKD))
            .with("Lowercase", (node, where) -> new LowercaseNormalizer())
            .with("BertNormalizer", BertNormalizer::fromJson);

    private static final Table<PreTokenizer> PRE_TOKENIZERS = Table.<PreTokenizer>of("pre-tokenizer")
            .with("Metaspace", MetaspacePreTokenizer::fromJson)
            .with("BertPreTokenizer", (node, where) -> new BertPreTokenizer())
            .with("Sequence", (node, where) -> new PreTokenizerSequence(
                    steps(node, "pretokenizers", where, TokenizerJsonLoader::preTokenizer)));

    private static final Table<PostProcessor> POST_PROCESSORS = Table.<PostProcessor>of("post-processor")
            .with("TemplateProcessing", TemplateProcessing::fromJson)
            .with("RobertaProcessing", RobertaProcessing::fromJson)
            .with("BertProcessing", BertProcessing::fromJson)
            .with("ByteLevel", (node, where) -> PostProcessor.NONE) // only trims offsets
            .with("Sequence", (node, where) -> new PostProcessorSequence(
                    steps(node, "processors", where, TokenizerJsonLoader::postProcessor)));

    private static Normalizer normalizer(JsonNode node, String where) {
        return NORMALIZERS.read(node, where);
    }

    private static PreTokenizer preTokenizer(JsonNode node, String where) {
        return PRE_TOKENIZERS.read(node, where);
    }

    private static PostProcessor postProcessor(JsonNode node, String where) {
        return POST_PROCESSORS.read(node, where);
    }

    /** Unigram or WordPiece; older files leave the type out, and then only one of the two has the fields there. */
    private static TokenizerModel model(JsonNode node, Unigram.Vocab vocab) {
        if (node == null || node.isNull()) {
            throw new Invalid("no \"model\"");
        }
        String type = node.path("type").asText(null);
        if (type == null && node.path("vocab").isArray()) {
            type = "Unigram"; // the only model whose vocab is a list of [piece, score]
        }
        if (type == null && node.has("max_input_chars_per_word")) {
            type = "WordPiece"; // only WordPiece has this field
        }
        if ("WordPiece".equals(type)) {
            return WordPiece.fromJson(node);
        }
        if (!"Unigram".equals(type)) {
            throw new Invalid("model type \"" + type + "\" is not supported (KoEmbed implements Unigram and "
                    + "WordPiece)");
        }
        return Unigram.fromJson(node, vocab);
    }

    /** Reads one component; {@code where} is its place in the file, for error messages. */
    @FunctionalInterface
    private interface Reader<T> {
        T read(JsonNode node, String where);
    }

    /** The components of one stage by their {@code "type"}, in the order the error for an unknown type lists them. */
    private static final class Table<T> {
        private final String stage;
        private final Map<String, Reader<? extends T>> readers;

        private Table(String stage, Map<String, Reader<? extends T>> readers) {
            this.stage = stage;
            this.readers = readers;
        }

        /** An empty table; {@code stage} is what the error calls the stage, e.g. "normalizer". */
        static <T> Table<T> of(String stage) {
            return new Table<>(stage, Map.of());
        }

        /** This table and one more type. */
        Table<T> with(String type, Reader<? extends T> reader) {
            Map<String, Reader<? extends T>> more = new LinkedHashMap<>(readers);
            more.put(type, reader);
            return new Table<>(stage, more);
        }

        /** The component {@code node} describes, or null for none (absent or JSON null). */
        T read(JsonNode node, String where) {
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw new Invalid(where + " is not an object");
            }
            JsonNode type = node.get("type");
            if (type == null || !type.isTextual()) {
                throw new Invalid(where + " has no \"type\"");
            }
            Reader<? extends T> reader = readers.get(type.asText());
            if (reader == null) {
                throw new Invalid(where + ": " + stage + " type \"" + type.asText() + "\" is not supported (KoEmbed "
                        + "implements " + String.join(", ", readers.keySet()) + ")");
            }
            return reader.read(node, where);
        }
    }

    /**
     * The steps of a {@code Sequence} component: each element of its list {@code field}, read by {@code read}
     * (which gets the element's place, e.g. {@code normalizer.normalizers[2]}); steps read as null (a JSON null)
     * are left out.
     */
    private static <T> List<T> steps(JsonNode node, String field, String where, Reader<T> read) {
        List<T> steps = new ArrayList<>();
        int k = 0;
        for (JsonNode child : ComponentJson.list(node, field, where)) {
            T step = read.read(child, where + "." + field + "[" + k++ + "]");
            if (step != null) {
                steps.add(step);
            }
        }
        return steps;
    }

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
        try {
            Parsed parsed = JsonFiles.readStream(path, TokenizerJsonLoader::parse);
            return read(parsed.root(), parsed.vocab());
        } catch (Invalid e) {
            throw ModelFormatException.in(path, e.getMessage());
        }
    }

    /** The file as a tree, but for a Unigram model's vocabulary list, which is read from the stream beside it. */
    private record Parsed(JsonNode root, Unigram.Vocab vocab) {}

    private static Parsed parse(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first != JsonToken.START_OBJECT) {
            if (first == null) {
                throw new Invalid("empty file");
            }
            parser.skipChildren();
            throw new Invalid("the top level is not a JSON object");
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        Unigram.Vocab vocab = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (!name.equals("model") || value != JsonToken.START_OBJECT) {
                root.set(name, parser.readValueAsTree());
                continue;
            }
            ObjectNode model = root.putObject("model"); // a key given twice keeps its last value, as in a tree
            vocab = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                if (field.equals("vocab") && parser.nextToken() == JsonToken.START_ARRAY) {
                    vocab = Unigram.readVocab(parser);
                    model.putArray("vocab"); // there is a list (what detects the model type when none is named)
                } else {
                    if (field.equals("vocab")) {
                        vocab = null; // a later "vocab" that is not a list replaces an earlier one
                    } else {
                        parser.nextToken();
                    }
                    model.set(field, parser.readValueAsTree());
                }
            }
        }
        return new Parsed(root, vocab);
    }

    private Tokenizer read(JsonNode root, Unigram.Vocab vocab) {
        if (!root.isObject()) {
            throw new Invalid("the top level is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version != null && !version.isNull() && !"1.0".equals(version.asText())) {
            throw new Invalid("unknown tokenizer.json version \"" + version.asText()
                    + "\" (KoEmbed reads \"1.0\")");
        }
        for (String ignored : List.of("truncation", "padding")) {
            JsonNode block = root.get(ignored);
            if (block != null && !block.isNull() && !block.isObject()) {
                throw new Invalid("\"" + ignored + "\" is neither null nor an object");
            }
        }
        TokenizerModel model = model(root.get("model"), vocab);
        Normalizer normalizer = normalizer(root.get("normalizer"), "normalizer");
        if (normalizer instanceof BertNormalizer bert && config.isBertTokenizer()) {
            normalizer = bert.withOptions(config.option("do_lower_case", true), config.optionalOption("strip_accents"),
                    config.option("tokenize_chinese_chars", true));
        }
        PreTokenizer preTokenizer = preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        PostProcessor postProcessor = postProcessor(root.get("post_processor"), "post_processor");
        List<AddedToken> addedTokens = readAddedTokens(root.get("added_tokens"));
        String padToken = findPadToken(root, addedTokens);
        try {
            return new Tokenizer(normalizer, preTokenizer, model, addedTokens, postProcessor, padToken);
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
    }

    private static List<AddedToken> readAddedTokens(JsonNode node) {
        List<AddedToken> tokens = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tokens;
        }
        if (!node.isArray()) {
            throw new Invalid("\"added_tokens\" is not a list");
        }
        int k = 0;
        for (JsonNode t : node) {
            tokens.add(AddedToken.fromJson(t, "added_tokens[" + k++ + "]"));
        }
        return tokens;
    }

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
}
