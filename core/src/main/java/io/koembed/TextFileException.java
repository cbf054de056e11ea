package io.koembed;

/**
 * A text file that {@link TextFiles} cannot read: missing, unreadable, or not UTF-8. The message is
 * {@code "where: problem"}, where is the file and, for a bad byte, its line ({@code "in.txt:2"}); readers of a
 * particular format rethrow both parts in their own exception.
 */
public class TextFileException extends IllegalArgumentException {
    private final String where;
    private final String problem;

    public TextFileException(String where, String problem) {
        super(where + ": " + problem);
        this.where = where;
        this.problem = problem;
    }

    /** The file, or {@code file:line}. */
    public String where() {
        return where;
    }

    /** What is wrong there. */
    public String problem() {
        return problem;
    }
}
