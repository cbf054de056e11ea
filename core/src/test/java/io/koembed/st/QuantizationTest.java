package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** quantize_embeddings semantics, against numpy outputs (testdata/search/make_quantization_fixture.py). */
class QuantizationTest {

    static float[][] matrix(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = rows.get(i);
            out[i] = new float[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = (float) row.get(j).asDouble();
            }
        }
        return out;
    }

    @Test
    void matchesNumpy() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.testdata().resolve("search/quantization.json").toFile());
        JsonNode inputs = root.get("inputs");
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            String name = c.get("name").asText();
            Precision p = Precision.fromName(c.get("precision").asText());
            float[][] emb = matrix(inputs.get(c.get("embeddings").asText()));
            QuantizedEmbeddings q;
            if (c.get("calibration").isNull()) {
                q = Quantization.quantize(emb, p);
            } else {
                QuantizationRanges ranges = QuantizationRanges.of(matrix(inputs.get(c.get("calibration").asText())));
                q = Quantization.quantize(emb, p, ranges);
            }
            if (!c.get("ranges").isNull()) {
                float[][] r = matrix(c.get("ranges"));
                for (int d = 0; d < r[0].length; d++) { // == so that numpy's -0.0 minimum equals our 0.0
                    assertTrue(r[0][d] == q.ranges().min()[d] && r[1][d] == q.ranges().max()[d], name + " range " + d);
                }
            }
            JsonNode expected = c.get("expected");
            assertEquals(expected.size(), q.count(), name);
            for (int i = 0; i < q.count(); i++) {
                int[] want = new int[expected.get(i).size()];
                for (int j = 0; j < want.length; j++) {
                    want[j] = expected.get(i).get(j).asInt();
                }
                assertArrayEquals(want, q.values(i), name + " row " + i);
                checked++;
            }
        }
        assertTrue(checked > 50, "only " + checked + " rows checked");
    }

    @Test
    void binaryPacksFirstDimensionIntoTheHighBit() {
        float[][] x = {{1, -1, 0, 0.5f, -2, -0f, 0, 3, 9}};
        QuantizedEmbeddings u = Quantization.quantize(x, Precision.UBINARY);
        // bits 1 0 0 1 0 0 0 1 | 1 (0000000 padding) -> 0x91, 0x80
        assertArrayEquals(new int[] {0x91, 0x80}, u.values(0));
        QuantizedEmbeddings b = Quantization.quantize(x, Precision.BINARY);
        assertArrayEquals(new int[] {0x91 - 128, 0x80 - 128}, b.values(0));
        for (int d = 0; d < 9; d++) {
            int bit = x[0][d] > 0 ? 1 : 0;
            assertEquals(bit, u.bit(0, d), "ubinary dim " + d);
            assertEquals(bit, b.bit(0, d), "binary dim " + d);
        }
        assertEquals(2, Precision.BINARY.bytesPerVector(9));
        assertEquals(96, Precision.UBINARY.bytesPerVector(768));
    }

    @Test
    void int8TruncatesTowardZeroSoItIsNotUint8Minus128() {
        // min 0, max 255: step exactly 1
        QuantizationRanges r = new QuantizationRanges(new float[] {0}, new float[] {255});
        float[][] x = {{0f}, {0.5f}, {127.5f}, {128.5f}, {200.25f}, {255f}};
        int[] u8 = new int[x.length];
        int[] i8 = new int[x.length];
        QuantizedEmbeddings u = Quantization.quantize(x, Precision.UINT8, r);
        QuantizedEmbeddings s = Quantization.quantize(x, Precision.INT8, r);
        for (int i = 0; i < x.length; i++) {
            u8[i] = u.value(i, 0);
            i8[i] = s.value(i, 0);
        }
        assertArrayEquals(new int[] {0, 0, 127, 128, 200, 255}, u8);
        assertArrayEquals(new int[] {-128, -127, 0, 0, 72, 127}, i8);
    }

    @Test
    void valuesOutsideTheRangeAreClamped() {
        QuantizationRanges r = new QuantizationRanges(new float[] {0}, new float[] {255});
        float[][] x = {{-1.5f}, {256.3f}, {1e30f}, {-1e30f}};
        QuantizedEmbeddings u = Quantization.quantize(x, Precision.UINT8, r);
        QuantizedEmbeddings s = Quantization.quantize(x, Precision.INT8, r);
        assertArrayEquals(new int[] {0, 255, 255, 0}, new int[] {u.value(0, 0), u.value(1, 0), u.value(2, 0), u.value(3, 0)});
        assertArrayEquals(new int[] {-128, 127, 127, -128}, new int[] {s.value(0, 0), s.value(1, 0), s.value(2, 0), s.value(3, 0)});
    }

    @Test
    void dequantizedValuesFallInTheirOwnBucket() {
        QuantizationRanges r = new QuantizationRanges(new float[] {-0.3f, 2f}, new float[] {0.7f, 2.5f});
        for (Precision p : List.of(Precision.INT8, Precision.UINT8)) {
            for (int code = 0; code < 256; code++) {
                byte[] data = {(byte) code, (byte) code};
                float[] back = new float[2];
                Quantization.dequantize(p, r, data, 0, back);
                int signed = p.isSigned() ? (byte) code : code;
                if (signed == (p.isSigned() ? 127 : 255) || signed == (p.isSigned() ? -128 : 0) && p.isSigned()) {
                    // the end codes stand for the range's end points only (float rounding may even put the end
                    // point itself in the next code), so they map back to the end point
                    float[] end = signed > 0 ? new float[] {0.7f, 2.5f} : new float[] {-0.3f, 2f};
                    assertArrayEquals(end, back, 1e-6f, p + " end code " + signed);
                    continue;
                }
                QuantizedEmbeddings again = Quantization.quantize(new float[][] {back}, p, r);
                assertArrayEquals(data, again.row(0), p + " code " + (p.isSigned() ? (byte) code : code)
                        + " -> " + Arrays.toString(back));
            }
        }
    }

    @Test
    void optionsValidate() {
        assertEquals(Precision.FLOAT32, new EncodeOptions(8, true, null, null).precision());
        assertThrows(IllegalArgumentException.class, () -> EncodeOptions.defaults().withTruncateDim(-1));
        assertEquals(Precision.INT8, Precision.fromName("INT8"));
        assertThrows(IllegalArgumentException.class, () -> Precision.fromName("float16"));
        assertThrows(IllegalArgumentException.class, () -> Quantization.quantize(new float[0][], Precision.INT8));
    }
}
