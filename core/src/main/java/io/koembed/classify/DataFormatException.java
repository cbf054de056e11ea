package io.koembed.classify;

/** A line of a data file that cannot be read; the message starts with "file:line: ". */
public class DataFormatException extends IllegalArgumentException {
    public DataFormatException(String where, String problem) {
        super(where + ": " + problem);
    }
}
