package io.koembed.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.ModelFormatException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a bad tokenizer.json is refused with, word for word: the file, where in it, and what is wrong. The
 * expected messages are those of the loader before each stage read its own components; one case per message.
 */
class TokenizerJsonErrorsTest {
    @TempDir
    static Path dir;

    record Case(String name, String fixture, Consumer<ObjectNode> change, String message) {}

    static Case xlmr(String name, Consumer<ObjectNode> change, String message) {
        return new Case(name, "tiny-xlmr-ko", change, message);
    }

    static Case bert(String name, Consumer<ObjectNode> change, String message) {
        return new Case(name, "tiny-bert-ko", change, message);
    }

    /** Replaces the top-level {@code field} by the JSON {@code value}. */
    static Consumer<ObjectNode> set(String field, String value) {
        return root -> root.set(field, Reference.parse(value));
    }

    /** Replaces {@code field} of the model by the JSON {@code value}. */
    static Consumer<ObjectNode> model(String field, String value) {
        return root -> ((ObjectNode) root.get("model")).set(field, Reference.parse(value));
    }

    /** XLM-R's file with this {@code normalizer}; the message names the place, as the loader does. */
    static Case normalizer(String name, String json, String message) {
        return xlmr(name, set("normalizer", json), "normalizer" + message);
    }

    static Case preTokenizer(String name, String json, String message) {
        return xlmr(name, set("pre_tokenizer", json), "pre_tokenizer" + message);
    }

    /** XLM-R's file with its TemplateProcessing changed. */
    static Case template(String name, Consumer<ObjectNode> change, String message) {
        return xlmr(name, root -> change.accept((ObjectNode) root.get("post_processor")), "post_processor" + message);
    }

    static final String NORMALIZERS = "(KoEmbed implements Sequence, Precompiled, Strip, Replace, NFC, NFD, NFKC, "
            + "NFKD, Lowercase, BertNormalizer)";
    static final String META = "{\"type\": \"Metaspace\", \"replacement\": \"\u2581\", ";

    static List<Case> catalogue() {
        return List.of(
                xlmr("version", set("version", "\"2.0\""),
                        "unknown tokenizer.json version \"2.0\" (KoEmbed reads \"1.0\")"),
                xlmr("padding block", set("padding", "\"x\""), "\"padding\" is neither null nor an object"),
                xlmr("no model", set("model", "null"), "no \"model\""),
                xlmr("BPE", set("model", "{\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}"),
                        "model type \"BPE\" is not supported (KoEmbed implements Unigram and WordPiece)"),
                xlmr("Unigram byte fallback", model("byte_fallback", "\"yes\""),
                        "the Unigram model's \"byte_fallback\" is not true or false: \"yes\""),
                xlmr("Unigram unk_id", model("unk_id", "\"x\""),
                        "the Unigram model has no integer \"unk_id\" (KoEmbed needs one for unseen characters)"),
                xlmr("Unigram unk_id out of range", model("unk_id", "999999"),
                        "bad Unigram model: unk id 999999 is outside the vocabulary of size 8002"),
                xlmr("Unigram vocab", model("vocab", "{}"), "the Unigram model has no \"vocab\" list"),
                xlmr("Unigram vocab entry", root -> ((ArrayNode) root.get("model").get("vocab")).set(3,
                        Reference.parse("[1, \"a\"]")), "model.vocab[3] is not a [piece, score] pair"),
                bert("WordPiece vocab", model("vocab", "[]"), "model (WordPiece) has no \"vocab\" object"),
                bert("WordPiece prefix", model("continuing_subword_prefix", "null"),
                        "model (WordPiece) has no string \"continuing_subword_prefix\""),
                bert("WordPiece max chars", model("max_input_chars_per_word", "-1"),
                        "model (WordPiece) \"max_input_chars_per_word\" is not a non-negative integer"),
                bert("WordPiece id", root -> ((ObjectNode) root.get("model").get("vocab")).put("[UNK]", -3),
                        "model.vocab[\"[UNK]\"] is not a non-negative integer id"),
                bert("WordPiece unk_token", model("unk_token", "\"[NOPE]\""),
                        "bad WordPiece model: the unknown token \"[NOPE]\" is not in the vocabulary"),
                normalizer("not an object", "5", " is not an object"),
                normalizer("without type", "{\"x\": 1}", " has no \"type\""),
                normalizer("nested", "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFD\"}, "
                        + "{\"type\": \"StripAccents\"}]}", ".normalizers[1]: normalizer type \"StripAccents\" is "
                        + "not supported " + NORMALIZERS),
                normalizer("Sequence", "{\"type\": \"Sequence\", \"normalizers\": 5}",
                        ": \"normalizers\" is not a list"),
                normalizer("Precompiled", "{\"type\": \"Precompiled\"}",
                        ": Precompiled without a base64 \"precompiled_charsmap\""),
                normalizer("Precompiled base64", "{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"!!!\"}",
                        ": precompiled_charsmap is not base64: Illegal base64 character 21"),
                normalizer("Precompiled blob", "{\"type\": \"Precompiled\", \"precompiled_charsmap\": "
                        + "\"CAAAAAE=\"}", ": precompiled_charsmap declares a trie of 8 bytes, which does not fit its "
                        + "5 bytes"),
                normalizer("Strip", "{\"type\": \"Strip\", \"strip_left\": true}",
                        ": \"strip_right\" is not a boolean"),
                normalizer("Replace content", "{\"type\": \"Replace\", \"pattern\": {\"String\": \"a\"}}",
                        ": Replace without a string \"content\""),
                normalizer("Replace pattern", "{\"type\": \"Replace\", \"pattern\": {\"Foo\": \"a\"}, "
                        + "\"content\": \"b\"}", ": Replace \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}"),
                normalizer("Replace regex", "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, "
                        + "\"content\": \"b\"}", ": bad Replace regex (: Unclosed group"),
                normalizer("BertNormalizer strip_accents", "{\"type\": \"BertNormalizer\", \"strip_accents\": 1}",
                        ": \"strip_accents\" is not true, false or null"),
                normalizer("BertNormalizer clean_text", "{\"type\": \"BertNormalizer\", \"clean_text\": \"no\"}",
                        ": \"clean_text\" is not a boolean"),
                preTokenizer("nested", "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Whitespace\"}]}",
                        ".pretokenizers[0]: pre-tokenizer type \"Whitespace\" is not supported (KoEmbed implements "
                        + "Metaspace, BertPreTokenizer, Sequence)"),
                preTokenizer("Metaspace replacement", "{\"type\": \"Metaspace\", \"replacement\": \"ab\"}",
                        ": Metaspace \"replacement\" must be a single character"),
                preTokenizer("Metaspace prepend_scheme", META + "\"prepend_scheme\": \"sometimes\"}",
                        ": unknown Metaspace prepend_scheme \"sometimes\""),
                preTokenizer("Metaspace add_prefix_space", META + "\"add_prefix_space\": \"x\"}",
                        ": Metaspace \"add_prefix_space\" is not a boolean"),
                xlmr("post-processor", set("post_processor", "{\"type\": \"Sequence\", \"processors\": "
                        + "[{\"type\": \"ByteLevel\"}, {\"type\": \"Nope\"}]}"), "post_processor.processors[1]: "
                        + "post-processor type \"Nope\" is not supported (KoEmbed implements TemplateProcessing, "
                        + "RobertaProcessing, BertProcessing, ByteLevel, Sequence)"),
                xlmr("RobertaProcessing", set("post_processor", "{\"type\": \"RobertaProcessing\", "
                        + "\"sep\": [\"</s>\", \"x\"], \"cls\": [\"<s>\", 0]}"),
                        "post_processor: \"sep\" must be [token, id]"),
                template("special_tokens", t -> ((ObjectNode) t.get("special_tokens").get("<s>")).set("ids",
                        Reference.parse("[0, 1]")), ".special_tokens.<s>: needs \"ids\" and \"tokens\" lists of the "
                        + "same length"),
                template("template sequence", t -> ((ArrayNode) t.get("single")).set(1,
                        Reference.parse("{\"Sequence\": {\"id\": \"C\", \"type_id\": 0}}")),
                        ".single[1]: unknown sequence \"C\""),
                template("template piece", t -> ((ArrayNode) t.get("pair")).set(0, Reference.parse("{\"Foo\": {}}")),
                        ".pair[0]: neither a SpecialToken nor a Sequence"),
                template("template single uses B", t -> ((ArrayNode) t.get("single")).set(1,
                        Reference.parse("{\"Sequence\": {\"id\": \"B\", \"type_id\": 0}}")),
                        ": the single template uses sequence B"),
                xlmr("added_tokens", set("added_tokens", "{}"), "\"added_tokens\" is not a list"),
                xlmr("added token content", root -> ((ArrayNode) root.get("added_tokens")).add("x"),
                        "added_tokens[5] has no string \"content\""));
    }

    @TestFactory
    Stream<DynamicTest> eachBadFileIsRefusedWithItsMessage() {
        return catalogue().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            ObjectNode root = Reference.fixtureTokenizerJson(c.fixture());
            c.change().accept(root);
            Path file = Reference.write(dir.resolve(c.name().replace(' ', '_')), root);
            var e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromTokenizerJson(file));
            assertEquals(file + ": " + c.message(), e.getMessage());
        }));
    }
}
