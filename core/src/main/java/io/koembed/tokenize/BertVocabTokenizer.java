package io.koembed.tokenize;

import io.koembed.ModelFormatException;
import io.koembed.tokenize.models.WordPiece;
import io.koembed.tokenize.normalizers.BertNormalizer;
import io.koembed.tokenize.normalizers.Normalizer;
import io.koembed.tokenize.pretokenizers.BertPreTokenizer;
import io.koembed.tokenize.processors.TemplateProcessing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Builds the tokenizer transformers' {@code BertTokenizerFast} makes from a {@code vocab.txt} and
 * {@code tokenizer_config.json} alone (slow BertTokenizer, then its BertConverter), for repositories without a
 * tokenizer.json:
 * <ul>
 *   <li>vocabulary: one entry per line, id = line number (a repeated entry keeps its last line), lines split as
 *       Python's text mode splits them ({@code \n}, {@code \r\n} or {@code \r});</li>
 *   <li>normalizer: {@link BertNormalizer} with clean_text, and {@code do_lower_case} (default true),
 *       {@code strip_accents} (default null: as do_lower_case) and {@code tokenize_chinese_chars} (default true)
 *       from the config;</li>
 *   <li>pre-tokenizer: {@link BertPreTokenizer}; model: {@link WordPiece} with {@code ##}, 100 characters per
 *       word and the config's {@code unk_token};</li>
 *   <li>post-processor: {@code cls A sep} and {@code cls A sep B sep} with type ids 0 then 1, the ids looked up
 *       in the vocabulary;</li>
 *   <li>added tokens: the config's {@code added_tokens_decoder} in id order, then the special tokens it does not
 *       list (not normalized, not stripped).</li>
 * </ul>
 */
final class BertVocabTokenizer {
    private BertVocabTokenizer() {}

    static Tokenizer load(Path vocabFile, TokenizerConfig config) {
        Map<String, Integer> vocab = readVocab(vocabFile);
        String unk = config.specialToken("unk_token", "[UNK]");
        String cls = config.specialToken("cls_token", "[CLS]");
        String sep = config.specialToken("sep_token", "[SEP]");
        boolean lowercase = config.option("do_lower_case", true);
        Normalizer normalizer = new BertNormalizer(true, config.option("tokenize_chinese_chars", true),
                config.optionalOption("strip_accents"), lowercase);

        List<AddedToken> added = new ArrayList<>(config.addedTokensDecoder());
        List<String> listed = added.stream().map(AddedToken::content).toList();
        for (String special : config.specialTokens()) {
            if (!listed.contains(special)) {
                added.add(AddedToken.special(special));
            }
        }
        WordPiece model;
        try {
            model = new WordPiece(vocab, unk, "##", 100);
        } catch (IllegalArgumentException e) {
            throw ModelFormatException.in(vocabFile, e.getMessage() + " (unk_token of tokenizer_config.json)");
        }
        int clsId = idOf(cls, vocab, config, unk);
        int sepId = idOf(sep, vocab, config, unk);
        var specials = Map.of(cls, new TemplateProcessing.SpecialTokens(new int[] {clsId}, List.of(cls)),
                sep, new TemplateProcessing.SpecialTokens(new int[] {sepId}, List.of(sep)));
        var template = new TemplateProcessing(
                List.of(new TemplateProcessing.SpecialPiece(cls, 0), new TemplateProcessing.SequencePiece(0, 0),
                        new TemplateProcessing.SpecialPiece(sep, 0)),
                List.of(new TemplateProcessing.SpecialPiece(cls, 0), new TemplateProcessing.SequencePiece(0, 0),
                        new TemplateProcessing.SpecialPiece(sep, 0), new TemplateProcessing.SequencePiece(1, 1),
                        new TemplateProcessing.SpecialPiece(sep, 1)),
                specials);
        return new Tokenizer(normalizer, new BertPreTokenizer(), model, added, template,
                config.specialToken("pad_token", "[PAD]"));
    }

    /**
     * The slow tokenizer's {@code convert_tokens_to_ids}, which BertConverter asks for the ids of [CLS] and [SEP]:
     * the config's added tokens, then the vocabulary, else the unknown token's id.
     */
    private static int idOf(String token, Map<String, Integer> vocab, TokenizerConfig config, String unk) {
        OptionalInt added = config.addedTokenId(token);
        if (added.isPresent()) {
            return added.getAsInt();
        }
        return vocab.getOrDefault(token, vocab.get(unk));
    }

    /** transformers' {@code load_vocab}: UTF-8 (strict), one entry per line, trailing line break removed. */
    static Map<String, Integer> readVocab(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw ModelFormatException.in(file, "not valid UTF-8");
        } catch (IOException e) {
            throw ModelFormatException.in(file, "cannot be read: " + e.getMessage(), e);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        int index = 0;
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = start;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            vocab.put(text.substring(start, end), index++);
            start = end < n && text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n' ? end + 2 : end + 1;
        }
        if (vocab.isEmpty()) {
            throw ModelFormatException.in(file, "the vocabulary is empty");
        }
        return vocab;
    }
}
