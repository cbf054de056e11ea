package io.koembed.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.koembed.JsonFiles;
import io.koembed.server.ApiTypes.Input;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A request's JSON object and typed access to its fields, from which the request records of {@link ApiTypes} are
 * read. Every refusal names the field and what was expected, e.g. "`dimensions` must be an integer, got \"64\"" or
 * "`inputs[2]` is null; expected a string or an array of token ids". Unknown fields are ignored, as
 * text-embeddings-inference and OpenAI ignore them.
 */
final class RequestBody {
    /** Trailing garbage after the object and duplicate keys are errors, not silently dropped. */
    private static final ObjectReader READER = JsonFiles.mapper().reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private final JsonNode root;

    private RequestBody(JsonNode root) {
        this.root = root;
    }

    /** Parses a UTF-8 JSON object. */
    static RequestBody parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(ApiError.Kind.MALFORMED, "the request body is empty; expected a JSON object");
        }
        checkUtf8(body);
        JsonNode node;
        try {
            node = READER.readTree(body);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ApiError(ApiError.Kind.MALFORMED, "the request body is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ApiError(ApiError.Kind.MALFORMED, "the request body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ApiError(ApiError.Kind.MALFORMED, "the request body must be a JSON object, got "
                    + describe(node));
        }
        return new RequestBody(node);
    }

    /** Jackson would report a bad byte as a JSON syntax error; the client learns more from its offset. */
    private static void checkUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        try {
            decoder.decode(in);
        } catch (CharacterCodingException e) {
            throw new ApiError(ApiError.Kind.MALFORMED, "the request body is not valid UTF-8 (bad byte 0x"
                    + String.format(Locale.ROOT, "%02x", body[in.position()] & 0xff) + " at offset "
                    + in.position() + ")");
        }
    }

    /** The value of a field that must be present and not null. */
    JsonNode required(String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ApiError(ApiError.Kind.INVALID, field, "`" + field + "` is required");
        }
        return v;
    }

    boolean has(String field) {
        JsonNode v = root.get(field);
        return v != null && !v.isNull();
    }

    /** A boolean field; absent or null gives the default. */
    boolean bool(String field, boolean absent) {
        if (!has(field)) {
            return absent;
        }
        JsonNode v = root.get(field);
        if (!v.isBoolean()) {
            throw invalid(field, "must be true or false", v);
        }
        return v.booleanValue();
    }

    /** A string field; absent or null gives null. */
    String string(String field) {
        if (!has(field)) {
            return null;
        }
        JsonNode v = root.get(field);
        if (!v.isTextual()) {
            throw invalid(field, "must be a string", v);
        }
        return v.textValue();
    }

    /** An integer field in [min, max]; absent or null gives 0. */
    int intInRange(String field, int min, int max) {
        if (!has(field)) {
            return 0;
        }
        JsonNode v = root.get(field);
        if (!v.isIntegralNumber()) {
            throw invalid(field, "must be an integer", v);
        }
        if (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw invalid(field, "must be between " + min + " and " + max, v);
        }
        return v.intValue();
    }

    /** The object field {@code field}, or null when absent. */
    RequestBody object(String field) {
        if (!has(field)) {
            return null;
        }
        JsonNode v = root.get(field);
        if (!v.isObject()) {
            throw invalid(field, "must be an object", v);
        }
        return new RequestBody(v);
    }

    /**
     * The inputs of text-embeddings-inference's {@code inputs} and OpenAI's {@code input}: a string, an array of
     * token ids, or an array whose items are strings or arrays of token ids.
     */
    List<Input> inputs(String field) {
        JsonNode v = required(field);
        if (v.isTextual()) {
            return List.of(new Input(text(field, v), null));
        }
        if (!v.isArray()) {
            throw invalid(field, "must be a string, an array of strings, an array of token ids or an array of "
                    + "arrays of token ids", v);
        }
        if (v.isEmpty()) {
            throw new ApiError(ApiError.Kind.EMPTY, field, "`" + field + "` cannot be empty");
        }
        if (v.get(0).isNumber()) {
            return List.of(new Input(null, ids(field, v)));
        }
        List<Input> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            String name = field + "[" + i + "]";
            JsonNode item = v.get(i);
            if (item.isTextual()) {
                out.add(new Input(text(name, item), null));
            } else if (item.isArray()) {
                out.add(new Input(null, ids(name, item)));
            } else {
                throw invalid(name, item.isNull() ? "is null; expected a string or an array of token ids"
                        : "must be a string or an array of token ids", item);
            }
        }
        return out;
    }

    /** A required non-empty string field. */
    String text(String field) {
        JsonNode v = required(field);
        if (!v.isTextual()) {
            throw invalid(field, "must be a string", v);
        }
        return text(field, v);
    }

    /** A list of strings: a string alone, or a non-empty array of strings. */
    List<String> texts(String field) {
        JsonNode v = required(field);
        if (v.isTextual()) {
            return List.of(text(field, v));
        }
        if (!v.isArray()) {
            throw invalid(field, "must be a string or an array of strings", v);
        }
        if (v.isEmpty()) {
            throw new ApiError(ApiError.Kind.EMPTY, field, "`" + field + "` cannot be empty");
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual()) {
                throw invalid(field + "[" + i + "]", "must be a string", item);
            }
            out.add(text(field + "[" + i + "]", item));
        }
        return out;
    }

    /** A non-empty string (TEI refuses empty inputs: they carry nothing to embed). */
    private static String text(String name, JsonNode v) {
        if (v.textValue().isEmpty()) {
            throw new ApiError(ApiError.Kind.INVALID, name, "`" + name + "` is an empty string");
        }
        return v.textValue();
    }

    private static int[] ids(String name, JsonNode array) {
        if (array.isEmpty()) {
            throw new ApiError(ApiError.Kind.INVALID, name, "`" + name + "` is an empty array of token ids");
        }
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw invalid(name + "[" + i + "]", "must be a token id (an integer of at least 0)", id);
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    private static ApiError invalid(String field, String expected, JsonNode got) {
        return new ApiError(ApiError.Kind.INVALID, field, "`" + field + "` " + expected + ", got " + describe(got));
    }

    /** A short picture of a JSON value for an error message: its text if small, else its type. */
    private static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        String s = v.toString();
        return s.length() <= 40 ? s : v.getNodeType().name().toLowerCase(Locale.ROOT) + " (" + s.length()
                + " characters)";
    }
}
