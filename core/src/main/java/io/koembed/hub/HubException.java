package io.koembed.hub;

/**
 * A model could not be had from the Hub or its cache. The message is one line that says what was tried (the URL,
 * the cache folder) and what to do about it; it never holds the access token.
 */
public class HubException extends RuntimeException {

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
