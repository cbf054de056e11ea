package io.koembed.cli;

/**
 * A problem with what a command reads: an input file missing, empty or with a bad line (named with its line
 * number), an index or model no longer where it was, an option at odds with the input (more clusters than texts,
 * settings an existing index does not have). Reported as one line on stderr with exit code 1.
 */
final class InputError extends RuntimeException {
    InputError(String message) {
        super(message);
    }
}
