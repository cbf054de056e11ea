package io.koembed.tokenize;

import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.common.IntList;
import io.koembed.tokenize.common.UnicodeText;

import io.koembed.ModelFormatException;
import io.koembed.tokenize.models.TokenizerModel;
import io.koembed.tokenize.models.Unigram;
import io.koembed.tokenize.models.WordPiece;
import io.koembed.tokenize.normalizers.Normalizer;
import io.koembed.tokenize.pretokenizers.PreTokenizer;
import io.koembed.tokenize.processors.PostProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Text to token ids, exactly as the Rust Hugging Face {@code tokenizers} library (0.21) computes them for a
 * SentencePiece Unigram model (XLM-RoBERTa and kin) or a WordPiece vocabulary (BERT, KLUE RoBERTa).
 *
 * <p>The pipeline, per input sequence:
 * <ol>
 *   <li>Unpaired surrogates become U+FFFD (Rust only ever receives valid UTF-8, so there is nothing to match;
 *       this keeps arbitrary Java strings from failing).</li>
 *   <li>Added tokens with {@code normalized=false} ({@code <s>}, {@code </s>}, {@code <mask>}, ...) are cut out of
 *       the raw text ({@link AddedVocabulary}).</li>
 *   <li>Each remaining section is normalized ({@link Normalizer}), then cut on the {@code normalized=true} added
 *       tokens; empty sections disappear.</li>
 *   <li>Each remaining section is pre-tokenized ({@link PreTokenizer}, e.g. Metaspace or BertPreTokenizer) into
 *       pieces, and each piece segmented by the model ({@link Unigram} or {@link WordPiece}).</li>
 * </ol>
 * Then, for the whole input: optional truncation (longest first, room kept for the special tokens), and the
 * {@link PostProcessor} adds the special tokens and type ids.
 *
 * <p>Never pads: padding belongs to the batcher. The {@code truncation} and {@code padding} blocks of
 * tokenizer.json are ignored, as transformers and sentence-transformers override them on every call.
 *
 * <p>{@link Encoding#tokens()} holds the vocabulary piece of each id (so an unknown character shows as
 * {@code <unk>} or {@code [UNK]}, and {@code <mask>} without the white space its {@code lstrip} swallowed), which is what
 * {@code convert_ids_to_tokens} shows; the Rust library's own token strings are the matched text instead.
 *
 * <p>Immutable and thread safe.
 */
public final class Tokenizer {
    private final Normalizer normalizer;       // may be null
    private final PreTokenizer preTokenizer;   // may be null
    private final TokenizerModel model;
    private final AddedVocabulary addedVocabulary;
    private final PostProcessor postProcessor;
    private final int padId;
    private final int vocabSize;

    /**
     * Assembles a pipeline; what {@link #fromTokenizerJson} does after reading the file, and what other loaders
     * (e.g. of a SentencePiece {@code .model}) call.
     *
     * @param normalizer    the normalizer, or null for none
     * @param preTokenizer  the pre-tokenizer, or null to hand each section to the model whole
     * @param model         the model ({@link Unigram} or {@link WordPiece})
     * @param addedTokens   the added tokens in registration order (tokenizer.json's {@code added_tokens} order)
     * @param postProcessor the post-processor, or null for none (sequence A gets type id 0, B type id 1)
     * @param padToken      the content of the pad token, or null when there is none
     */
    public Tokenizer(Normalizer normalizer, PreTokenizer preTokenizer, TokenizerModel model, List<AddedToken> addedTokens,
                     PostProcessor postProcessor, String padToken) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = Objects.requireNonNull(model, "model");
        this.addedVocabulary = new AddedVocabulary(Objects.requireNonNull(addedTokens, "addedTokens"), model,
                normalizer);
        this.postProcessor = postProcessor;
        this.padId = padToken == null ? -1 : tokenToId(padToken).orElse(-1);
        // Rust: the size of the union of the model's and the added tokens' token -> id maps (counted, not built:
        // a set of a 250,002-piece vocabulary took a tenth of a second of a cold start)
        int size = model.distinctPieceCount();
        for (String added : addedVocabulary.contents()) {
            if (model.id(added).isEmpty()) {
                size++;
            }
        }
        this.vocabSize = size;
    }

    /**
     * Reads a {@code tokenizer.json} as transformers' AutoTokenizer would use it with the files next to it (see
     * {@link TokenizerConfig}): the pad token comes from {@code special_tokens_map.json} or
     * {@code tokenizer_config.json} when either exists (only when neither does, from the file's {@code padding}
     * block or an added token {@code <pad>}), and for a {@code BertTokenizer} the config's {@code do_lower_case},
     * {@code strip_accents} and {@code tokenize_chinese_chars} replace those of its {@code BertNormalizer}, as
     * {@code BertTokenizerFast} does. A tokenizer.json alone in its folder is read as it is.
     *
     * @throws io.koembed.ModelFormatException when a file is missing, unreadable, not JSON, or uses a component
     *                                         KoEmbed does not implement (named in the message)
     */
    public static Tokenizer fromTokenizerJson(Path tokenizerJson) {
        return TokenizerJsonLoader.load(tokenizerJson);
    }

    /**
     * Reads a {@code sentencepiece.bpe.model} (XLM-R's fairseq id layout) and builds the tokenizer that
     * transformers would convert it to; see {@link SentencePieceTokenizer}.
     */
    public static Tokenizer fromSentencePiece(Path sentencePieceModel) {
        return SentencePieceTokenizer.load(sentencePieceModel);
    }

    /**
     * Builds the tokenizer {@code BertTokenizerFast} makes from a {@code vocab.txt} and the
     * {@code tokenizer_config.json} / {@code special_tokens_map.json} next to it; see {@link BertVocabTokenizer}.
     */
    public static Tokenizer fromBertVocab(Path vocabTxt) {
        return BertVocabTokenizer.load(vocabTxt, TokenizerConfig.read(vocabTxt.toAbsolutePath().getParent()));
    }

    /**
     * The tokenizer of a model directory, as AutoTokenizer picks it: {@code tokenizer.json} when present (what
     * transformers' fast tokenizers use); otherwise, by the tokenizer class that tokenizer_config.json or
     * config.json names ({@code tokenizer_class}, else the model type's default), {@code vocab.txt} for
     * {@code BertTokenizer} (also under a RoBERTa model, as KLUE's) or {@code sentencepiece.bpe.model} for
     * XLM-R.
     */
    public static Tokenizer load(Path modelDirectory) {
        Path json = modelDirectory.resolve("tokenizer.json");
        if (Files.exists(json)) {
            return fromTokenizerJson(json);
        }
        TokenizerConfig config = TokenizerConfig.read(modelDirectory);
        Path vocab = modelDirectory.resolve("vocab.txt");
        if (config.isBertTokenizer() && Files.exists(vocab)) {
            return BertVocabTokenizer.load(vocab, config);
        }
        Path spm = modelDirectory.resolve("sentencepiece.bpe.model");
        if (Files.exists(spm)) {
            return fromSentencePiece(spm);
        }
        if (Files.exists(vocab)) {
            throw ModelFormatException.in(modelDirectory, "there is a vocab.txt but no tokenizer.json, and the "
                    + "tokenizer class is " + config.tokenizerClass() + ", not BertTokenizer (KoEmbed builds a "
                    + "tokenizer from vocab.txt only for BertTokenizer; tokenizer_class in tokenizer_config.json or "
                    + "model_type in config.json decides)");
        }
        throw ModelFormatException.in(modelDirectory,
                "no tokenizer: none of tokenizer.json, vocab.txt (BertTokenizer), sentencepiece.bpe.model is there");
    }

    /** With special tokens, no truncation. */
    public Encoding encode(String text) {
        return encode(text, null, true, -1);
    }

    /** No truncation. */
    public Encoding encode(String text, boolean addSpecialTokens) {
        return encode(text, null, addSpecialTokens, -1);
    }

    /**
     * With special tokens, truncated to {@code maxLength} tokens in total: the content is cut to {@code maxLength}
     * minus the special tokens, keeping its start.
     *
     * @throws IllegalArgumentException when {@code maxLength} cannot even hold the special tokens
     */
    public Encoding encode(String text, int maxLength) {
        return encode(text, null, true, maxLength);
    }

    /** A pair with the post-processor's pair template (e.g. {@code <s> A </s></s> B </s>}), no truncation. */
    public Encoding encodePair(String a, String b) {
        return encode(a, Objects.requireNonNull(b, "b"), true, -1);
    }

    /**
     * A pair truncated to {@code maxLength} tokens in total, longest first: tokens come off the longer sequence
     * until both are equally long, then alternately (the Rust library's closed form).
     *
     * @throws IllegalArgumentException when {@code maxLength} cannot even hold the special tokens
     */
    public Encoding encodePair(String a, String b, int maxLength) {
        return encode(a, Objects.requireNonNull(b, "b"), true, maxLength);
    }

    /** The pad token's id, or -1 when the tokenizer has none. */
    public int padId() {
        return padId;
    }

    /** Added tokens first, then the model's pieces (as Rust's {@code token_to_id}). */
    public OptionalInt tokenToId(String token) {
        OptionalInt added = addedVocabulary.id(token);
        return added.isPresent() ? added : model.id(token);
    }

    /** The token of an id (added tokens first, then the model's pieces), or null for an unknown id. */
    public String idToToken(int id) {
        String added = addedVocabulary.content(id);
        return added != null ? added : model.piece(id);
    }

    /** Whether the id is an added token marked special in tokenizer.json ({@code <s>}, {@code </s>}, {@code <unk>}, ...). */
    public boolean isSpecial(int id) {
        return addedVocabulary.isSpecial(id);
    }

    /** Model vocabulary plus added tokens that are not model pieces (Rust's {@code get_vocab_size(true)}). */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The general entry: {@code b} null for a single sequence, {@code maxLength} negative for no truncation.
     */
    Encoding encode(String a, String b, boolean addSpecialTokens, int maxLength) {
        Objects.requireNonNull(a, "text");
        Encoding first = encodeSequence(a, 0);
        Encoding second = b == null ? null : encodeSequence(b, 1);

        if (maxLength >= 0) {
            int added = addSpecialTokens && postProcessor != null ? postProcessor.addedTokens(second != null) : 0;
            if (maxLength < added) {
                throw new IllegalArgumentException("maxLength " + maxLength + " cannot hold the " + added
                        + " special tokens");
            }
            int[] keep = Truncation.longestFirst(first.length(), second == null ? -1 : second.length(),
                    maxLength - added);
            first = Truncation.keep(first, keep[0]);
            if (second != null) {
                second = Truncation.keep(second, keep[1]);
            }
        }

        List<Encoding> parts = second == null ? List.of(first) : List.of(first, second);
        if (postProcessor != null) {
            parts = postProcessor.process(parts, addSpecialTokens);
        }
        return concat(parts);
    }

    private static Encoding concat(List<Encoding> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        int n = 0;
        for (Encoding e : parts) {
            n += e.length();
        }
        int[] ids = new int[n];
        int[] types = new int[n];
        List<String> tokens = new ArrayList<>(n);
        int at = 0;
        for (Encoding e : parts) {
            System.arraycopy(e.ids(), 0, ids, at, e.length());
            System.arraycopy(e.typeIds(), 0, types, at, e.length());
            tokens.addAll(e.tokens());
            at += e.length();
        }
        return new Encoding(ids, types, tokens);
    }

    /** One sequence through added-token extraction, normalization, pre-tokenization and the model. */
    private Encoding encodeSequence(String input, int typeId) {
        String text = UnicodeText.replaceLoneSurrogates(input);
        IntList ids = new IntList(Math.max(16, text.length() / 2));
        for (AddedVocabulary.Split raw : addedVocabulary.splitRaw(text)) {
            if (raw.isToken()) {
                ids.add(raw.id());
                continue;
            }
            if (raw.start() == raw.end()) {
                continue;
            }
            String section = text.substring(raw.start(), raw.end());
            String normalized = normalizer == null ? section : normalizer.normalize(section);
            if (normalized.isEmpty()) {
                continue;
            }
            boolean atTextStart = raw.start() == 0 && (normalizer == null || !normalizer.movesStart(section));
            for (AddedVocabulary.Split part : addedVocabulary.splitNormalized(normalized)) {
                if (part.isToken()) {
                    ids.add(part.id());
                    continue;
                }
                if (part.start() == part.end()) {
                    continue;
                }
                String piece = normalized.substring(part.start(), part.end());
                boolean first = atTextStart && part.start() == 0;
                if (preTokenizer == null) {
                    model.encode(piece, ids);
                } else {
                    for (String word : preTokenizer.preTokenize(piece, first)) {
                        model.encode(word, ids);
                    }
                }
            }
        }
        int[] idArray = ids.toArray();
        int[] types = new int[idArray.length];
        java.util.Arrays.fill(types, typeId);
        List<String> tokens = new ArrayList<>(idArray.length);
        for (int id : idArray) {
            tokens.add(idToToken(id));
        }
        return new Encoding(idArray, types, tokens);
    }
}
