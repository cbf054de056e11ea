package io.koembed.tokenize.models;

import io.koembed.tokenize.common.IntList;
import java.util.OptionalInt;

/**
 * The model step of the pipeline: cuts one pre-tokenized word into vocabulary ids. {@link Unigram} for
 * SentencePiece models (XLM-R), {@link WordPiece} for BERT vocabularies. Immutable and thread safe.
 */
public sealed interface TokenizerModel permits Unigram, WordPiece {

    /** Rust's {@code get_vocab_size}: where the ids of added tokens that are not in the vocabulary start. */
    int size();

    /** The id of a vocabulary entry. */
    OptionalInt id(String piece);

    /** The vocabulary entry of {@code id}, or null when no entry has it. */
    String piece(int id);

    /** How many distinct entries there are (the size of what Rust's {@code get_vocab} returns). */
    int distinctPieceCount();

    /** Segments one word (a piece of the pre-tokenizer's output, never empty) and appends its ids to {@code out}. */
    void encode(String word, IntList out);
}
