package io.koembed.cli;

/**
 * A command line that is wrong in itself, whatever the files hold: an option value out of range, options at odds
 * with each other, an option missing. Reported as one line on stderr with exit code 2, as picocli's own parse
 * errors are. A problem with what the command reads, or an option at odds with it, is an {@link InputError}
 * (exit code 1).
 */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message);
    }
}
