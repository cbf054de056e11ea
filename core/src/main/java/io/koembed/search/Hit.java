package io.koembed.search;

/**
 * One search result: the corpus row and its score, larger meaning more similar (distances come back negated, as
 * everywhere in KoEmbed). {@code {"corpus_id": ..., "score": ...}} in sentence-transformers.
 */
public record Hit(int corpusId, float score) {}
