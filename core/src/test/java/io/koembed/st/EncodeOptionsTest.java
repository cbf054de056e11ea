package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.koembed.Fixtures;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** truncate_dim and precision on the tiny XLM-R fixture, against the full float32 embeddings. */
class EncodeOptionsTest {
    static SentenceTransformer model;
    static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.", "안녕하세요?", "", "한국어 문장 임베딩을 위한 버트 모델입니다.");

    @BeforeAll
    static void load() {
        model = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void truncateDimCutsThenNormalizes() {
        float[][] full = model.encode(TEXTS);
        EncodeOptions opts = EncodeOptions.defaults().withTruncateDim(16).withNormalize(true).withBatchSize(4);
        float[][] cut = model.encode(TEXTS, opts);
        assertEquals(16, model.dimension(opts));
        for (int i = 0; i < TEXTS.size(); i++) {
            assertEquals(16, cut[i].length);
            float[] want = Normalize.l2Normalized(Arrays.copyOf(full[i], 16));
            assertArrayEquals(want, cut[i], 1e-6f, "text " + i);
        }
        float[][] cutRaw = model.encode(TEXTS, EncodeOptions.defaults().withTruncateDim(16));
        assertArrayEquals(Arrays.copyOf(full[0], 16), cutRaw[0]);
    }

    @Test
    void truncateDimAtOrAboveTheDimensionKeepsAll() {
        int dim = model.dimension();
        EncodeOptions big = EncodeOptions.defaults().withTruncateDim(dim + 100);
        assertEquals(dim, model.dimension(big));
        assertArrayEquals(model.encode(TEXTS)[1], model.encode(TEXTS, big)[1]);
    }

    @Test
    void tokenEmbeddingsIgnoreTruncateDimAsSentenceTransformersDoes() {
        List<float[][]> a = model.encodeTokens(TEXTS, EncodeOptions.defaults());
        List<float[][]> b = model.encodeTokens(TEXTS, EncodeOptions.defaults().withTruncateDim(8).withNormalize(true));
        assertArrayEquals(a.get(0)[0], b.get(0)[0]);
    }

    @Test
    void encodeQuantizedCalibratesOnItsOwnOutputs() {
        EncodeOptions opts = EncodeOptions.defaults().withNormalize(true).withTruncateDim(32);
        float[][] floats = model.encode(TEXTS, opts);
        for (Precision p : List.of(Precision.INT8, Precision.UINT8, Precision.BINARY, Precision.UBINARY)) {
            QuantizedEmbeddings q = model.encodeQuantized(TEXTS, opts.withPrecision(p));
            assertEquals(Quantization.quantize(floats, p), q, p.configName());
            assertEquals(32, q.dimension());
        }
        assertThrows(IllegalArgumentException.class, () -> model.encode(TEXTS, opts.withPrecision(Precision.INT8)));
        assertThrows(IllegalArgumentException.class, () -> model.encodeQuantized(TEXTS, opts));
        assertEquals(0, model.encodeQuantized(List.of(), opts.withPrecision(Precision.INT8)).count());
    }

    @Test
    void tokenEmbeddingsQuantizeTogether() {
        List<float[][]> tokens = model.encodeTokens(TEXTS, EncodeOptions.defaults());
        List<QuantizedEmbeddings> q = model.encodeTokensQuantized(TEXTS, EncodeOptions.defaults().withPrecision(Precision.UINT8));
        float[][] all = tokens.stream().flatMap(Arrays::stream).toArray(float[][]::new);
        QuantizationRanges ranges = QuantizationRanges.of(all);
        assertEquals(TEXTS.size(), q.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertEquals(tokens.get(i).length, q.get(i).count());
            assertEquals(Quantization.quantize(tokens.get(i), Precision.UINT8, ranges), q.get(i));
        }
    }

    @Test
    void untruncatedLengthCountsTokensBeyondTheLimit() {
        String longText = "해변을 걷는 사람 ".repeat(200);
        EncodeOptions opts = EncodeOptions.defaults();
        int n = model.untruncatedLength(longText, opts);
        assertEquals(true, n > model.maxSeqLength(), "n=" + n);
        assertEquals(model.tokenize("안녕하세요?").length(), model.untruncatedLength("안녕하세요?", opts));
    }
}
