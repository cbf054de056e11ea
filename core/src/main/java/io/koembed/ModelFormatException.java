package io.koembed;

import java.nio.file.Path;

/**
 * A model file is missing, unreadable, or holds something KoEmbed cannot honour. The message always names the
 * file and, where it helps, the field or tensor, so that a user can see what to fix without a stack trace.
 */
public class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "{file}: {problem}" — the form every loader uses. */
    public static ModelFormatException in(Path file, String problem) {
        return new ModelFormatException(file + ": " + problem);
    }

    public static ModelFormatException in(Path file, String problem, Throwable cause) {
        return new ModelFormatException(file + ": " + problem, cause);
    }
}
