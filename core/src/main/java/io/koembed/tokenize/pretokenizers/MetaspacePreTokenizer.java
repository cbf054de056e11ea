package io.koembed.tokenize.pretokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"type": "Metaspace"}} as in {@code pre_tokenizers/metaspace.rs}: every ASCII space becomes the
 * replacement character (U+2581 "▁"), the replacement is prepended to a section that does not already start with
 * it (always / only at the start of the input / never), and the section is cut before every replacement
 * character, so each "▁" opens a new piece ({@code MergedWithNext}): {@code "▁a▁▁b"} -> {@code "▁a", "▁", "▁b"}.
 */
public final class MetaspacePreTokenizer implements PreTokenizer {

    /** When to prepend the replacement ({@code prepend_scheme}). */
    public enum PrependScheme {
        /** To every section, including those after an added token. */
        ALWAYS,
        /** Only to a section that starts at offset 0 of the input. */
        FIRST,
        /** Never. */
        NEVER
    }

    private final String replacement;
    private final PrependScheme prependScheme;
    private final boolean split;

    /**
     * @param replacement   one code point, usually U+2581
     * @param prependScheme when to prepend it
     * @param split         whether to cut the section at each replacement ({@code split}, default true)
     */
    public MetaspacePreTokenizer(int replacement, PrependScheme prependScheme, boolean split) {
        this.replacement = Character.toString(replacement);
        this.prependScheme = prependScheme;
        this.split = split;
    }

    /**
     * Both generations: current ({@code prepend_scheme}, {@code split}) and older ({@code add_prefix_space},
     * {@code str_rep}). As in Rust 0.21: a missing {@code prepend_scheme} means "always", {@code split} defaults to
     * true, {@code add_prefix_space: false} means "never", and contradicts an explicit "always"/"first".
     */
    public static MetaspacePreTokenizer fromJson(JsonNode node, String where) {
        JsonNode rep = node.get("replacement");
        if (rep == null || !rep.isTextual() || rep.asText().codePointCount(0, rep.asText().length()) != 1) {
            throw new Invalid(where + ": Metaspace \"replacement\" must be a single character");
        }
        int replacement = rep.asText().codePointAt(0);
        PrependScheme scheme = PrependScheme.ALWAYS;
        JsonNode ps = node.get("prepend_scheme");
        boolean explicitScheme = ps != null && !ps.isNull();
        if (explicitScheme) {
            scheme = switch (ps.asText()) {
                case "always" -> PrependScheme.ALWAYS;
                case "first" -> PrependScheme.FIRST;
                case "never" -> PrependScheme.NEVER;
                default -> throw new Invalid(where + ": unknown Metaspace prepend_scheme \"" + ps.asText() + "\"");
            };
        }
        JsonNode aps = node.get("add_prefix_space");
        if (aps != null && !aps.isNull()) {
            if (!aps.isBoolean()) {
                throw new Invalid(where + ": Metaspace \"add_prefix_space\" is not a boolean");
            }
            if (!aps.asBoolean()) {
                if (explicitScheme && scheme != PrependScheme.NEVER) {
                    throw new Invalid(where + ": Metaspace add_prefix_space false contradicts prepend_scheme \""
                            + ps.asText() + "\"");
                }
                scheme = PrependScheme.NEVER;
            }
        }
        JsonNode split = node.get("split");
        boolean doSplit = split == null || split.isNull() || split.asBoolean(true);
        return new MetaspacePreTokenizer(replacement, scheme, doSplit);
    }

    @Override
    public List<String> preTokenize(String text, boolean atTextStart) {
        String s = text.replace(" ", replacement);
        boolean prepend = switch (prependScheme) {
            case ALWAYS -> !s.startsWith(replacement);
            case FIRST -> !s.startsWith(replacement) && atTextStart;
            case NEVER -> false;
        };
        if (prepend) {
            s = replacement + s;
        }
        List<String> pieces = new ArrayList<>();
        if (!split) {
            pieces.add(s);
            return pieces;
        }
        int pieceStart = 0;
        int at = s.indexOf(replacement, 1);
        while (at >= 0) {
            pieces.add(s.substring(pieceStart, at));
            pieceStart = at;
            at = s.indexOf(replacement, at + replacement.length());
        }
        if (pieceStart < s.length()) {
            pieces.add(s.substring(pieceStart));
        }
        return pieces;
    }
}
