package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.common.UnicodeText;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Arbitrary Java strings must not break the tokenizer, and bad files must fail at load with a clear message. */
class TokenizerRobustnessTest {
    private static Tokenizer xlmr;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() {
        xlmr = Tokenizer.fromTokenizerJson(Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json"));
    }

    @Test
    void unpairedSurrogatesAreEncodedAsReplacementCharacters() {
        for (String bad : List.of("\ud800", "a\udc00b", "끝\ud83d", "\udc00\ud800", "<s>\ud800</s>")) {
            String fixed = bad.replaceAll("\\p{Cs}", "\ufffd");
            assertArrayEquals(xlmr.encode(fixed).ids(), xlmr.encode(bad).ids(), TokenizerFixtureTest.escape(bad));
        }
        // A well-formed pair is one character, untouched.
        assertArrayEquals(xlmr.encode("\ud83d\ude00").ids(), xlmr.encode("\ud83d\ude00").ids());
        assertEquals("a\ufffdb\ud83d\ude00\ufffd", UnicodeText.replaceLoneSurrogates("a\udc00b\ud83d\ude00\ud800"));
    }

    @Test
    void emptyWhiteSpaceAndControlCharacters() {
        assertArrayEquals(new int[] {0, 2}, xlmr.encode("").ids());
        assertArrayEquals(new int[] {0, 2}, xlmr.encode(" \t\n\r\u3000\u00a0 ").ids());
        assertArrayEquals(new int[] {0, 2}, xlmr.encode("", 128).ids());
        assertArrayEquals(new int[] {0, 2, 2, 2}, xlmr.encodePair("", "").ids());
        for (String s : List.of("\u0000", "\u0000\u0000x", "\u0001\u0002\u0003", "\u007f", "\u001b[0m", "\r\n\r\n")) {
            Encoding e = xlmr.encode(s);
            assertTrue(e.length() >= 2 && e.ids()[0] == 0 && e.ids()[e.length() - 1] == 2);
        }
    }

    @Test
    void longInputsAreLinearAndNeedNoDeepStack() {
        Random random = new Random(7);
        StringBuilder mix = new StringBuilder();
        String[] atoms = {"가", "나", " ", "  ", "a", "龘", "<mask>", "\u0301", "\ud83d\ude00", "\u2581", "."};
        while (mix.length() < 100_000) {
            mix.append(atoms[random.nextInt(atoms.length)]);
        }
        List<String> inputs = List.of("가".repeat(100_000), "龘".repeat(100_000), " ".repeat(100_000),
                "a\u0301".repeat(50_000), "<s>".repeat(34_000), "\u2581".repeat(100_000),
                "가나다라마바사 ".repeat(12_500), mix.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String s : inputs) {
                Encoding e = xlmr.encode(s);
                assertTrue(e.length() >= 2);
                assertEquals(Math.min(128, e.length()), xlmr.encode(s, 128).length());
            }
        });
        assertEquals(4, xlmr.encode("龘".repeat(100_000)).length()); // one fused <unk>
        assertEquals(2, xlmr.encode(" ".repeat(100_000)).length());
    }

    @Test
    void concurrentUseGivesTheSameIds() {
        List<String> texts = Reference.fixtureTexts("tiny-xlmr-ko");
        List<int[]> sequential = texts.stream().map(t -> xlmr.encode(t).ids()).toList();
        IntStream.range(0, texts.size()).parallel()
                .forEach(i -> assertArrayEquals(sequential.get(i), xlmr.encode(texts.get(i)).ids()));
    }

    @Test
    void missingOrBrokenFilesAreModelFormatErrors() throws Exception {
        Path missing = dir.resolve("nowhere").resolve("tokenizer.json");
        var e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromTokenizerJson(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not found"),
                e.getMessage());

        Path broken = Files.createDirectories(dir.resolve("broken")).resolve("tokenizer.json");
        Files.writeString(broken, "{\"version\": \"1.0\", \"model\": ");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromTokenizerJson(broken));
        assertTrue(e.getMessage().contains(broken.toString()) && e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void aTokenizerConfigThatIsNoObjectIsRefusedAsTheModelLoaderRefusesIt() throws Exception {
        // The pad token (and the other special tokens) come from tokenizer_config.json; one that holds no object
        // is refused with the file named, by the tokenizer alone as by the whole model.
        Path model = Fixtures.copyModel("tiny-xlmr-ko", dir.resolve("config-array"), "tokenizer_config.json");
        Path config = model.resolve("tokenizer_config.json");
        Files.writeString(config, "[\"<pad>\"]");
        String expected = config + ": expected a JSON object, found array";
        var e = assertThrows(ModelFormatException.class,
                () -> Tokenizer.fromTokenizerJson(model.resolve("tokenizer.json")));
        assertEquals(expected, e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(model));
        assertEquals(expected, e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> io.koembed.st.SentenceTransformer.load(model));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void unsupportedComponentsAreRefusedByName() {
        refused("normalizer", "Prepend",
                root -> root.set("normalizer", Reference.parse("{\"type\":\"Prepend\",\"prepend\":\"x\"}")));
        refused("nested normalizer", "StripAccents", root -> root.set("normalizer", Reference.parse(
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"StripAccents\"}]}")));
        refused("pre-tokenizer", "ByteLevel",
                root -> root.set("pre_tokenizer", Reference.parse("{\"type\":\"ByteLevel\"}")));
        refused("post-processor", "Wobble",
                root -> root.set("post_processor", Reference.parse("{\"type\":\"Wobble\"}")));
        refused("model", "BPE", root -> root.set("model", Reference.parse(
                "{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]}")));
        refused("version", "2.0", root -> root.put("version", "2.0"));
        refused("template with an unknown special token", "<cls>", root -> root.set("post_processor",
                Reference.parse("{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<cls>\","
                        + "\"type_id\":0}}],\"pair\":[],\"special_tokens\":{}}")));
        refused("contradicting Metaspace", "add_prefix_space", root -> root.set("pre_tokenizer", Reference.parse(
                "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"add_prefix_space\":false,"
                        + "\"prepend_scheme\":\"always\"}")));
    }

    private void refused(String what, String mentioned, Consumer<ObjectNode> change) {
        ObjectNode root = Reference.fixtureTokenizerJson("tiny-xlmr-ko");
        change.accept(root);
        Path file = Reference.write(dir.resolve(what.replace(' ', '_')), root);
        var e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromTokenizerJson(file), what);
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(mentioned),
                what + ": " + e.getMessage());
    }
}
