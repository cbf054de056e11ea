package io.koembed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** JSON Lines as the CLI writes them: float arrays in the very text Jackson writes number by number. */
class JsonlTest {

    @Test
    void floatArraysAreWrittenAsJacksonWritesEachNumber() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[4000];
        float[] special = {0f, -0f, 1f, -1f, 0.1f, 1e-45f, -1e-45f, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                1e7f, 1e-3f, 9.999999e-4f, 123456.79f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        System.arraycopy(special, 0, values, 0, special.length);
        for (int i = special.length; i < values.length; i++) {
            // any bit pattern (every exponent, subnormals, NaNs) and typical embedding values, in turns
            values[i] = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextGaussian() * 0.05f;
        }

        StringWriter ours = new StringWriter();
        Jsonl jsonl = Jsonl.writer(ours);
        jsonl.object(g -> Jsonl.floats(g, "embedding", values));
        jsonl.object(g -> {
            g.writeStringField("before", "x");
            Jsonl.floats(g, "a", new float[] {0.5f});
            Jsonl.floats(g, "empty", new float[0]);
        });
        jsonl.flush();

        StringWriter jackson = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(jackson)) {
            g.setRootValueSeparator(null);
            g.writeStartObject();
            g.writeArrayFieldStart("embedding");
            for (float v : values) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            jackson.write('\n');
            g.writeStartObject();
            g.writeStringField("before", "x");
            g.writeArrayFieldStart("a");
            g.writeNumber(0.5f);
            g.writeEndArray();
            g.writeArrayFieldStart("empty");
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            jackson.write('\n');
        }
        assertEquals(jackson.toString(), ours.toString());

        // and it reads back as the same floats
        var back = new ObjectMapper().readTree(ours.toString().lines().findFirst().orElseThrow()).get("embedding");
        for (int i = 0; i < values.length; i++) {
            if (Float.isFinite(values[i])) {
                assertEquals(values[i], back.get(i).floatValue(), "value " + i);
            }
        }
    }
}
