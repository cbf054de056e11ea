package io.koembed.bench;

/** Text to the token ids the encoder sees (special tokens added, stripped and truncated as the model says). */
public interface TextTokenizer {

    /** Where the ids come from, for the report header. */
    String description();

    int[] ids(String text);
}
