package io.koembed.classify;

import io.koembed.TextFileException;

/** A line of a data file that cannot be read; the message starts with "file:line: ". */
public class DataFormatException extends IllegalArgumentException {
    public DataFormatException(String where, String problem) {
        super(where + ": " + problem);
    }

    /** A file whose text cannot be read (bad UTF-8), with the reader's message. */
    public DataFormatException(TextFileException cause) {
        super(cause.getMessage(), cause);
    }
}
