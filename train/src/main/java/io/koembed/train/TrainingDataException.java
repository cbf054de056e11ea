package io.koembed.train;

import java.nio.file.Path;

/**
 * A training file that cannot be used, found before training starts. The message names the file and, where there is
 * one, the line: {@code "train.jsonl:7: \"score\" 1.4 is outside 0..1"}.
 */
public class TrainingDataException extends IllegalArgumentException {

    public TrainingDataException(String message, Throwable cause) {
        super(message, cause);
    }

    static TrainingDataException at(Path file, long line, String problem) {
        return new TrainingDataException(file + ":" + line + ": " + problem, null);
    }

    static TrainingDataException in(Path file, String problem) {
        return new TrainingDataException(file + ": " + problem, null);
    }
}
