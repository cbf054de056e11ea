package io.koembed.tokenize.processors;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import io.koembed.tokenize.common.Encoding;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "BertProcessing", "sep": [token, id], "cls": [token, id]}} ({@code processors/bert.rs}):
 * {@code cls A sep} with type ids 0, and for a pair {@code B sep} after it with type ids 1 (the second
 * sequence's own type ids, which are 1, plus 1 for its {@code sep}).
 */
public record BertProcessing(String cls, int clsId, String sep, int sepId) implements PostProcessor {

    public static BertProcessing fromJson(JsonNode node, String where) {
        TokenAndId cls = TokenAndId.fromJson(node, "cls", where);
        TokenAndId sep = TokenAndId.fromJson(node, "sep", where);
        return new BertProcessing(cls.token(), cls.id(), sep.token(), sep.id());
    }

    /** A special token as BertProcessing and RobertaProcessing write it: {@code [token, id]}. */
    record TokenAndId(String token, int id) {
        static TokenAndId fromJson(JsonNode node, String field, String where) {
            JsonNode v = node.get(field);
            if (v == null || !v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).canConvertToInt()) {
                throw new Invalid(where + ": \"" + field + "\" must be [token, id]");
            }
            return new TokenAndId(v.get(0).asText(), v.get(1).asInt());
        }
    }

    @Override
    public int addedTokens(boolean pair) {
        return pair ? 3 : 2;
    }

    @Override
    public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
        if (!addSpecialTokens) {
            return encodings;
        }
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (int i = 0; i < encodings.size(); i++) {
            Encoding e = encodings.get(i);
            out.add(i == 0 ? wrap(cls, clsId, 0, e, sep, sepId, 0) : wrap(null, 0, 0, e, sep, sepId, 1));
        }
        return out;
    }

    /** {@code [before] e after}, the added tokens with the given type ids; {@code before} may be null. */
    static Encoding wrap(String before, int beforeId, int beforeType, Encoding e, String after, int afterId,
                         int afterType) {
        int head = before == null ? 0 : 1;
        int n = e.length() + head + 1;
        int[] ids = new int[n];
        int[] types = new int[n];
        List<String> tokens = new ArrayList<>(n);
        if (before != null) {
            ids[0] = beforeId;
            types[0] = beforeType;
            tokens.add(before);
        }
        System.arraycopy(e.ids(), 0, ids, head, e.length());
        System.arraycopy(e.typeIds(), 0, types, head, e.length());
        tokens.addAll(e.tokens());
        ids[n - 1] = afterId;
        types[n - 1] = afterType;
        tokens.add(after);
        return new Encoding(ids, types, tokens);
    }
}
