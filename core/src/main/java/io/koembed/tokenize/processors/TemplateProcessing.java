package io.koembed.tokenize.processors;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import io.koembed.tokenize.common.Encoding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code {"type": "TemplateProcessing"}} ({@code processors/template.rs}): the output is the template's pieces in
 * order - each {@code SpecialToken} contributes its ids with the piece's type id (only when special tokens are
 * requested), each {@code Sequence} (A or B) contributes that input with all its type ids set to the piece's type
 * id (always).
 */
public final class TemplateProcessing implements PostProcessor {

    /** One element of a template: a special token (by its name in {@code special_tokens}) or sequence A/B. */
    public sealed interface Piece permits SpecialPiece, SequencePiece {}

    /** {@code {"SpecialToken": {"id": name, "type_id": t}}}. */
    public record SpecialPiece(String name, int typeId) implements Piece {}

    /** {@code {"Sequence": {"id": "A"|"B", "type_id": t}}}; {@code index} 0 for A, 1 for B. */
    public record SequencePiece(int index, int typeId) implements Piece {}

    /** An entry of {@code special_tokens}: the ids and tokens a name expands to. */
    public record SpecialTokens(int[] ids, List<String> tokens) {
        public SpecialTokens {
            if (ids.length != tokens.size()) {
                throw new IllegalArgumentException("special token ids and tokens differ in length");
            }
            ids = ids.clone();
            tokens = List.copyOf(tokens);
        }
    }

    private final List<Piece> single;
    private final List<Piece> pair;
    private final Map<String, SpecialTokens> specialTokens;
    private final int addedSingle;
    private final int addedPair;

    /**
     * @throws IllegalArgumentException when a template names a special token missing from {@code specialTokens},
     *                                  or the single template uses sequence B
     */
    public TemplateProcessing(List<Piece> single, List<Piece> pair, Map<String, SpecialTokens> specialTokens) {
        this.single = List.copyOf(single);
        this.pair = List.copyOf(pair);
        this.specialTokens = Map.copyOf(specialTokens);
        for (Piece p : this.single) {
            if (p instanceof SequencePiece s && s.index() != 0) {
                throw new IllegalArgumentException("the single template uses sequence B");
            }
        }
        this.addedSingle = count(this.single);
        this.addedPair = count(this.pair);
    }

    /**
     * {@code single} and {@code pair} templates of {@code {"SpecialToken": ...}} and {@code {"Sequence": ...}}
     * pieces, and the {@code special_tokens} they name ({@code {"id", "ids", "tokens"}}, keyed by name).
     */
    public static TemplateProcessing fromJson(JsonNode node, String where) {
        Map<String, SpecialTokens> specials = new LinkedHashMap<>();
        JsonNode st = node.get("special_tokens");
        if (st != null && !st.isNull()) {
            if (!st.isObject()) {
                throw new Invalid(where + ": \"special_tokens\" is not an object");
            }
            for (Map.Entry<String, JsonNode> e : st.properties()) {
                JsonNode ids = e.getValue().get("ids");
                JsonNode tokens = e.getValue().get("tokens");
                if (ids == null || !ids.isArray() || tokens == null || !tokens.isArray()
                        || ids.size() != tokens.size()) {
                    throw new Invalid(where + ".special_tokens." + e.getKey() + ": needs \"ids\" and \"tokens\" "
                            + "lists of the same length");
                }
                int[] idArray = new int[ids.size()];
                List<String> tokenList = new ArrayList<>();
                for (int k = 0; k < idArray.length; k++) {
                    idArray[k] = ids.get(k).asInt();
                    tokenList.add(tokens.get(k).asText());
                }
                String name = e.getValue().path("id").asText(e.getKey());
                specials.put(name, new SpecialTokens(idArray, tokenList));
            }
        }
        try {
            return new TemplateProcessing(pieces(node, "single", where), pieces(node, "pair", where), specials);
        } catch (IllegalArgumentException e) {
            throw new Invalid(where + ": " + e.getMessage());
        }
    }

    private static List<Piece> pieces(JsonNode node, String field, String where) {
        List<Piece> pieces = new ArrayList<>();
        int k = 0;
        for (JsonNode p : ComponentJson.list(node, field, where)) {
            String at = where + "." + field + "[" + k++ + "]";
            if (p.has("SpecialToken")) {
                JsonNode s = p.get("SpecialToken");
                pieces.add(new SpecialPiece(s.path("id").asText(), s.path("type_id").asInt(0)));
            } else if (p.has("Sequence")) {
                JsonNode s = p.get("Sequence");
                String id = s.path("id").asText();
                int index = switch (id) {
                    case "A" -> 0;
                    case "B" -> 1;
                    default -> throw new Invalid(at + ": unknown sequence \"" + id + "\"");
                };
                pieces.add(new SequencePiece(index, s.path("type_id").asInt(0)));
            } else {
                throw new Invalid(at + ": neither a SpecialToken nor a Sequence");
            }
        }
        return pieces;
    }

    /** XLM-R / RoBERTa as transformers writes it: {@code <s> A </s>} and {@code <s> A </s> </s> B </s>}, types 0. */
    public static TemplateProcessing roberta(String cls, int clsId, String sep, int sepId) {
        var specials = Map.of(cls, new SpecialTokens(new int[] {clsId}, List.of(cls)),
                sep, new SpecialTokens(new int[] {sepId}, List.of(sep)));
        return new TemplateProcessing(
                List.of(new SpecialPiece(cls, 0), new SequencePiece(0, 0), new SpecialPiece(sep, 0)),
                List.of(new SpecialPiece(cls, 0), new SequencePiece(0, 0), new SpecialPiece(sep, 0),
                        new SpecialPiece(sep, 0), new SequencePiece(1, 0), new SpecialPiece(sep, 0)),
                specials);
    }

    private int count(List<Piece> template) {
        int n = 0;
        for (Piece p : template) {
            if (p instanceof SpecialPiece s) {
                SpecialTokens t = specialTokens.get(s.name());
                if (t == null) {
                    throw new IllegalArgumentException("the template uses special token " + s.name()
                            + ", which special_tokens does not define");
                }
                n += t.ids().length;
            }
        }
        return n;
    }

    @Override
    public int addedTokens(boolean isPair) {
        return isPair ? addedPair : addedSingle;
    }

    @Override
    public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
        List<Piece> template = switch (encodings.size()) {
            case 1 -> single;
            case 2 -> pair;
            default -> throw new IllegalStateException("TemplateProcessing takes 1 or 2 encodings, got "
                    + encodings.size());
        };
        List<Encoding> out = new ArrayList<>(template.size());
        for (Piece piece : template) {
            switch (piece) {
                case SequencePiece s -> out.add(PostProcessor.withTypeIds(encodings.get(s.index()), s.typeId()));
                case SpecialPiece s -> {
                    if (addSpecialTokens) {
                        SpecialTokens t = specialTokens.get(s.name());
                        int[] types = new int[t.ids().length];
                        java.util.Arrays.fill(types, s.typeId());
                        out.add(new Encoding(t.ids(), types, t.tokens()));
                    }
                }
            }
        }
        return out;
    }
}
