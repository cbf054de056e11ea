package io.koembed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one place a model's JSON files are read: one {@link ObjectMapper}, and errors that name the file (and the
 * line and column for bad JSON) as {@link ModelFormatException}s.
 *
 * <p>What counts as JSON is what Python's {@code json} module (which wrote and reads these files) accepts there:
 * anything after the top-level value is refused; a key given twice in an object is kept with its last value.
 */
public final class JsonFiles {
    /**
     * Numbers are parsed with Jackson's fast double parser (correctly rounded, as Double.parseDouble): a Unigram
     * tokenizer.json holds a 17-digit score per piece, 250,002 of them for XLM-R, and the JDK's parser took most of
     * that file's load on its slow path.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** For {@link #readStream}: trees read from inside a stream end where their value ends (the stream goes on). */
    private static final ObjectMapper STREAM_MAPPER = MAPPER.copy()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonFiles() {}

    /** The shared mapper, for JSON that is not read from a file of its own (e.g. a safetensors header). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * The file's top-level JSON value, of any kind (object, array, ...).
     *
     * @throws ModelFormatException "FILE: file not found", "FILE: not valid JSON at line L, column C: ..." (also
     *                              for more after the value), "FILE: empty file" or "FILE: cannot read: ..."
     */
    public static JsonNode readTree(Path file) {
        JsonNode node = parse(file, MAPPER::readTree);
        if (node == null || node.isMissingNode()) {
            throw ModelFormatException.in(file, "empty file");
        }
        return node;
    }

    /** Reads a value from a parser placed before its first token (a token stream's consumer, e.g. a streamed list). */
    @FunctionalInterface
    public interface StreamReader<T> {
        T read(JsonParser parser) throws IOException;
    }

    /**
     * The file read by {@code reader} from a parser over its bytes, with {@link #readTree}'s errors for bad JSON
     * and for anything after the top-level value: for files too large to hold as a tree cheaply (a Unigram
     * tokenizer.json's vocabulary is 250,002 [piece, score] pairs, 750,000 tree nodes). {@code reader} gets
     * the parser before the first token; an empty file gives it no token.
     */
    public static <T> T readStream(Path file, StreamReader<T> reader) {
        return parse(file, bytes -> {
            try (JsonParser parser = STREAM_MAPPER.createParser(bytes)) {
                T value = reader.read(parser);
                if (parser.nextToken() != null) {
                    var loc = parser.currentLocation();
                    throw ModelFormatException.in(file, "not valid JSON at line " + loc.getLineNr() + ", column "
                            + loc.getColumnNr() + ": more content after the top-level value");
                }
                return value;
            }
        });
    }

    private interface BytesReader<T> {
        T read(byte[] bytes) throws IOException;
    }

    private static <T> T parse(Path file, BytesReader<T> reader) {
        try {
            return reader.read(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw ModelFormatException.in(file, "file not found", e);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            // Jackson's own words for this case name its configuration, which tells a user nothing.
            String what = e instanceof MismatchedInputException && e.getOriginalMessage().startsWith("Trailing token")
                    ? "more content after the top-level value" : e.getOriginalMessage();
            throw ModelFormatException.in(file, "not valid JSON" + where + ": " + what, e);
        } catch (IOException e) {
            throw ModelFormatException.in(file, "cannot read: " + e, e);
        }
    }

    /** The file's top-level JSON object: {@link #readTree}, and anything but an object is an error. */
    public static JsonNode readObject(Path file) {
        JsonNode node = readTree(file);
        if (!node.isObject()) {
            throw ModelFormatException.in(file, "expected a JSON object, found "
                    + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return node;
    }

    /** Like {@link #readObject} but an absent file gives null: for optional configuration files. */
    public static JsonNode readOptionalObject(Path file) {
        return Files.exists(file) ? readObject(file) : null;
    }
}
