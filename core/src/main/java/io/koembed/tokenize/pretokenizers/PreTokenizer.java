package io.koembed.tokenize.pretokenizers;

import java.util.List;

/**
 * Cuts one normalized section of text (the text between two added tokens) into the pieces the model segments
 * independently. Implementations are immutable and thread safe.
 */
public interface PreTokenizer {

    /**
     * @param text        a normalized section, never empty
     * @param atTextStart whether the section starts at offset 0 of the input (the Rust library's
     *                    {@code offsets_original().0 == 0}); only {@code Metaspace} with {@code prepend_scheme:
     *                    first} looks at it
     * @return the pieces, in order; none of them empty
     */
    List<String> preTokenize(String text, boolean atTextStart);
}
