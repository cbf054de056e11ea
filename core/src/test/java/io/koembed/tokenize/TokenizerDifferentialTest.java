package io.koembed.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.koembed.Fixtures;
import io.koembed.tokenize.TokenizerFuzz.Report;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KoEmbed's tokenizer must give exactly the Rust tokenizer's ids for thousands of hostile generated strings
 * (see {@link TokenizerFuzz}), with the Unigram tokenizer of tiny-xlmr-ko and the WordPiece one of tiny-bert-ko.
 */
class TokenizerDifferentialTest {

    /** The fixed seed and count of the generated texts (TokenizerFuzzTest pins their hash). */
    static final long SEED = 20240611L;
    static final int COUNT = 3000;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-xlmr-ko", "tiny-bert-ko"})
    void koembedTokenizerMatchesRustOnGeneratedTexts(String fixture) throws IOException {
        Path tokenizerJson = Fixtures.model(fixture).resolve("tokenizer.json");
        Tokenizer tokenizer = Tokenizer.fromTokenizerJson(tokenizerJson);
        Function<String, int[]> ours = text -> tokenizer.encode(text).ids();
        List<String> texts = new ArrayList<>(TokenizerFuzz.edgeCases());
        texts.addAll(TokenizerFuzz.generate(SEED, COUNT));
        try (HuggingFaceTokenizer reference = TokenizerFuzz.reference(tokenizerJson)) {
            Report r = TokenizerFuzz.compare(texts, ours, reference, 15);
            assertEquals(texts.size(), r.compared());
            assertTrue(r.ok(), r::describe);
        }
    }
}
