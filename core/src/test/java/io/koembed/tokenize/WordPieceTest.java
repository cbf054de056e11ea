package io.koembed.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import io.koembed.tokenize.models.WordPiece;
import io.koembed.tokenize.normalizers.BertNormalizer;
import io.koembed.tokenize.pretokenizers.BertPreTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WordPiece, BertNormalizer and the BERT loaders on small hand-made cases. */
class WordPieceTest {
    private static final Map<String, Integer> VOCAB = Map.of("[UNK]", 0, "un", 1, "##aff", 2, "##able", 3,
            "a", 4, "##a", 5, "가", 6, "##나", 7);

    @Test
    void greedyLongestMatchWithContinuationPieces() {
        WordPiece model = new WordPiece(VOCAB, "[UNK]", "##", 100);
        assertArrayEquals(new int[] {1, 2, 3}, TokenizerUnitTest.modelIds(model, "unaffable"));
        assertArrayEquals(new int[] {6, 7, 7}, TokenizerUnitTest.modelIds(model, "가나나"));
        // one position without a match makes the whole word unknown, not just that piece
        assertArrayEquals(new int[] {0}, TokenizerUnitTest.modelIds(model, "unaffablex"));
        assertArrayEquals(new int[] {0}, TokenizerUnitTest.modelIds(model, "aff"));
    }

    @Test
    void theWordLimitCountsCodePointsNotUtf16Units() {
        WordPiece model = new WordPiece(Map.of("[UNK]", 0, "\uD83D\uDE00", 1, "##\uD83D\uDE00", 2), "[UNK]", "##", 3);
        // three emoji are six UTF-16 units but three code points: within a limit of 3
        assertArrayEquals(new int[] {1, 2, 2}, TokenizerUnitTest.modelIds(model, "\uD83D\uDE00".repeat(3)));
        assertArrayEquals(new int[] {0}, TokenizerUnitTest.modelIds(model, "\uD83D\uDE00".repeat(4)));
    }

    @Test
    void aVocabularyWithoutTheUnknownTokenIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WordPiece(Map.of("a", 0), "[UNK]", "##", 100));
        assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
    }

    @Test
    void bertNormalizerSteps() {
        // clean_text drops controls and U+FFFD, turns white space into spaces; CJK ideographs get spaces around them
        assertEquals("a b c 中 d", new BertNormalizer(true, true, false, false).normalize("a\u0000\tb\u3000c\uFFFD中d"));
        // strip_accents null follows lowercase
        assertEquals("ecole", new BertNormalizer(true, true, null, true).normalize("ÉCOLE"));
        assertEquals("école", new BertNormalizer(true, true, false, true).normalize("ÉCOLE"));
        assertEquals("ÉCOLE", new BertNormalizer(true, true, null, false).normalize("ÉCOLE"));
        // a character the JDK knows as Cf (Unicode 9) but the Rust tables do not: kept, as Rust keeps it
        assertEquals("a\u08E2b", new BertNormalizer(true, true, false, false).normalize("a\u08E2b"));
    }

    @Test
    void bertPreTokenizerSplitsOnSpaceAndIsolatesPunctuation() {
        assertEquals(List.of("Hey", "friend", "!", "How", "?", "!", "$", "5", "가나", "\u166D"),
                new BertPreTokenizer().preTokenize("Hey friend!  How?! $5 가나\u166D", true));
    }

    @Test
    void bertTokenizerFastOptionsOverrideTheFileNormalizer(@TempDir Path tmp) throws IOException {
        // tiny-bert-ko's tokenizer.json says lowercase false; a tokenizer_config.json without do_lower_case means
        // BertTokenizerFast's default, true, which transformers writes over the file's normalizer
        Path dir = Fixtures.copyModel("tiny-bert-ko", tmp.resolve("m"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"BertTokenizer\"}");
        Tokenizer lowered = Tokenizer.load(dir);
        Tokenizer cased = Tokenizer.fromTokenizerJson(Fixtures.model("tiny-bert-ko").resolve("tokenizer.json"));
        assertArrayEquals(cased.encode("hello").ids(), lowered.encode("HELLO").ids());
        assertTrue(!java.util.Arrays.equals(cased.encode("HELLO").ids(), lowered.encode("HELLO").ids()));
        // the same file alone in its folder is read as it is
        Path alone = Files.createDirectories(tmp.resolve("alone"));
        Files.copy(dir.resolve("tokenizer.json"), alone.resolve("tokenizer.json"));
        assertArrayEquals(cased.encode("HELLO").ids(), Tokenizer.fromTokenizerJson(alone.resolve("tokenizer.json"))
                .encode("HELLO").ids());
    }

    @Test
    void vocabLinesSplitAsPythonReadsThem(@TempDir Path tmp) throws IOException {
        Path vocab = tmp.resolve("vocab.txt");
        Files.writeString(vocab, "[UNK]\r\na \nb\rc\n\nb\n", StandardCharsets.UTF_8);
        // a trailing space stays part of the entry; a repeated entry keeps its last line
        assertEquals(Map.of("[UNK]", 0, "a ", 1, "b", 5, "c", 3, "", 4), BertVocabTokenizer.readVocab(vocab));
    }

    @Test
    void badBertFilesAreClearErrors(@TempDir Path tmp) throws IOException {
        Path vocab = tmp.resolve("vocab.txt");
        Files.write(vocab, new byte[] {'[', 'U', 'N', 'K', ']', '\n', (byte) 0xC3, '('});
        var e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromBertVocab(vocab));
        assertTrue(e.getMessage().contains("vocab.txt") && e.getMessage().contains("UTF-8"), e.getMessage());

        Files.writeString(vocab, "a\nb\n");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromBertVocab(vocab));
        assertTrue(e.getMessage().contains("[UNK]") && e.getMessage().contains("unk_token"), e.getMessage());

        // vocab.txt without tokenizer.json under a class that is not BertTokenizer
        Files.writeString(vocab, "[UNK]\na\n");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"RobertaTokenizer\"}");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(tmp));
        assertTrue(e.getMessage().contains("RobertaTokenizer") && e.getMessage().contains("vocab.txt"), e.getMessage());

        Path json = tmp.resolve("tokenizer.json");
        Files.writeString(json, "{\"version\": \"1.0\", \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\","
                + " \"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": 100, \"vocab\": {\"a\": 0}}}");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.fromTokenizerJson(json));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("[UNK]"), e.getMessage());
    }
}
