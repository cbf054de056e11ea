package io.koembed.index;

/** One search result: the document's id, its score under the index's similarity function, and its text. */
public record IndexHit(String id, float score, String text) {}
