package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;

import static io.koembed.tokenize.TokenizerFixtureTest.escape;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Targeted differential checks of the components the fixture files do not exercise (other post-processors,
 * pair encodings and their truncation, added-token flags, prepend schemes, other normalizers, BertNormalizer
 * options, WordPiece settings): each variant of a fixture's tokenizer.json (tiny-xlmr-ko's Unigram or
 * tiny-bert-ko's WordPiece) is loaded by us and by the Rust library, and single texts, pairs, and both truncated
 * are compared on the fixture texts plus a few hundred generated strings. Not the randomized fuzz harness; a
 * fixed, deterministic set.
 */
class VariantsAgainstRustTest {
    private static final int MAX_LENGTH = 24;

    @TempDir
    static Path dir;

    private static final String XLMR = "tiny-xlmr-ko";
    private static final String BERT = "tiny-bert-ko";

    static Stream<Arguments> variants() {
        return Stream.concat(unigramVariants(), wordPieceVariants());
    }

    static Stream<Arguments> wordPieceVariants() {
        return Stream.of(
                bert("WordPiece fixture as is", root -> {}),
                bert("lowercase, strip_accents null (= strip)", root -> normalizer(root, true, true, null, true)),
                bert("lowercase without strip_accents", root -> normalizer(root, true, true, false, true)),
                bert("strip_accents without lowercase", root -> normalizer(root, true, true, true, false)),
                bert("handle_chinese_chars off", root -> normalizer(root, true, false, null, false)),
                bert("clean_text off", root -> normalizer(root, false, true, null, false)),
                bert("WordPiece BertProcessing", root -> root.set("post_processor", Reference.parse(
                        "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]}"))),
                bert("WordPiece without post-processor", root -> root.putNull("post_processor")),
                bert("max_input_chars_per_word 4", root -> ((ObjectNode) root.get("model"))
                        .put("max_input_chars_per_word", 4)),
                bert("continuing_subword_prefix that no entry has", root -> ((ObjectNode) root.get("model"))
                        .put("continuing_subword_prefix", "@@")),
                bert("WordPiece added tokens with every flag, lowercase", root -> {
                    normalizer(root, true, true, null, true);
                    ArrayNode added = (ArrayNode) root.get("added_tokens");
                    added.add(token("\uc0ac\ub78c", false, false, false, true, false)); // normalized, a vocabulary word
                    added.add(token("[MASK]", false, true, true, false, true));          // special, lstrip + rstrip
                    added.add(token("ab", true, false, false, false, false));            // single word
                    added.add(token("ÉCOLE", false, false, false, true, false));         // normalized: matches "ecole"
                    added.add(token("NEW", false, false, false, false, false));          // not in the vocabulary
                }));
    }

    /** Replaces tiny-bert-ko's BertNormalizer by one with these options ({@code stripAccents} null writes null). */
    private static void normalizer(ObjectNode root, boolean cleanText, boolean chinese, Boolean stripAccents,
                                   boolean lowercase) {
        ObjectNode n = root.putObject("normalizer");
        n.put("type", "BertNormalizer");
        n.put("clean_text", cleanText);
        n.put("handle_chinese_chars", chinese);
        if (stripAccents == null) {
            n.putNull("strip_accents");
        } else {
            n.put("strip_accents", stripAccents);
        }
        n.put("lowercase", lowercase);
    }

    static Stream<Arguments> unigramVariants() {
        return Stream.of(
                variant("fixture as is", root -> {}),
                variant("RobertaProcessing", root -> root.set("post_processor", Reference.parse(
                        "{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",0],"
                                + "\"trim_offsets\":true,\"add_prefix_space\":true}"))),
                variant("BertProcessing", root -> root.set("post_processor", Reference.parse(
                        "{\"type\":\"BertProcessing\",\"sep\":[\"</s>\",2],\"cls\":[\"<s>\",0]}"))),
                variant("BERT-like template with type ids 1 and a Sequence wrapper", root -> root.set(
                        "post_processor", Reference.parse("{\"type\":\"Sequence\",\"processors\":["
                                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,"
                                + "\"use_regex\":true},"
                                + "{\"type\":\"TemplateProcessing\","
                                + "\"single\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                                + "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}],"
                                + "\"pair\":[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},"
                                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                                + "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}},"
                                + "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},"
                                + "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":1}}],"
                                + "\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[0],\"tokens\":[\"<s>\"]},"
                                + "\"</s>\":{\"id\":\"</s>\",\"ids\":[2],\"tokens\":[\"</s>\"]}}}]}"))),
                variant("no post-processor", root -> root.putNull("post_processor")),
                variant("added tokens with every flag", root -> {
                    ArrayNode added = (ArrayNode) root.get("added_tokens");
                    added.add(token("\uff2b\uff2f", false, false, false, true, false));   // normalized: matches "KO"
                    added.add(token("문장", false, true, true, false, false));             // lstrip + rstrip
                    added.add(token("ab", true, false, false, false, false));              // single word
                    added.add(token("[SEP]", true, true, false, false, true));             // special, single word
                    added.add(token("\u2581가", false, false, false, false, false));       // already a model piece
                    added.add(token("입니다", false, false, true, true, false));            // normalized + rstrip
                    added.add(token("<s>", false, false, false, false, true));             // duplicate content
                }),
                variant("prepend_scheme first", root -> root.set("pre_tokenizer", Reference.parse(
                        "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"first\","
                                + "\"split\":true}"))),
                variant("prepend_scheme first after a left Strip", root -> {
                    root.set("pre_tokenizer", Reference.parse("{\"type\":\"Metaspace\",\"replacement\":\"\u2581\","
                            + "\"prepend_scheme\":\"first\",\"split\":true}"));
                    ArrayNode steps = (ArrayNode) root.get("normalizer").get("normalizers");
                    steps.set(1, Reference.parse("{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}"));
                }),
                variant("prepend_scheme never, no split", root -> root.set("pre_tokenizer", Reference.parse(
                        "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Metaspace\",\"replacement\":"
                                + "\"\u2581\",\"prepend_scheme\":\"never\",\"split\":false}]}"))),
                variant("NFKC, Lowercase, Strip, String Replace", root -> root.set("normalizer", Reference.parse(
                        "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},{\"type\":\"Lowercase\"},"
                                + "{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true},"
                                + "{\"type\":\"Replace\",\"pattern\":{\"String\":\"  \"},\"content\":\" \"}]}"))),
                variant("NFD and no normalizer steps around Precompiled", root -> root.set("normalizer",
                        Reference.parse("{\"type\":\"NFD\"}"))),
                variant("no normalizer, no pre-tokenizer", root -> {
                    root.putNull("normalizer");
                    root.putNull("pre_tokenizer");
                }),
                variant("byte fallback, all 256 byte pieces", root -> byteFallback(root, true, 256, 0.0)),
                variant("byte fallback, ASCII byte pieces only", root -> byteFallback(root, true, 128, 0.0)),
                variant("byte fallback, byte pieces scored lowest", root -> byteFallback(root, true, 256, -99.0)),
                variant("byte pieces without byte fallback", root -> byteFallback(root, false, 256, 0.0)));
    }

    /**
     * Sets the Unigram model's {@code byte_fallback} and appends the pieces {@code <0x00>} up to byte {@code count}
     * - 1, each scored {@code score}, as a SentencePiece model trained with byte fallback has them.
     */
    private static void byteFallback(ObjectNode root, boolean on, int count, double score) {
        ObjectNode model = (ObjectNode) root.get("model");
        model.put("byte_fallback", on);
        ArrayNode vocab = (ArrayNode) model.get("vocab");
        for (int b = 0; b < count; b++) {
            vocab.addArray().add(String.format("<0x%02X>", b)).add(score);
        }
    }

    private static Arguments variant(String name, Consumer<ObjectNode> change) {
        return Arguments.of(name, XLMR, change);
    }

    private static Arguments bert(String name, Consumer<ObjectNode> change) {
        return Arguments.of(name, BERT, change);
    }

    private static ObjectNode token(String content, boolean singleWord, boolean lstrip, boolean rstrip,
                                    boolean normalized, boolean special) {
        ObjectNode t = Reference.JSON.createObjectNode();
        t.put("id", 0); // not consulted by either side
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void idsAndTypeIdsEqualTheRustLibrary(String name, String fixture, Consumer<ObjectNode> change) {
        ObjectNode root = Reference.fixtureTokenizerJson(fixture);
        change.accept(root);
        Path file = Reference.write(dir.resolve(name.replaceAll("[^A-Za-z]", "_")), root);
        Tokenizer ours = Tokenizer.fromTokenizerJson(file);

        List<String> texts = new ArrayList<>(Reference.fixtureTexts(fixture));
        texts.addAll(Reference.generated(name.hashCode(), 150));
        texts.addAll(List.of("KO와 ＫＯ와 ko", "문장  문장\t문장", "ab abc ab-ab xab", "[SEP]x [SEP] [SEP]",
                "<s>안녕", " <mask>안녕", "  앞 공백", "입니다   입니다", "\u2581\u2581x", "<s>", " ",
                "ÉCOLE École ecole café CAFÉ", "가나[MASK]다 [MASK]  x", "사람사람 사람NEW", "中文字符和한국어",
                "unaffable 가나다라마바사아자차카타파하", "$5+3=8 ^_^ `a|b` ~c", "\u00e9\u0301\u0327 \u1e9e\u00df",
                "\u2603\ud83d\ude00x 끝\ud83e\udd17\ud83e\udd17", "<0x41><0xEA> <0x41>", "<unk>\u2603 \u2603<unk>",
                "\u9f98\u4a3b \ua66e\ud835\udd18\ud835\udd2b", "a\u0000b\u0001", "^`|~ ^^ ~~"));
        List<String> failures = new ArrayList<>();
        try (HuggingFaceTokenizer rust = Reference.rust(file, 0);
             HuggingFaceTokenizer rustTruncating = Reference.rust(file, MAX_LENGTH)) {
            for (int i = 0; i < texts.size(); i++) {
                String a = texts.get(i);
                String b = texts.get((i * 7 + 3) % texts.size());
                compare("single " + escape(a), rust.encode(a), ours.encode(a), failures);
                compare("pair " + escape(a) + " + " + escape(b), rust.encode(a, b, true, false),
                        ours.encodePair(a, b), failures);
                compare("single<=" + MAX_LENGTH + " " + escape(a), rustTruncating.encode(a),
                        ours.encode(a, MAX_LENGTH), failures);
                compare("pair<=" + MAX_LENGTH + " " + escape(a) + " + " + escape(b),
                        rustTruncating.encode(a, b, true, false), ours.encodePair(a, b, MAX_LENGTH), failures);
            }
        }
        assertEquals(0, failures.size(), name + ": " + failures.size() + " of " + 4 * texts.size()
                + " encodings differ:\n" + String.join("\n", failures.subList(0, Math.min(6, failures.size()))));
    }

    private static void compare(String what, ai.djl.huggingface.tokenizers.Encoding rust, Encoding ours,
                                List<String> failures) {
        int[] ids = Reference.ints(rust.getIds());
        int[] types = Reference.ints(rust.getTypeIds());
        if (!Arrays.equals(ids, ours.ids()) || !Arrays.equals(types, ours.typeIds())) {
            failures.add(what + "\n  rust " + Arrays.toString(ids) + " types " + Arrays.toString(types)
                    + "\n  ours " + Arrays.toString(ours.ids()) + " types " + Arrays.toString(ours.typeIds()));
        }
    }
}
