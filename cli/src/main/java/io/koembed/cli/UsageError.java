package io.koembed.cli;

/** Bad input from the user (a file, a flag, a line): reported as one line on stderr, exit code 1. */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message);
    }
}
