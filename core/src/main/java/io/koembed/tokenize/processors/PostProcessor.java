package io.koembed.tokenize.processors;

import io.koembed.tokenize.common.Encoding;
import java.util.Arrays;
import java.util.List;

/**
 * Adds the special tokens around one sequence or a pair and sets the type ids (the {@code post_processor} of
 * tokenizer.json). Works on a list of encodings like Rust's {@code process_encodings}, so steps can be chained;
 * the tokenizer concatenates whatever comes out. Implementations are immutable and thread safe.
 */
public interface PostProcessor {

    /** How many special tokens {@link #process} adds: what truncation reserves room for. */
    int addedTokens(boolean pair);

    /**
     * @param encodings        one encoding, or two for a pair (type ids 0 and 1 as they come from the model)
     * @param addSpecialTokens whether to add the special tokens (type ids are set either way)
     */
    List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens);

    /** A processor that leaves the encodings alone (e.g. {@code ByteLevel}, which only trims offsets). */
    PostProcessor NONE = new PostProcessor() {
        @Override
        public int addedTokens(boolean pair) {
            return 0;
        }

        @Override
        public List<Encoding> process(List<Encoding> encodings, boolean addSpecialTokens) {
            return encodings;
        }
    };

    /** The same encoding with every type id set to {@code typeId}. */
    static Encoding withTypeIds(Encoding e, int typeId) {
        int[] types = new int[e.length()];
        Arrays.fill(types, typeId);
        return new Encoding(e.ids(), types, e.tokens());
    }
}
