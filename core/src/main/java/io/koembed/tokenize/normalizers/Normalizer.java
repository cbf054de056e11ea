package io.koembed.tokenize.normalizers;

/**
 * One text normalization step (a {@code normalizer} of {@code tokenizer.json}). Implementations are immutable and
 * thread safe, and only ever see well-formed strings (the tokenizer replaces unpaired surrogates first).
 *
 * <p>The Rust library also tracks, character by character, where each normalized character came from. KoEmbed
 * needs none of that for token ids, with one exception: a {@code Metaspace} pre-tokenizer with
 * {@code prepend_scheme: first} prepends only to a piece whose original offset is 0, and a normalizer that drops
 * characters at the start (only {@code Strip} with {@code left}) moves that offset. {@link #movesStart} reports it.
 */
public interface Normalizer {

    String normalize(String text);

    /**
     * Whether normalizing {@code text} removes characters at its start, so that the Rust library's alignment of
     * the first remaining character no longer points at offset 0.
     */
    default boolean movesStart(String text) {
        return false;
    }
}
