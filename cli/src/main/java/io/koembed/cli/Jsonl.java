package io.koembed.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Writer;

/** Writes JSON Lines: one compact object per line, through Jackson. */
final class Jsonl {
    private static final JsonFactory FACTORY = new JsonFactory();

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private final Writer writer;
    private final JsonGenerator generator;

    private Jsonl(Writer writer) throws IOException {
        this.writer = writer;
        this.generator = FACTORY.createGenerator(writer);
        this.generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        this.generator.setRootValueSeparator(null); // we write the newline; Jackson's default adds a space

    }

    static Jsonl writer(Writer writer) throws IOException {
        return new Jsonl(writer);
    }

    void object(Body body) throws IOException {
        generator.writeStartObject();
        body.write(generator);
        generator.writeEndObject();
        generator.flush();
        writer.write('\n');
    }

    void flush() throws IOException {
        generator.flush();
        writer.flush();
    }

    /** A float array as a JSON array of numbers, each float printed shortest round-trip. */
    static void floats(JsonGenerator g, String field, float[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (float v : values) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }
}
