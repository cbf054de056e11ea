package io.koembed.tokenize;

import static io.koembed.tokenize.TokenizerFixtureTest.escape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The older tokenizer.json generation (pre-2024 Hub repositories: Metaspace with {@code add_prefix_space} and
 * {@code str_rep}, no Strip normalizer, {@code " {2,}" -> " "}, non-null truncation and padding blocks), built
 * from the fixture and compared with the Rust library loaded on the very same file.
 */
class LegacyTokenizerJsonTest {
    @TempDir
    static Path dir;

    private static Tokenizer ours;
    private static HuggingFaceTokenizer rust;
    private static Tokenizer current;

    @BeforeAll
    static void build() {
        ObjectNode root = Reference.fixtureTokenizerJson("tiny-xlmr-ko");
        ArrayNode steps = (ArrayNode) root.get("normalizer").get("normalizers");
        ObjectNode precompiled = (ObjectNode) steps.get(0);
        ArrayNode legacySteps = Reference.JSON.createArrayNode();
        legacySteps.add(precompiled);
        legacySteps.add(Reference.parse("{\"type\":\"Replace\",\"pattern\":{\"Regex\":\" {2,}\"},\"content\":\" \"}"));
        ((ObjectNode) root.get("normalizer")).set("normalizers", legacySteps);
        String metaspace = "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"add_prefix_space\":true,"
                + "\"str_rep\":\"\u2581\"}";
        root.set("pre_tokenizer", Reference.parse(metaspace));
        root.set("decoder", Reference.parse(metaspace));
        root.set("truncation", Reference.parse(
                "{\"direction\":\"Right\",\"max_length\":512,\"strategy\":\"LongestFirst\",\"stride\":0}"));
        root.set("padding", Reference.parse("{\"strategy\":{\"Fixed\":512},\"direction\":\"Right\","
                + "\"pad_to_multiple_of\":null,\"pad_id\":1,\"pad_type_id\":0,\"pad_token\":\"<pad>\"}"));
        Path file = Reference.write(dir.resolve("legacy"), root);
        ours = Tokenizer.fromTokenizerJson(file);
        rust = Reference.rust(file, 0);
        current = Tokenizer.fromTokenizerJson(io.koembed.Fixtures.model("tiny-xlmr-ko").resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        rust.close();
    }

    @Test
    void referenceNeitherPadsNorTruncates() {
        String longText = "한국어 문장을 아주 길게 반복합니다. ".repeat(120);
        int[] rustLong = Reference.ints(rust.encode(longText).getIds());
        assertTrue(rustLong.length > 512, "the reference truncated to " + rustLong.length);
        assertArrayEquals(rustLong, ours.encode(longText).ids());
        int[] rustShort = Reference.ints(rust.encode("짧은 문장").getIds());
        assertTrue(rustShort.length < 10, "the reference padded to " + rustShort.length);
        assertArrayEquals(rustShort, ours.encode("짧은 문장").ids());
    }

    @Test
    void fileBlocksAreIgnoredButThePadTokenIsFound() {
        assertEquals(1, ours.padId()); // from the padding block: the folder holds no config file
        String longText = "가나다 ".repeat(600);
        assertTrue(ours.encode(longText).length() > 512);
        assertEquals(4, ours.encode("가").length()); // <s> ▁ 가 </s>, not padded
    }

    @Test
    void legacyFileDiffersFromTheCurrentOneWhereItShould() {
        // No Strip: a trailing space survives as a lone "▁" piece, which the current file strips.
        assertNotEquals(Arrays.toString(current.encode("끝 ").ids()), Arrays.toString(ours.encode("끝 ").ids()));
        assertArrayEquals(Reference.ints(rust.encode("끝 ").getIds()), ours.encode("끝 ").ids());
    }

    @Test
    void idsEqualTheRustLibraryOnFixtureAndGeneratedTexts() {
        List<String> texts = new ArrayList<>(Reference.fixtureTexts("tiny-xlmr-ko"));
        texts.addAll(Reference.generated(20240611L, 400));
        List<String> failures = new ArrayList<>();
        for (String text : texts) {
            int[] expected = Reference.ints(rust.encode(text).getIds());
            int[] actual = ours.encode(text).ids();
            if (!Arrays.equals(expected, actual)) {
                failures.add(escape(text) + "\n  rust " + Arrays.toString(expected) + "\n  ours "
                        + Arrays.toString(actual));
            }
        }
        assertEquals(0, failures.size(), failures.size() + " of " + texts.size() + " texts differ:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }
}
