package io.koembed.tokenize;

import io.koembed.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A SentencePiece model file ({@code sentencepiece.bpe.model}, {@code spiece.model}, ...): the serialized
 * {@code sentencepiece.ModelProto}, read by a small hand-written protobuf wire-format parser (no protobuf
 * library).
 *
 * <p>Only what inference needs is kept: the pieces with their scores and types, the trainer settings that change
 * encoding (special ids and pieces, byte fallback, ...) and the normalizer settings (including the precompiled
 * character map). Every other field, known to sentencepiece or not, is skipped whatever its wire type. Only
 * Unigram models are accepted; BPE, WORD and CHAR models are refused with a {@link ModelFormatException}.
 *
 * <p>Validation follows what sentencepiece itself refuses when it loads a model (an empty piece, a piece that
 * occurs twice, a model without exactly one {@link Type#UNKNOWN} piece) and also requires the trainer_spec and
 * normalizer_spec that every trained model has: protobuf has no end marker, so this is what tells a file cut
 * short between two pieces from a whole one. Fields absent inside the specs take sentencepiece's defaults.
 *
 * @param pieces         the vocabulary in SentencePiece id order (id = index)
 * @param trainerSpec    the trainer settings that matter for encoding
 * @param normalizerSpec the normalizer settings
 */
public record SentencePieceModel(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {

    /** fairseq's id offset: SentencePiece id {@code i >= 3} becomes XLM-R id {@code i + 1}. */
    public static final int FAIRSEQ_OFFSET = 1;

    /** XLM-R's fixed ids: {@code <s>}=0, {@code <pad>}=1, {@code </s>}=2, {@code <unk>}=3. */
    public static final int XLMR_BOS_ID = 0, XLMR_PAD_ID = 1, XLMR_EOS_ID = 2, XLMR_UNK_ID = 3;

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
        Objects.requireNonNull(trainerSpec, "trainerSpec");
        Objects.requireNonNull(normalizerSpec, "normalizerSpec");
    }

    /** {@code sentencepiece.ModelProto.SentencePiece.Type}, with its protobuf numbers. */
    public enum Type {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        public final int number;

        Type(int number) {
            this.number = number;
        }

        static Type ofNumber(long n) {
            for (Type t : values()) {
                if (t.number == n) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@code sentencepiece.TrainerSpec.ModelType}, with its protobuf numbers. */
    public enum ModelType {
        UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

        public final int number;

        ModelType(int number) {
            this.number = number;
        }

        static ModelType ofNumber(long n) {
            for (ModelType t : values()) {
                if (t.number == n) {
                    return t;
                }
            }
            return null;
        }
    }

    /** One vocabulary entry of the model file. */
    public record Piece(String piece, float score, Type type) {
        public Piece {
            Objects.requireNonNull(piece, "piece");
            Objects.requireNonNull(type, "type");
        }
    }

    /**
     * The {@code TrainerSpec} fields that change how a model encodes; absent fields carry sentencepiece's
     * defaults.
     */
    public record TrainerSpec(ModelType modelType, int vocabSize, int unkId, int bosId, int eosId, int padId,
                              String unkPiece, String bosPiece, String eosPiece, String padPiece, String unkSurface,
                              boolean byteFallback, boolean treatWhitespaceAsSuffix, boolean splitDigits,
                              boolean allowWhitespaceOnlyPieces, List<String> controlSymbols,
                              List<String> userDefinedSymbols) {
        public TrainerSpec {
            controlSymbols = List.copyOf(controlSymbols);
            userDefinedSymbols = List.copyOf(userDefinedSymbols);
        }
    }

    /**
     * The {@code NormalizerSpec} of the model; absent fields carry sentencepiece's defaults.
     *
     * @param name                   the rule name, e.g. {@code nmt_nfkc} ("" when absent)
     * @param precompiledCharsmap    the compiled normalization rule (empty when absent); a copy is returned
     * @param addDummyPrefix         prepend a space (default true)
     * @param removeExtraWhitespaces strip and collapse spaces (default true)
     * @param escapeWhitespaces      replace spaces by U+2581 (default true)
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
        public NormalizerSpec {
            Objects.requireNonNull(name, "name");
            precompiledCharsmap = precompiledCharsmap.clone();
        }

        @Override
        public byte[] precompiledCharsmap() {
            return precompiledCharsmap.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NormalizerSpec n && name.equals(n.name)
                    && Arrays.equals(precompiledCharsmap, n.precompiledCharsmap)
                    && addDummyPrefix == n.addDummyPrefix && removeExtraWhitespaces == n.removeExtraWhitespaces
                    && escapeWhitespaces == n.escapeWhitespaces;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(precompiledCharsmap), addDummyPrefix, removeExtraWhitespaces,
                    escapeWhitespaces);
        }

        @Override
        public String toString() {
            return "NormalizerSpec[name=" + name + ", precompiledCharsmap=" + precompiledCharsmap.length
                    + " bytes, addDummyPrefix=" + addDummyPrefix + ", removeExtraWhitespaces="
                    + removeExtraWhitespaces + ", escapeWhitespaces=" + escapeWhitespaces + "]";
        }
    }

    /** One entry of a Hugging Face Unigram vocabulary ({@code tokenizer.json}'s {@code model.vocab} pair). */
    public record VocabEntry(String piece, float score) {
        public VocabEntry {
            Objects.requireNonNull(piece, "piece");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The XLM-R (fairseq) vocabulary layout

    /**
     * The vocabulary in the XLM-RoBERTa (fairseq) id layout, exactly as transformers' {@code XLMRobertaConverter}
     * writes it to {@code tokenizer.json} ({@code model.vocab}) and as {@code XLMRobertaTokenizer} numbers it:
     * <ol>
     *   <li>ids 0..3: {@code <s>}, {@code <pad>}, {@code </s>}, {@code <unk>}, each with score 0.0;</li>
     *   <li>then the model's pieces from SentencePiece id 3 on, unchanged in piece and score, so SentencePiece
     *       id {@code i >= 3} becomes id {@code i + 1} ({@link #FAIRSEQ_OFFSET});</li>
     *   <li>last {@code <mask>} with score 0.0, at id {@code pieces().size() + 1}.</li>
     * </ol>
     * Like the converter, this drops SentencePiece ids 0..2 whatever they hold (in XLM-R's model they are
     * {@code <unk>}, {@code <s>}, {@code </s>}, which the fixed specials above replace) and checks nothing else.
     */
    public List<VocabEntry> xlmRobertaVocab() {
        List<VocabEntry> vocab = new ArrayList<>(pieces.size() + 2);
        vocab.add(new VocabEntry("<s>", 0.0f));
        vocab.add(new VocabEntry("<pad>", 0.0f));
        vocab.add(new VocabEntry("</s>", 0.0f));
        vocab.add(new VocabEntry("<unk>", 0.0f));
        for (int i = 3; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            vocab.add(new VocabEntry(p.piece(), p.score()));
        }
        vocab.add(new VocabEntry("<mask>", 0.0f));
        return List.copyOf(vocab);
    }

    /** The id of {@code <mask>} in {@link #xlmRobertaVocab()}: the last one ({@code pieces().size() + 1}). */
    public int xlmRobertaMaskId() {
        return 4 + Math.max(0, pieces.size() - 3);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reading

    /**
     * Reads and validates a SentencePiece model file.
     *
     * @throws ModelFormatException naming the file (and the byte offset where it helps) when the file cannot be
     *                              read, is not a well-formed ModelProto, or holds a model KoEmbed cannot use
     */
    public static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw ModelFormatException.in(file, "cannot read the SentencePiece model: " + e, e);
        }
        return parse(file, bytes);
    }

    /** Parses the bytes of a model file; {@code file} only names the source in error messages. */
    static SentencePieceModel parse(Path file, byte[] bytes) {
        if (bytes.length == 0) {
            throw ModelFormatException.in(file, "the file is empty (0 bytes), not a SentencePiece model");
        }
        return new Parser(file, bytes).model();
    }

    /** A protobuf wire-format reader over one byte array, with absolute offsets for error messages. */
    private static final class Parser {
        private static final int WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5;
        private static final int MAX_GROUP_DEPTH = 64;

        private final Path file;
        private final byte[] b;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private int pos;

        Parser(Path file, byte[] b) {
            this.file = file;
            this.b = b;
        }

        private ModelFormatException error(int offset, String problem) {
            return ModelFormatException.in(file, "not a valid SentencePiece model at byte offset " + offset + ": "
                    + problem);
        }

        // ---- ModelProto

        SentencePieceModel model() {
            List<Piece> pieces = new ArrayList<>();
            List<Integer> pieceOffsets = new ArrayList<>();
            TrainerSpec trainer = null;
            int trainerAt = -1;
            NormalizerSpec normalizer = null;
            int end = b.length;
            while (pos < end) {
                int tagAt = pos;
                long tag = tag(end, "ModelProto");
                int field = (int) (tag >>> 3), wt = (int) (tag & 7);
                switch (field) {
                    case 1 -> {
                        int at = expect(wt, WT_LEN, tagAt, "ModelProto.pieces");
                        int len = length(end, "ModelProto.pieces[" + pieces.size() + "]");
                        pieceOffsets.add(at);
                        pieces.add(piece(pos + len, "ModelProto.pieces[" + pieces.size() + "]"));
                    }
                    case 2 -> {
                        expect(wt, WT_LEN, tagAt, "ModelProto.trainer_spec");
                        int len = length(end, "ModelProto.trainer_spec");
                        trainerAt = tagAt;
                        // protobuf merges repeated occurrences of a message field; models never have two
                        trainer = trainerSpec(pos + len, trainer);
                    }
                    case 3 -> {
                        expect(wt, WT_LEN, tagAt, "ModelProto.normalizer_spec");
                        int len = length(end, "ModelProto.normalizer_spec");
                        normalizer = normalizerSpec(pos + len, normalizer);
                    }
                    default -> skip(field, wt, tagAt, end, "ModelProto", 0);
                }
            }
            if (trainer != null && trainer.modelType() != ModelType.UNIGRAM) {
                throw ModelFormatException.in(file, "the SentencePiece model type is " + trainer.modelType()
                        + " (trainer_spec.model_type=" + trainer.modelType().number + ", trainer_spec at byte offset "
                        + trainerAt + "); KoEmbed supports only UNIGRAM (1) models");
            }
            validatePieces(pieces, pieceOffsets);
            // Protobuf has no end marker, so a file cut between two pieces is a well-formed, smaller model.
            // spm_train always writes both specs after the pieces; without them the file is taken as cut short
            // rather than silently encoding with default settings and no normalization map.
            if (trainer == null || normalizer == null) {
                throw ModelFormatException.in(file, "not a valid SentencePiece model: the file ends at byte offset "
                        + b.length + " after " + pieces.size() + " pieces without a "
                        + (trainer == null ? "trainer_spec" : "normalizer_spec") + "; is the file truncated?");
            }
            return new SentencePieceModel(pieces, trainer, normalizer);
        }

        private void validatePieces(List<Piece> pieces, List<Integer> offsets) {
            if (pieces.isEmpty()) {
                throw ModelFormatException.in(file, "not a valid SentencePiece model: it has no pieces ("
                        + b.length + " bytes read)");
            }
            Map<String, Integer> seen = new HashMap<>(pieces.size() * 2);
            int unk = -1;
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                if (p.piece().isEmpty()) {
                    throw error(offsets.get(i), "piece " + i + " is empty");
                }
                Integer before = seen.putIfAbsent(p.piece(), i);
                if (before != null) {
                    throw error(offsets.get(i), "piece " + i + " " + quote(p.piece()) + " repeats piece " + before);
                }
                if (p.type() == Type.UNKNOWN) {
                    if (unk >= 0) {
                        throw error(offsets.get(i), "piece " + i + " " + quote(p.piece())
                                + " is a second UNKNOWN piece (piece " + unk + " is one already)");
                    }
                    unk = i;
                }
            }
            if (unk < 0) {
                throw ModelFormatException.in(file, "not a valid SentencePiece model: no piece has type UNKNOWN"
                        + " (" + pieces.size() + " pieces)");
            }
        }

        // ---- ModelProto.SentencePiece

        private Piece piece(int end, String where) {
            String piece = "";
            float score = 0.0f;
            Type type = Type.NORMAL;
            while (pos < end) {
                int tagAt = pos;
                long tag = tag(end, where);
                int field = (int) (tag >>> 3), wt = (int) (tag & 7);
                switch (field) {
                    case 1 -> {
                        expect(wt, WT_LEN, tagAt, where + ".piece");
                        piece = string(end, where + ".piece");
                    }
                    case 2 -> {
                        expect(wt, WT_I32, tagAt, where + ".score");
                        score = Float.intBitsToFloat(fixed32(end, where + ".score"));
                    }
                    case 3 -> {
                        expect(wt, WT_VARINT, tagAt, where + ".type");
                        int at = pos;
                        long n = varint(end, where + ".type");
                        type = Type.ofNumber(n);
                        if (type == null) {
                            throw error(at, where + ".type has the unknown value " + n);
                        }
                    }
                    default -> skip(field, wt, tagAt, end, where, 0);
                }
            }
            return new Piece(piece, score, type);
        }

        // ---- TrainerSpec

        private static TrainerSpec defaultTrainerSpec() {
            return new TrainerSpec(ModelType.UNIGRAM, 8000, 0, 1, 2, -1, "<unk>", "<s>", "</s>", "<pad>",
                    " \u2047 ", false, false, false, false, List.of(), List.of());
        }

        private TrainerSpec trainerSpec(int end, TrainerSpec merged) {
            TrainerSpec d = merged != null ? merged : defaultTrainerSpec();
            ModelType modelType = d.modelType();
            int vocabSize = d.vocabSize(), unkId = d.unkId(), bosId = d.bosId(), eosId = d.eosId(),
                    padId = d.padId();
            String unkPiece = d.unkPiece(), bosPiece = d.bosPiece(), eosPiece = d.eosPiece(),
                    padPiece = d.padPiece(), unkSurface = d.unkSurface();
            boolean byteFallback = d.byteFallback(), suffix = d.treatWhitespaceAsSuffix(),
                    splitDigits = d.splitDigits(), wsOnly = d.allowWhitespaceOnlyPieces();
            List<String> control = new ArrayList<>(d.controlSymbols());
            List<String> userDefined = new ArrayList<>(d.userDefinedSymbols());
            String w = "TrainerSpec";
            while (pos < end) {
                int tagAt = pos;
                long tag = tag(end, w);
                int field = (int) (tag >>> 3), wt = (int) (tag & 7);
                switch (field) {
                    case 3 -> {
                        expect(wt, WT_VARINT, tagAt, w + ".model_type");
                        int at = pos;
                        long n = varint(end, w + ".model_type");
                        modelType = ModelType.ofNumber(n);
                        if (modelType == null) {
                            throw error(at, w + ".model_type has the unknown value " + (int) n
                                    + " (known: UNIGRAM=1, BPE=2, WORD=3, CHAR=4)");
                        }
                    }
                    case 4 -> vocabSize = int32(wt, tagAt, end, w + ".vocab_size");
                    case 24 -> suffix = bool(wt, tagAt, end, w + ".treat_whitespace_as_suffix");
                    case 25 -> splitDigits = bool(wt, tagAt, end, w + ".split_digits");
                    case 26 -> wsOnly = bool(wt, tagAt, end, w + ".allow_whitespace_only_pieces");
                    case 30 -> {
                        expect(wt, WT_LEN, tagAt, w + ".control_symbols");
                        control.add(string(end, w + ".control_symbols"));
                    }
                    case 31 -> {
                        expect(wt, WT_LEN, tagAt, w + ".user_defined_symbols");
                        userDefined.add(string(end, w + ".user_defined_symbols"));
                    }
                    case 35 -> byteFallback = bool(wt, tagAt, end, w + ".byte_fallback");
                    case 40 -> unkId = int32(wt, tagAt, end, w + ".unk_id");
                    case 41 -> bosId = int32(wt, tagAt, end, w + ".bos_id");
                    case 42 -> eosId = int32(wt, tagAt, end, w + ".eos_id");
                    case 43 -> padId = int32(wt, tagAt, end, w + ".pad_id");
                    case 44 -> unkSurface = stringField(wt, tagAt, end, w + ".unk_surface");
                    case 45 -> unkPiece = stringField(wt, tagAt, end, w + ".unk_piece");
                    case 46 -> bosPiece = stringField(wt, tagAt, end, w + ".bos_piece");
                    case 47 -> eosPiece = stringField(wt, tagAt, end, w + ".eos_piece");
                    case 48 -> padPiece = stringField(wt, tagAt, end, w + ".pad_piece");
                    default -> skip(field, wt, tagAt, end, w, 0);
                }
            }
            return new TrainerSpec(modelType, vocabSize, unkId, bosId, eosId, padId, unkPiece, bosPiece, eosPiece,
                    padPiece, unkSurface, byteFallback, suffix, splitDigits, wsOnly, control, userDefined);
        }

        // ---- NormalizerSpec

        private NormalizerSpec normalizerSpec(int end, NormalizerSpec merged) {
            String name = merged != null ? merged.name() : "";
            byte[] charsmap = merged != null ? merged.precompiledCharsmap() : new byte[0];
            boolean dummy = merged == null || merged.addDummyPrefix();
            boolean removeWs = merged == null || merged.removeExtraWhitespaces();
            boolean escapeWs = merged == null || merged.escapeWhitespaces();
            String w = "NormalizerSpec";
            while (pos < end) {
                int tagAt = pos;
                long tag = tag(end, w);
                int field = (int) (tag >>> 3), wt = (int) (tag & 7);
                switch (field) {
                    case 1 -> name = stringField(wt, tagAt, end, w + ".name");
                    case 2 -> {
                        expect(wt, WT_LEN, tagAt, w + ".precompiled_charsmap");
                        int len = length(end, w + ".precompiled_charsmap");
                        charsmap = Arrays.copyOfRange(b, pos, pos + len);
                        pos += len;
                    }
                    case 3 -> dummy = bool(wt, tagAt, end, w + ".add_dummy_prefix");
                    case 4 -> removeWs = bool(wt, tagAt, end, w + ".remove_extra_whitespaces");
                    case 5 -> escapeWs = bool(wt, tagAt, end, w + ".escape_whitespaces");
                    default -> skip(field, wt, tagAt, end, w, 0);
                }
            }
            return new NormalizerSpec(name, charsmap, dummy, removeWs, escapeWs);
        }

        // ---- wire primitives

        /** Reads a field tag and checks its field number and wire type. */
        private long tag(int end, String where) {
            int at = pos;
            long tag = varint(end, where + " field tag");
            long field = tag >>> 3;
            int wt = (int) (tag & 7);
            if (field == 0 || field > 0x1FFF_FFFFL) {
                throw error(at, where + " has a field tag with the invalid field number " + Long.toUnsignedString(field));
            }
            if (wt > WT_I32) {
                throw error(at, where + " field " + field + " has the invalid wire type " + wt);
            }
            return tag;
        }

        private int expect(int wt, int wanted, int tagAt, String what) {
            if (wt != wanted) {
                throw error(tagAt, what + " has wire type " + wt + " (" + wireTypeName(wt) + "), expected "
                        + wanted + " (" + wireTypeName(wanted) + ")");
            }
            return tagAt;
        }

        private static String wireTypeName(int wt) {
            return switch (wt) {
                case WT_VARINT -> "varint";
                case WT_I64 -> "fixed64";
                case WT_LEN -> "length-delimited";
                case WT_SGROUP -> "start group";
                case WT_EGROUP -> "end group";
                case WT_I32 -> "fixed32";
                default -> "invalid";
            };
        }

        /** A base-128 varint of at most 10 bytes, all before {@code end}. */
        private long varint(int end, String what) {
            int at = pos;
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw error(at, "truncated: " + what + " (a varint) runs past the end of its "
                            + (end == b.length ? "file" : "enclosing message") + " at byte offset " + end);
                }
                byte x = b[pos++];
                if (shift == 63 && (x & 0xFE) != 0) {
                    throw error(at, what + " is a varint longer than 64 bits");
                }
                result |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return result;
                }
            }
            throw error(at, what + " is a varint longer than 10 bytes");
        }

        /** The length prefix of a length-delimited field; the payload must fit before {@code end}. */
        private int length(int end, String what) {
            int at = pos;
            long len = varint(end, what + " length");
            if (len < 0 || len > end - pos) {
                throw error(at, "truncated: " + what + " says it has " + Long.toUnsignedString(len)
                        + " bytes but only " + (end - pos) + " remain in its "
                        + (end == b.length ? "file" : "enclosing message"));
            }
            return (int) len;
        }

        private int fixed32(int end, String what) {
            if (end - pos < 4) {
                throw error(pos, "truncated: " + what + " needs 4 bytes but only " + (end - pos) + " remain");
            }
            int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        private String string(int end, String what) {
            int len = length(end, what);
            int at = pos;
            pos += len;
            try {
                return utf8.decode(ByteBuffer.wrap(b, at, len)).toString();
            } catch (CharacterCodingException e) {
                throw error(at, what + " is not valid UTF-8");
            }
        }

        private String stringField(int wt, int tagAt, int end, String what) {
            expect(wt, WT_LEN, tagAt, what);
            return string(end, what);
        }

        /** An int32 varint: negative values are sign-extended to 10 bytes on the wire and truncate back. */
        private int int32(int wt, int tagAt, int end, String what) {
            expect(wt, WT_VARINT, tagAt, what);
            return (int) varint(end, what);
        }

        private boolean bool(int wt, int tagAt, int end, String what) {
            expect(wt, WT_VARINT, tagAt, what);
            return varint(end, what) != 0;
        }

        /** Skips one field of any wire type whose tag was just read. */
        private void skip(int field, int wt, int tagAt, int end, String where, int depth) {
            String what = where + " field " + field;
            switch (wt) {
                case WT_VARINT -> varint(end, what);
                case WT_I64 -> {
                    if (end - pos < 8) {
                        throw error(pos, "truncated: " + what + " (fixed64) needs 8 bytes but only "
                                + (end - pos) + " remain");
                    }
                    pos += 8;
                }
                case WT_LEN -> {
                    int len = length(end, what); // not "pos += length(...)": Java reads pos before the call
                    pos += len;
                }
                case WT_I32 -> fixed32(end, what);
                case WT_SGROUP -> {
                    if (depth >= MAX_GROUP_DEPTH) {
                        throw error(tagAt, what + " opens groups nested deeper than " + MAX_GROUP_DEPTH);
                    }
                    while (true) {
                        if (pos >= end) {
                            throw error(tagAt, "truncated: the group " + what + " is never closed");
                        }
                        int innerAt = pos;
                        long tag = tag(end, what);
                        int innerField = (int) (tag >>> 3), innerWt = (int) (tag & 7);
                        if (innerWt == WT_EGROUP) {
                            if (innerField != field) {
                                throw error(innerAt, "the group " + what + " is closed by an end-group tag of field "
                                        + innerField);
                            }
                            return;
                        }
                        skip(innerField, innerWt, innerAt, end, what, depth + 1);
                    }
                }
                case WT_EGROUP -> throw error(tagAt, where + " has an end-group tag (field " + field
                        + ") without a matching start-group tag");
                default -> throw error(tagAt, what + " has the invalid wire type " + wt);
            }
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F && cp != '"' && cp != '\\') {
                sb.append((char) cp);
            } else if (Character.isLetterOrDigit(cp) || cp == 0x2581) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(String.format("\\u{%X}", cp));
            }
        });
        return sb.append('"').toString();
    }
}
