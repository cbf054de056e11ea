package io.koembed.tokenize.processors;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.Encoding;
import io.koembed.tokenize.processors.BertProcessing.TokenAndId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "RobertaProcessing", "sep": [token, id], "cls": [token, id], ...}} ({@code processors/roberta.rs}):
 * {@code cls A sep} and {@code cls A sep sep B sep}; every type id is 0, with or without special tokens
 * ("Roberta is weird", says the Rust source). {@code trim_offsets}/{@code add_prefix_space} only touch offsets.
 */
public record RobertaProcessing(String cls, int clsId, String sep, int sepId) implements PostProcessor {

    public static RobertaProcessing fromJson(JsonNode node, String where) {
        TokenAndId cls = TokenAndId.fromJson(node, "cls", where);
        TokenAndId sep = TokenAndId.fromJson(node, "sep", where);
        return new RobertaProcessing(cls.token(), cls.id(), sep.token(), sep.id());
    }

    @Override
    public int addedTokens(boolean pair) {
        return pair ? 4 : 2;
    }

    @Override
    public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (int i = 0; i < encodings.size(); i++) {
            Encoding e = PostProcessor.withTypeIds(encodings.get(i), 0);
            if (addSpecialTokens) {
                e = BertProcessing.wrap(i == 0 ? cls : sep, i == 0 ? clsId : sepId, 0, e, sep, sepId, 0);
            }
            out.add(e);
        }
        return out;
    }
}
