package io.koembed;

/**
 * A text file that {@link TextFiles} cannot read: missing, unreadable, or not UTF-8. The message names the file
 * and, for a bad byte, its line: {@code "in.txt:2: invalid UTF-8 at byte offset 4 (byte 0xE9)"}. Readers of a
 * particular format rethrow it as their own exception, with the same message.
 */
public class TextFileException extends IllegalArgumentException {
    public TextFileException(String where, String problem) {
        super(where + ": " + problem);
    }
}
