package io.koembed.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import io.koembed.tokenize.SentencePieceModel.ModelType;
import io.koembed.tokenize.SentencePieceModel.Piece;
import io.koembed.tokenize.SentencePieceModel.Type;
import io.koembed.tokenize.SentencePieceModel.VocabEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SentencePieceModelTest {

    private static Path modelFile;
    private static byte[] modelBytes;
    private static SentencePieceModel model;
    private static JsonNode tokenizerJson;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        Path dir = Fixtures.model("tiny-xlmr-ko");
        modelFile = dir.resolve("sentencepiece.bpe.model");
        modelBytes = Files.readAllBytes(modelFile);
        model = SentencePieceModel.read(modelFile);
        tokenizerJson = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile());
    }

    // ---------------------------------------------------------------------------------------------------------
    // The fixture

    @Test
    void readsTheFixtureModel() {
        assertEquals(8000, model.pieces().size());
        assertEquals(new Piece("<unk>", 0.0f, Type.UNKNOWN), model.pieces().get(0));
        assertEquals(new Piece("<s>", 0.0f, Type.CONTROL), model.pieces().get(1));
        assertEquals(new Piece("</s>", 0.0f, Type.CONTROL), model.pieces().get(2));
        assertEquals("\u2581", model.pieces().get(3).piece());
        assertEquals(Type.NORMAL, model.pieces().get(3).type());
        assertEquals(7997, model.pieces().stream().filter(p -> p.type() == Type.NORMAL).count());

        var t = model.trainerSpec();
        assertEquals(ModelType.UNIGRAM, t.modelType());
        assertEquals(8000, t.vocabSize());
        assertEquals(0, t.unkId());
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(-1, t.padId(), "pad_id -1 is a 10-byte sign-extended varint on the wire");
        assertEquals("<unk>", t.unkPiece());
        assertEquals("<s>", t.bosPiece());
        assertEquals("</s>", t.eosPiece());
        assertEquals("<pad>", t.padPiece());
        assertEquals(" \u2047 ", t.unkSurface());
        assertFalse(t.byteFallback());
        assertFalse(t.treatWhitespaceAsSuffix());
        assertFalse(t.splitDigits());
        assertEquals(List.of(), t.controlSymbols());
        assertEquals(List.of(), t.userDefinedSymbols());

        var n = model.normalizerSpec();
        assertEquals("nmt_nfkc", n.name());
        assertTrue(n.addDummyPrefix());
        assertTrue(n.removeExtraWhitespaces());
        assertTrue(n.escapeWhitespaces());
    }

    @Test
    void xlmRobertaVocabIsTokenizerJsonsVocabExactly() {
        JsonNode json = tokenizerJson.get("model").get("vocab");
        List<VocabEntry> vocab = model.xlmRobertaVocab();
        assertEquals(json.size(), vocab.size());
        assertEquals(8002, vocab.size());
        for (int id = 0; id < vocab.size(); id++) {
            String piece = json.get(id).get(0).asText();
            double score = json.get(id).get(1).doubleValue();
            assertEquals(piece, vocab.get(id).piece(), "piece of id " + id);
            // tokenizer.json holds the float32 score widened to double: it must be that exact float
            assertEquals((double) (float) score, score, "tokenizer.json score of id " + id + " is not a float32");
            assertEquals(score, (double) vocab.get(id).score(), "score of id " + id + " " + piece);
        }
        assertEquals(List.of("<s>", "<pad>", "</s>", "<unk>"),
                vocab.subList(0, 4).stream().map(VocabEntry::piece).toList());
        vocab.subList(0, 4).forEach(e -> assertEquals(0.0f, e.score()));
        assertEquals(new VocabEntry("<mask>", 0.0f), vocab.getLast());

        // the fairseq offset: spm id i >= 3 is XLM-R id i + 1
        for (int i = 3; i < model.pieces().size(); i++) {
            assertEquals(model.pieces().get(i).piece(), vocab.get(i + SentencePieceModel.FAIRSEQ_OFFSET).piece());
        }
        assertEquals(8001, model.xlmRobertaMaskId());
        assertEquals(tokenizerJson.get("model").get("unk_id").asInt(), SentencePieceModel.XLMR_UNK_ID);
        for (JsonNode added : tokenizerJson.get("added_tokens")) {
            assertEquals(added.get("content").asText(), vocab.get(added.get("id").asInt()).piece());
        }
        assertEquals(8001, idOfAddedToken("<mask>"));
        assertEquals(SentencePieceModel.XLMR_BOS_ID, idOfAddedToken("<s>"));
        assertEquals(SentencePieceModel.XLMR_PAD_ID, idOfAddedToken("<pad>"));
        assertEquals(SentencePieceModel.XLMR_EOS_ID, idOfAddedToken("</s>"));
        assertEquals(SentencePieceModel.XLMR_UNK_ID, idOfAddedToken("<unk>"));
    }

    private static int idOfAddedToken(String content) {
        for (JsonNode added : tokenizerJson.get("added_tokens")) {
            if (added.get("content").asText().equals(content)) {
                return added.get("id").asInt();
            }
        }
        throw new AssertionError(content + " not in added_tokens");
    }

    @Test
    void precompiledCharsmapIsTokenizerJsons() {
        String b64 = null;
        for (JsonNode n : tokenizerJson.get("normalizer").get("normalizers")) {
            if (n.get("type").asText().equals("Precompiled")) {
                b64 = n.get("precompiled_charsmap").asText();
            }
        }
        assertTrue(b64 != null, "tokenizer.json has no Precompiled normalizer");
        byte[] expected = Base64.getDecoder().decode(b64);
        assertEquals(237561, expected.length);
        assertArrayEquals(expected, model.normalizerSpec().precompiledCharsmap());
    }

    @Test
    void charsmapAccessorReturnsACopy() {
        byte[] a = model.normalizerSpec().precompiledCharsmap();
        a[0] ^= 1;
        assertFalse(Arrays.equals(a, model.normalizerSpec().precompiledCharsmap()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Wire format on synthetic models

    @Test
    void unknownFieldsOfEveryWireTypeAreSkippedAtEveryLevel() throws IOException {
        SentencePieceModel plain = parse(tinyModel(false));
        SentencePieceModel noisy = parse(tinyModel(true));
        assertEquals(plain, noisy);
        assertEquals(List.of(new Piece("<unk>", 0f, Type.UNKNOWN), new Piece("<s>", 0f, Type.CONTROL),
                new Piece("</s>", 0f, Type.CONTROL), new Piece("\u2581\uac00", -1.5f, Type.NORMAL),
                new Piece("<0x41>", 0f, Type.BYTE), new Piece("x", -2.25f, Type.USER_DEFINED),
                new Piece("y", -3f, Type.UNUSED)), plain.pieces());
        assertEquals(7, plain.trainerSpec().vocabSize());
        assertEquals(3, plain.trainerSpec().padId());
        assertTrue(plain.trainerSpec().byteFallback());
        assertEquals(List.of("<ctl>"), plain.trainerSpec().controlSymbols());
        assertEquals(List.of("x"), plain.trainerSpec().userDefinedSymbols());
        assertEquals("identity", plain.normalizerSpec().name());
        assertArrayEquals(new byte[] {1, 2, 3}, plain.normalizerSpec().precompiledCharsmap());
        assertFalse(plain.normalizerSpec().addDummyPrefix());
        assertTrue(plain.normalizerSpec().removeExtraWhitespaces());
        assertFalse(plain.normalizerSpec().escapeWhitespaces());

        // unknown fields appended to the real file are skipped too
        byte[] extended = concat(modelBytes, unknownFields(900));
        assertEquals(model, SentencePieceModel.parse(modelFile, extended));
    }

    @Test
    void absentSpecsGetSentencePiecesDefaults() throws IOException {
        Proto m = new Proto();
        m.message(1, piece("<unk>", 0f, 2));
        m.message(1, piece("a", -1f, 0)); // type absent: NORMAL
        m.message(2, new Proto()).message(3, new Proto()); // empty specs
        SentencePieceModel parsed = parse(m.bytes());
        assertEquals(Type.NORMAL, parsed.pieces().get(1).type());
        var t = parsed.trainerSpec();
        assertEquals(ModelType.UNIGRAM, t.modelType());
        assertEquals(8000, t.vocabSize());
        assertEquals(List.of(0, 1, 2, -1), List.of(t.unkId(), t.bosId(), t.eosId(), t.padId()));
        assertEquals(List.of("<unk>", "<s>", "</s>", "<pad>"),
                List.of(t.unkPiece(), t.bosPiece(), t.eosPiece(), t.padPiece()));
        assertFalse(t.byteFallback());
        var n = parsed.normalizerSpec();
        assertEquals("", n.name());
        assertEquals(0, n.precompiledCharsmap().length);
        assertTrue(n.addDummyPrefix() && n.removeExtraWhitespaces() && n.escapeWhitespaces());
        // with fewer than 3 pieces the layout is the 4 specials and <mask>, as the converter would make it
        assertEquals(5, parsed.xlmRobertaVocab().size());
        assertEquals(4, parsed.xlmRobertaMaskId());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Refusals: each names the file

    @Test
    void emptyFile() throws IOException {
        Path f = write("empty.model", new byte[0]);
        assertRefused(f, "empty");
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("no-such.model");
        assertRefused(f, "cannot read");
    }

    @Test
    void truncatedFile() throws IOException {
        // inside a piece, inside the trainer spec, inside the charsmap, one byte short
        int[] cuts = {1, 2, 3, 7, 100, 5000 /* between two pieces */, 134_700, 134_800, 200_000,
            modelBytes.length - 1};
        for (int cut : cuts) {
            Path f = write("truncated-" + cut + ".model", Arrays.copyOf(modelBytes, cut));
            ModelFormatException e = assertRefused(f, "truncated");
            assertTrue(e.getMessage().contains("byte offset"), e.getMessage());
        }
    }

    @Test
    void everyTruncationIsRefusedCleanly() {
        // A small well-formed model made of the fixture's first pieces and its real trainer and normalizer
        // specs, cut at every byte up to well into the charsmap: each cut gives a ModelFormatException naming
        // the file, never another exception, also the cuts exactly between two pieces (which are well-formed
        // protobuf: they are refused because the specs are missing).
        byte[] small = smallModel();
        int piecesEnd = topLevelFields(small).stream().filter(f -> f[0] == 1).mapToInt(f -> f[2]).max().orElseThrow();
        SentencePieceModel whole = SentencePieceModel.parse(modelFile, small);
        assertEquals(model.trainerSpec(), whole.trainerSpec());
        assertEquals(model.normalizerSpec(), whole.normalizerSpec());
        assertEquals(model.pieces().subList(0, whole.pieces().size()), whole.pieces());

        List<Integer> boundaries = topLevelFields(small).stream().map(f -> f[2]).toList();
        int refused = 0, atBoundary = 0;
        for (int cut = 1; cut < small.length; cut += cut < piecesEnd + 600 ? 1 : 499) {
            byte[] cutShort = Arrays.copyOf(small, cut);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> SentencePieceModel.parse(modelFile, cutShort), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(modelFile + ": "), e.getMessage());
            refused++;
            if (boundaries.contains(cut)) {
                atBoundary++;
                assertTrue(e.getMessage().contains("is the file truncated?"), e.getMessage());
            }
        }
        assertTrue(refused > 2000 && atBoundary > 50, refused + " refused, " + atBoundary + " at field boundaries");
    }

    /** The fixture's first pieces (about 2000 bytes of them) followed by its trainer and normalizer specs. */
    private static byte[] smallModel() {
        List<int[]> fields = topLevelFields(modelBytes);
        int piecesEnd = fields.stream().filter(f -> f[0] == 1 && f[2] <= 2000).mapToInt(f -> f[2]).max().orElseThrow();
        int specsStart = fields.stream().filter(f -> f[0] == 2).mapToInt(f -> f[1]).findFirst().orElseThrow();
        return concat(Arrays.copyOf(modelBytes, piecesEnd), Arrays.copyOfRange(modelBytes, specsStart, modelBytes.length));
    }

    /** The top-level fields of a protobuf message: {field number, start offset, end offset}. */
    private static List<int[]> topLevelFields(byte[] b) {
        List<int[]> out = new java.util.ArrayList<>();
        int pos = 0;
        while (pos < b.length) {
            int start = pos;
            long[] tag = readVarint(b, pos);
            pos = (int) tag[1];
            assertEquals(2, tag[0] & 7, "the fixture's top-level fields are all length-delimited");
            long[] len = readVarint(b, pos);
            pos = (int) (len[1] + len[0]);
            out.add(new int[] {(int) (tag[0] >>> 3), start, pos});
        }
        return out;
    }

    private static long[] readVarint(byte[] b, int pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[pos++];
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return new long[] {v, pos};
            }
        }
    }

    @Test
    void randomBytes() throws IOException {
        Random r = new Random(20240611L);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + r.nextInt(5000)];
            r.nextBytes(junk);
            Path f = write("random-" + i + ".model", junk);
            assertRefused(f, "");
        }
        // a text file
        assertRefused(write("text.model", "{\"model\": {\"type\": \"Unigram\"}}".getBytes(StandardCharsets.UTF_8)), "");
    }

    @Test
    void mutatedModelsNeverThrowAnythingElse() {
        // random byte changes in the pieces and the specs of a small model built from the fixture
        byte[] small = smallModel();
        int specsStart = topLevelFields(small).stream().filter(f -> f[0] == 2).mapToInt(f -> f[1]).findFirst()
                .orElseThrow();
        Random r = new Random(7);
        int refused = 0, runs = 2000;
        for (int i = 0; i < runs; i++) {
            byte[] b = small.clone();
            int changes = 1 + r.nextInt(6);
            for (int k = 0; k < changes; k++) {
                int at = r.nextBoolean() ? r.nextInt(specsStart) : specsStart + r.nextInt(200);
                b[at] = (byte) r.nextInt(256);
            }
            try {
                SentencePieceModel.parse(modelFile, b);
            } catch (ModelFormatException e) {
                refused++;
                assertTrue(e.getMessage().startsWith(modelFile + ": "), e.getMessage());
            }
        }
        assertTrue(refused > runs / 4, "only " + refused + " of " + runs + " mutations were refused");
    }

    @Test
    void wrongModelType() throws IOException {
        for (int type = 2; type <= 4; type++) {
            Proto m = new Proto();
            m.message(1, piece("<unk>", 0f, 2));
            m.message(2, new Proto().varint(3, type));
            Path f = write("type-" + type + ".model", m.bytes());
            ModelFormatException e = assertRefused(f, "UNIGRAM");
            String name = List.of("BPE", "WORD", "CHAR").get(type - 2);
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        Proto m = new Proto();
        m.message(1, piece("<unk>", 0f, 2));
        m.message(2, new Proto().varint(3, 9));
        assertRefused(write("type-9.model", m.bytes()), "model_type has the unknown value 9");
    }

    @Test
    void fixtureWithBpeModelTypeIsRefused() throws IOException {
        // the fixture plus a second trainer_spec saying BPE: protobuf merges it, the last value wins
        byte[] b = concat(modelBytes, new Proto().message(2, new Proto().varint(3, 2)).bytes());
        assertRefused(write("bpe.model", b), "BPE");
    }

    @Test
    void invalidPieces() throws IOException {
        Proto noUnk = new Proto().message(1, piece("a", 0f, 1));
        assertRefused(write("no-unk.model", noUnk.bytes()), "no piece has type UNKNOWN");

        Proto twoUnk = new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("<unk2>", 0f, 2));
        assertRefused(write("two-unk.model", twoUnk.bytes()), "second UNKNOWN");

        Proto dup = new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("a", 0f, 1))
                .message(1, piece("a", -1f, 1));
        assertRefused(write("dup.model", dup.bytes()), "repeats piece 1");

        Proto empty = new Proto().message(1, piece("<unk>", 0f, 2)).message(1, new Proto().fixed32(2, 0));
        assertRefused(write("empty-piece.model", empty.bytes()), "piece 1 is empty");

        Proto badType = new Proto().message(1, piece("<unk>", 0f, 2)).message(1, piece("a", 0f, 7));
        assertRefused(write("bad-type.model", badType.bytes()), "type has the unknown value 7");

        Proto badUtf8 = new Proto().message(1, piece("<unk>", 0f, 2))
                .message(1, new Proto().bytesField(1, new byte[] {'a', (byte) 0xC3}));
        assertRefused(write("bad-utf8.model", badUtf8.bytes()), "not valid UTF-8");
    }

    @Test
    void malformedWireFormat() throws IOException {
        // score sent as a varint instead of fixed32
        assertRefused(write("wt.model", new Proto().message(1, new Proto().string(1, "<unk>").varint(2, 5)).bytes()),
                "score has wire type 0");
        // wire types 6 and 7 do not exist
        assertRefused(write("wt6.model", concat(new Proto().message(1, piece("<unk>", 0f, 2)).bytes(),
                new byte[] {(byte) (9 << 3 | 6), 0})), "invalid wire type 6");
        assertRefused(write("wt7.model", new byte[] {(byte) (9 << 3 | 7), 0}), "invalid wire type 7");
        // field number 0
        assertRefused(write("field0.model", new byte[] {0x00, 0x00}), "invalid field number 0");
        // an 11-byte varint
        byte[] longVarint = new byte[12];
        longVarint[0] = (byte) (9 << 3);
        Arrays.fill(longVarint, 1, 11, (byte) 0xFF);
        longVarint[11] = 0x01;
        assertRefused(write("varint.model", longVarint), "varint");
        // a group that is never closed, and one closed by the wrong field
        assertRefused(write("group.model", new byte[] {(byte) (9 << 3 | 3), (byte) (10 << 3 | 0), 1}), "never closed");
        assertRefused(write("group2.model", new byte[] {(byte) (9 << 3 | 3), (byte) (10 << 3 | 4)}),
                "end-group tag of field 10");
        assertRefused(write("egroup.model", new byte[] {(byte) (9 << 3 | 4)}), "without a matching start-group");
        // a nested message longer than its parent
        byte[] m = new Proto().message(1, piece("<unk>", 0f, 2)).bytes();
        m[1] += 3; // the piece claims 3 more bytes than the file has
        assertRefused(write("len.model", m), "truncated");
        // a length-delimited field whose length is negative as int64
        byte[] neg = {(byte) (9 << 3 | 2), (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        assertRefused(write("neglen.model", neg), "truncated");
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    private ModelFormatException assertRefused(Path f, String fragment) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SentencePieceModel.read(f),
                f.getFileName().toString());
        assertTrue(e.getMessage().startsWith(f + ": "), "message does not name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
        return e;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(tmp.resolve(name), bytes);
    }

    private SentencePieceModel parse(byte[] bytes) throws IOException {
        return SentencePieceModel.read(write("model-" + System.nanoTime() + ".model", bytes));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static Proto piece(String s, float score, int type) {
        Proto p = new Proto().string(1, s).fixed32(2, Float.floatToRawIntBits(score));
        return type == 0 ? p : p.varint(3, type);
    }

    /** Unknown fields of every wire type, including a group with a nested group and a nested message. */
    private static byte[] unknownFields(int base) {
        return new Proto()
                .varint(base, 150)
                .varint(base + 1, -1)
                .fixed64(base + 2, 0x0102030405060708L)
                .string(base + 3, "unknown \uD55C")
                .fixed32(base + 4, 42)
                .startGroup(base + 5).varint(1, 1).startGroup(2).fixed32(3, 7).endGroup(2).string(4, "g")
                .endGroup(base + 5)
                .message(base + 6, new Proto().varint(1, 5).message(2, new Proto().string(1, "deep")))
                .bytes();
    }

    static byte[] tinyModel(boolean noise) {
        Proto m = new Proto();
        if (noise) {
            m.raw(unknownFields(100));
        }
        String[] pieces = {"<unk>", "<s>", "</s>", "\u2581\uac00", "<0x41>", "x", "y"};
        float[] scores = {0f, 0f, 0f, -1.5f, 0f, -2.25f, -3f};
        int[] types = {2, 3, 3, 1, 6, 4, 5};
        for (int i = 0; i < pieces.length; i++) {
            Proto p = piece(pieces[i], scores[i], types[i]);
            if (noise) {
                p.raw(unknownFields(200 + i));
            }
            m.message(1, p);
        }
        Proto t = new Proto();
        if (noise) {
            t.raw(unknownFields(300));
            t.string(1, "corpus.txt").string(2, "prefix").fixed32(10, Float.floatToIntBits(0.9995f));
        }
        t.varint(3, 1).varint(4, 7).varint(43, 3).varint(35, 1).string(30, "<ctl>").string(31, "x");
        if (noise) {
            t.raw(unknownFields(400));
        }
        m.message(2, t);
        Proto n = new Proto();
        if (noise) {
            n.raw(unknownFields(500));
        }
        n.string(1, "identity").bytesField(2, new byte[] {1, 2, 3}).varint(3, 0).varint(5, 0);
        if (noise) {
            n.string(6, "rule\ttsv").raw(unknownFields(600)); // normalization_rule_tsv: training only, skipped
        }
        m.message(3, n);
        if (noise) {
            m.message(5, new Proto().string(1, "denormalizer")); // denormalizer_spec: skipped
            m.raw(unknownFields(700));
        }
        return m.bytes();
    }

    /** A minimal protobuf writer for building test models. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        private void rawVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        private void tag(int field, int wt) {
            rawVarint((long) field << 3 | wt);
        }

        Proto varint(int field, long v) {
            tag(field, 0);
            rawVarint(v);
            return this;
        }

        Proto fixed64(int field, long v) {
            tag(field, 1);
            for (int i = 0; i < 8; i++) {
                out.write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Proto fixed32(int field, int v) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }

        Proto bytesField(int field, byte[] b) {
            tag(field, 2);
            rawVarint(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto string(int field, String s) {
            return bytesField(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytesField(field, m.bytes());
        }

        Proto startGroup(int field) {
            tag(field, 3);
            return this;
        }

        Proto endGroup(int field) {
            tag(field, 4);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
