package io.koembed.spark;

/** The job's input or output cannot be used as given; the message names the file (and line) and the problem. */
final class InputError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InputError(String message) {
        super(message);
    }
}
