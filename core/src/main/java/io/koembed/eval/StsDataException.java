package io.koembed.eval;

import java.nio.file.Path;

/**
 * An STS data file is missing, unreadable or malformed. The message names the file and, where there is one,
 * the line: {@code "data/korsts/sts-dev.tsv:17: score 'x' is not a number"}.
 */
public class StsDataException extends IllegalArgumentException {

    public StsDataException(String message) {
        super(message);
    }

    public StsDataException(String message, Throwable cause) {
        super(message, cause);
    }

    static StsDataException at(Path file, long line, String problem) {
        return new StsDataException(file + ":" + line + ": " + problem);
    }

    static StsDataException in(Path file, String problem) {
        return new StsDataException(file + ": " + problem);
    }
}
