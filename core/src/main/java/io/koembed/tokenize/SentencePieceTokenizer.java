package io.koembed.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;
import io.koembed.tokenize.models.Unigram;
import io.koembed.tokenize.normalizers.Normalizer;
import io.koembed.tokenize.normalizers.NormalizerSequence;
import io.koembed.tokenize.normalizers.PrecompiledCharsmap;
import io.koembed.tokenize.normalizers.ReplaceNormalizer;
import io.koembed.tokenize.normalizers.StripNormalizer;
import io.koembed.tokenize.pretokenizers.MetaspacePreTokenizer;
import io.koembed.tokenize.processors.TemplateProcessing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the tokenizer that transformers' XLMRobertaConverter would write to tokenizer.json, straight from a
 * {@code sentencepiece.bpe.model}: for repositories that ship no tokenizer.json. The pipeline is the current
 * tokenizer.json generation's:
 * <ul>
 *   <li>normalizer: Precompiled (the model's own charsmap, if it has one), Strip right, Replace {@code " {2,}"}
 *       by ▁;</li>
 *   <li>pre-tokenizer: Metaspace ▁, prepended when the model's {@code add_dummy_prefix} says so, split;</li>
 *   <li>model: Unigram over the fairseq layout ({@code <s>}=0, {@code <pad>}=1, {@code </s>}=2, {@code <unk>}=3,
 *       the pieces shifted by one, {@code <mask>} last);</li>
 *   <li>post-processor: {@code <s> A </s>} and {@code <s> A </s></s> B </s>};</li>
 *   <li>added tokens: the five specials, {@code <mask>} with lstrip as XLMRobertaTokenizer declares it.</li>
 * </ul>
 */
final class SentencePieceTokenizer {
    private SentencePieceTokenizer() {}

    static Tokenizer load(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        JsonNode config = dir == null ? null : JsonFiles.readOptionalObject(dir.resolve("tokenizer_config.json"));
        String tokenizerClass = config == null ? null : config.path("tokenizer_class").asText(null);
        if (tokenizerClass != null && !tokenizerClass.startsWith("XLMRobertaTokenizer")) {
            throw ModelFormatException.in(modelFile, "tokenizer_class " + tokenizerClass + " in tokenizer_config.json"
                    + " has no tokenizer.json, and KoEmbed builds a tokenizer from a SentencePiece model only for"
                    + " XLMRobertaTokenizer");
        }

        SentencePieceModel spm = SentencePieceModel.read(modelFile);
        if (spm.trainerSpec().byteFallback()) {
            // sentencepiece would spell unknown text in bytes, transformers' converter writes a Unigram without byte
            // fallback for XLM-R: the two tokenizers disagree, so KoEmbed asks for the file that settles it
            throw ModelFormatException.in(modelFile, "byte_fallback SentencePiece models are not supported without a"
                    + " tokenizer.json (the sentencepiece and tokenizers libraries encode unknown text differently)");
        }
        List<String> pieces = new ArrayList<>();
        List<SentencePieceModel.VocabEntry> vocab = spm.xlmRobertaVocab();
        double[] scores = new double[vocab.size()];
        for (int i = 0; i < vocab.size(); i++) {
            pieces.add(vocab.get(i).piece());
            scores[i] = vocab.get(i).score();
        }
        Unigram unigram = new Unigram(pieces, scores, SentencePieceModel.XLMR_UNK_ID);

        List<Normalizer> steps = new ArrayList<>();
        byte[] charsmap = spm.normalizerSpec().precompiledCharsmap();
        if (charsmap != null && charsmap.length > 0) {
            steps.add(new PrecompiledCharsmap(charsmap));
        }
        steps.add(new StripNormalizer(false, true));
        steps.add(ReplaceNormalizer.regex(" {2,}", "\u2581"));
        var prepend = spm.normalizerSpec().addDummyPrefix()
                ? MetaspacePreTokenizer.PrependScheme.ALWAYS : MetaspacePreTokenizer.PrependScheme.NEVER;

        String bos = pieces.get(SentencePieceModel.XLMR_BOS_ID);
        String eos = pieces.get(SentencePieceModel.XLMR_EOS_ID);
        List<AddedToken> added = List.of(
                AddedToken.special(bos),
                AddedToken.special(pieces.get(SentencePieceModel.XLMR_PAD_ID)),
                AddedToken.special(eos),
                AddedToken.special(pieces.get(SentencePieceModel.XLMR_UNK_ID)),
                new AddedToken(pieces.get(spm.xlmRobertaMaskId()), false, true, false, false, true));
        return new Tokenizer(new NormalizerSequence(steps), new MetaspacePreTokenizer('\u2581', prepend, true),
                unigram, added,
                TemplateProcessing.roberta(bos, SentencePieceModel.XLMR_BOS_ID, eos, SentencePieceModel.XLMR_EOS_ID),
                pieces.get(SentencePieceModel.XLMR_PAD_ID));
    }
}
