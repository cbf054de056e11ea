package io.koembed.tokenize.common;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the components' {@code fromJson} readers share: typed access to the fields of one component of
 * tokenizer.json, with errors that say where in the file it is ({@code where}, e.g. {@code normalizer.normalizers[1]})
 * and what is wrong. {@code TokenizerJsonLoader} adds the file's name. Public for the stage packages; not part of
 * KoEmbed's API.
 */
public final class ComponentJson {
    private ComponentJson() {}

    /** A component KoEmbed cannot read. The loader turns it into a ModelFormatException that names the file. */
    public static final class Invalid extends RuntimeException {
        public Invalid(String problem) {
            super(problem, null, false, false); // a message for the user, not a bug: no stack trace
        }
    }

    /** The list {@code field}, which must be there. */
    public static JsonNode list(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw new Invalid(where + ": \"" + field + "\" is not a list");
        }
        return v;
    }

    /** The boolean {@code field}, which must be there. */
    public static boolean bool(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isBoolean()) {
            throw new Invalid(where + ": \"" + field + "\" is not a boolean");
        }
        return v.asBoolean();
    }

    /** The boolean {@code field}, true when absent. */
    public static boolean boolOrTrue(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v != null && !v.isBoolean()) {
            throw new Invalid(where + ": \"" + field + "\" is not a boolean");
        }
        return v == null || v.asBoolean();
    }
}
