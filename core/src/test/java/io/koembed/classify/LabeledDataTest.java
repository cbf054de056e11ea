package io.koembed.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.classify.LabeledData.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LabeledDataTest {
    static final Path DATA = Path.of(System.getProperty("koembed.testdata", "../testdata")).resolve("../data");

    static List<LabeledExample> parse(String text, Format format) {
        return LabeledData.parse("f", text.getBytes(StandardCharsets.UTF_8), format);
    }

    static void assertError(String expectedMessage, String text, Format format) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> parse(text, format));
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void readsTheShippedKorNliFilesCompletely() throws IOException {
        for (var file : Map.of("xnli.dev.ko.tsv", 2490, "xnli.test.ko.tsv", 5010).entrySet()) {
            List<LabeledExample> rows = LabeledData.read(DATA.resolve("kornli").resolve(file.getKey()),
                    LabeledData.formatOf(file.getKey(), null));
            assertEquals(file.getValue(), rows.size(), file.getKey());
            Map<String, Integer> counts = new TreeMap<>();
            for (LabeledExample e : rows) {
                assertTrue(e.isPair());
                counts.merge(e.label(), 1, Integer::sum);
            }
            int third = file.getValue() / 3;
            assertEquals(Map.of("contradiction", third, "entailment", third, "neutral", third), counts);
            assertTrue(rows.getFirst().source().endsWith(file.getKey() + ":2"), rows.getFirst().source());
        }
        // quotes are data, not syntax
        List<LabeledExample> q = parse("sentence1\tsentence2\tgold_label\n\"a\tb \"c\tneutral\n", Format.KORNLI);
        assertEquals("\"a", q.getFirst().text());
        assertEquals("b \"c", q.getFirst().text2());
    }

    @Test
    void korNliErrorsNameFileAndLine() {
        assertError("f:1: expected the KorNLI header \"sentence1\\tsentence2\\tgold_label\", found \"a\\tb\"",
                "a\tb\n", Format.KORNLI);
        assertError("f:3: expected 3 tab-separated fields (sentence1, sentence2, gold_label), found 2",
                "sentence1\tsentence2\tgold_label\na\tb\tneutral\na\tb\n", Format.KORNLI);
        assertError("f:2: empty gold_label", "sentence1\tsentence2\tgold_label\na\tb\t\n", Format.KORNLI);
        assertError("f:2: empty line", "sentence1\tsentence2\tgold_label\n\na\tb\tc\n", Format.KORNLI);
        DataFormatException e = assertThrows(DataFormatException.class, () -> LabeledData.parse("f",
                new byte[] {'s', '\n', 'a', (byte) 0xC3, '\n'}, Format.TXT));
        assertEquals("f:2: invalid UTF-8 at byte offset 3 (byte 0xC3)", e.getMessage());
        // CRLF line ends and no final newline are fine
        assertEquals(1, parse("sentence1\tsentence2\tgold_label\r\na\tb\tc", Format.KORNLI).size());
    }

    @Test
    void jsonlSinglesAndPairs() {
        List<LabeledExample> s = parse("{\"text\":\"좋다\",\"label\":\"pos\"}\n{\"text\":\"a\\tb\",\"label\":1}\n"
                + "{\"text\":\"c\",\"id\":7}\n", Format.JSONL);
        assertEquals(LabeledExample.single("좋다", "pos"), strip(s.get(0)));
        assertEquals(LabeledExample.single("a\tb", "1"), strip(s.get(1)));
        assertNull(s.get(2).label());
        List<LabeledExample> p = parse("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"label\":\"neutral\"}\n",
                Format.JSONL);
        assertEquals(LabeledExample.pair("a", "b", "neutral"), strip(p.getFirst()));
        assertError("f:2: mixes single texts and sentence pairs: earlier lines hold single texts",
                "{\"text\":\"a\"}\n{\"sentence1\":\"a\",\"sentence2\":\"b\"}\n", Format.JSONL);
        assertError("f:1: missing \"sentence2\"", "{\"sentence1\":\"a\"}\n", Format.JSONL);
        assertError("f:1: \"text\" must be a string, found number", "{\"text\":3}\n", Format.JSONL);
        assertError("f:1: \"label\" must be a string, number or boolean, found array",
                "{\"text\":\"a\",\"label\":[1]}\n", Format.JSONL);
        assertTrue(assertThrows(DataFormatException.class, () -> parse("{\"text\":\"a\"\n", Format.JSONL))
                .getMessage().startsWith("f:1: not valid JSON"));
        assertError("f:2: empty line (each line must be one JSON object)", "{\"text\":\"a\"}\n\n{\"text\":\"b\"}",
                Format.JSONL);
    }

    private static LabeledExample strip(LabeledExample e) {
        return new LabeledExample(e.text(), e.text2(), e.label(), null);
    }

    @Test
    void formatFromFileName() {
        assertEquals(Format.KORNLI, LabeledData.formatOf("x/xnli.dev.ko.tsv", null));
        assertEquals(Format.JSONL, LabeledData.formatOf("a.JSONL", null));
        assertEquals(Format.TXT, LabeledData.formatOf("a.txt", null));
        assertEquals(Format.JSONL, LabeledData.formatOf("a.tsv", Format.JSONL));
        assertThrows(IllegalArgumentException.class, () -> LabeledData.formatOf("a.csv", null));
    }
}
