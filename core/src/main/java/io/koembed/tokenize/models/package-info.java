/**
 * The model stage ({@code models/} of the Rust library): {@link io.koembed.tokenize.models.TokenizerModel},
 * implemented by {@link io.koembed.tokenize.models.Unigram} (SentencePiece) and
 * {@link io.koembed.tokenize.models.WordPiece} (BERT).
 */
package io.koembed.tokenize.models;
